package compose

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// The service may have created (and billed) a task whose answer never
// came: the root hears about it, and nothing in the form can resend it.
func TestUnknownOutcomeIsNeverResent(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := extendForm(t, e)
	e.srv.Sim.InjectFault(sim.PathExtend, sim.FaultAcceptThenDrop, 1)
	m = typeText(t, m, "the fox runs")
	m, _ = press(t, m, "ctrl+s")
	m, msgs := press(t, m, "y")
	subs := submitted(t, msgs)
	if len(subs) != 1 || !errors.Is(subs[0].Err, tasks.ErrUnknownOutcome) || subs[0].Task.Status != store.StatusUnknown {
		t.Fatalf("%+v", subs)
	}
	mustContain(t, flat(m.View()), "may exist and be billed", "will not resend")
	for _, k := range []string{"ctrl+s", "y", "enter"} {
		if _, cmd := m.Update(keyMsg(k)); cmd != nil {
			t.Errorf("%s after an unknown outcome returned a command", k)
		}
	}
	if n := e.srv.Sim.Creates(); n != 1 {
		t.Errorf("%d creates", n)
	}
}

// Every step fits its area: no line wider than the width, no more lines
// than the height, and the submit hint is always the last line.
func TestViewsFitTheirArea(t *testing.T) {
	long := strings.Repeat("a very long prompt about a fox that runs through the snow ", 60)
	for _, sz := range [][2]int{{80, 24}, {60, 16}, {120, 36}} {
		w, h := sz[0], sz[1]
		gen := NewGenerate(viewDeps()).SetSize(w, h)
		gen = typeText(t, gen, "日本語のプロンプト")
		gen, _ = press(t, gen, "tab", "left", "tab", "tab", "tab", "right", "right", "tab", "right", "tab", "right")
		gen, _ = press(t, gen, "ctrl+s") // images, duration and model all complain
		ext := NewExtend(viewDeps(), nil).SetSize(w, h)
		ext, _ = press(t, ext, "tab", "tab", "tab")
		ext = typeText(t, ext, "123")
		ext, _ = press(t, ext, "ctrl+s")
		conf := NewExtend(viewDeps(), demoSource()).SetSize(w, h)
		conf.set(fPrompt, long) // typing it rune by rune would only slow the test
		conf, _ = press(t, conf, "ctrl+s")
		for name, m := range map[string]Model{"generate": gen, "extend": ext, "confirm": conf} {
			v := m.View()
			lines := strings.Split(v, "\n")
			if len(lines) > h {
				t.Errorf("%s at %dx%d: %d lines:\n%s", name, w, h, len(lines), v)
			}
			if wd := lipgloss.Width(v); wd > w {
				t.Errorf("%s at %dx%d: %d columns:\n%s", name, w, h, wd, v)
			}
			last := lines[len(lines)-1]
			if !strings.Contains(last, "ctrl+s") && !strings.Contains(last, "y/enter") {
				t.Errorf("%s at %dx%d: the hint is not the last line:\n%s", name, w, h, v)
			}
		}
		mustContain(t, gen.View(), "✗")
		mustContain(t, conf.View(), "…")
	}
}

func TestEditorRoundTrip(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ed.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf 'from the editor\\n' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := NewExtend(viewDeps(), demoSource())
	m = typeText(t, m, "start ")
	m, cmd := m.Update(keyMsg("ctrl+e"))
	ready, ok := cmd().(editorReadyMsg)
	if !ok || ready.err != nil {
		t.Fatalf("%#v", ready)
	}
	ed, err := editorCommand(script, ready.path, exec.LookPath)
	if err != nil {
		t.Fatal(err)
	}
	done := readBack(ready.inst, ready.gen, ready.path)(ed.Run())
	m, _ = m.Update(done)
	if got := m.get(fPrompt); got != "start from the editor" {
		t.Errorf("prompt %q", got)
	}
	if _, err := os.Stat(ready.path); !os.IsNotExist(err) {
		t.Error("the temp file must be removed")
	}
	failed := readBack(ready.inst, ready.gen, ready.path)(errors.New("exit status 1"))
	m, _ = m.Update(failed)
	if m.get(fPrompt) != "start from the editor" {
		t.Error("a failed editor leaves the prompt as it was")
	}
	mustContain(t, m.View(), "✗ the editor failed")
}

func TestEditorFallsBack(t *testing.T) {
	look := func(name string) (string, error) {
		if name == "nano" {
			return "/usr/bin/nano", nil
		}
		return "", exec.ErrNotFound
	}
	c, err := editorCommand("", "/tmp/p.txt", look)
	if err != nil || c.Path != "/usr/bin/nano" {
		t.Errorf("%v %v", c, err)
	}
	c, _ = editorCommand("code -w", "/tmp/p.txt", look)
	if strings.Join(c.Args, " ") != "code -w /tmp/p.txt" {
		t.Errorf("args %v", c.Args)
	}
	if _, err := editorCommand("", "/tmp/p.txt", func(string) (string, error) { return "", exec.ErrNotFound }); err == nil {
		t.Error("no editor at all must say so")
	}
}

// Answers for another composer (or an older request) are dropped.
func TestForeignResultsAreDropped(t *testing.T) {
	m := NewExtend(viewDeps(), demoSource())
	m, _ = m.Update(creditsMsg{inst: m.inst + 1, gen: m.bal.gen, credits: 1})
	m, _ = m.Update(submitDoneMsg{inst: m.inst, gen: 7, task: &store.Task{Status: store.StatusRunning}})
	if m.bal.loaded || m.stage != stageForm {
		t.Errorf("balance %v stage %v", m.bal, m.stage)
	}
}

// flat joins a view's words with single spaces, so a check does not depend
// on where a sentence wrapped.
func flat(v string) string { return strings.Join(strings.Fields(v), " ") }

func TestEarlierPromptsCanBeRecalled(t *testing.T) {
	e := newEnv(t, sim.Options{})
	for _, p := range []string{"older one", "newer one"} {
		if err := e.st.PutPrompt(p); err != nil {
			t.Fatal(err)
		}
	}
	m := extendForm(t, e)
	steps := []struct{ key, want string }{
		{"up", "newer one"}, {"alt+up", "older one"}, {"alt+up", "older one"},
		{"alt+down", "newer one"}, {"alt+down", ""},
	}
	for _, s := range steps {
		m, _ = press(t, m, s.key)
		if got := m.get(fPrompt); got != s.want {
			t.Fatalf("after %s: prompt %q, want %q", s.key, got, s.want)
		}
	}
	m = typeText(t, m, "mine")
	m, _ = press(t, m, "up")
	if m.get(fPrompt) != "mine" {
		t.Error("↑ in a prompt with text moves the cursor; it must not replace the text")
	}
}

// A source the service does not know creates no task: no SubmittedMsg, the
// reason beside the source field, and the next ctrl+s refused at once.
func TestUnknownSourceStaysOnTheForm(t *testing.T) {
	e := newEnv(t, sim.Options{})
	m := NewExtend(e.deps(), nil).SetSize(80, 24)
	m = typeText(t, m, "veo_task_nope")
	m.set(fPrompt, "the fox runs")
	m, _ = press(t, m, "ctrl+s") // still in the source field: not checked yet
	if m.stage != stageConfirm {
		t.Fatalf("stage %v: %v", m.stage, m.errs)
	}
	m, msgs := press(t, m, "y")
	if len(submitted(t, msgs)) != 0 || m.stage != stageForm || m.focused().id != fSource {
		t.Fatalf("msgs %v stage %v focus %s", msgs, m.stage, m.focused().id)
	}
	mustContain(t, flat(m.View()), "✗ the service has no task")
	m, _ = press(t, m, "ctrl+s")
	if m.stage != stageForm {
		t.Error("the known-bad source must be refused before the confirm step")
	}
	if n := e.srv.Sim.Creates(); n != 0 {
		t.Errorf("%d creates", n)
	}
}

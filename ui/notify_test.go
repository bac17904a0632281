package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// A task that ends while the terminal has focus raises no notification;
// one that ends while it has none does; onFinish gets the task's JSON on
// stdin without the key, whatever the focus (issue 15.5).
func TestNotifyOnlyWhenAwayAndOnFinish(t *testing.T) {
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{})
	dir := t.TempDir()
	got := filepath.Join(dir, "stdin")
	env := filepath.Join(dir, "env")
	t.Setenv("VEOX_API_KEY", "sk-must-not-leak")
	var notes []string
	f := startFlowWith(t, p, e, Options{
		Settings: config.Settings{Notify: true, OnFinish: "cat >> " + got + "; env > " + env},
		Notify:   func(title, message string) error { notes = append(notes, title+": "+message); return nil },
	})
	f.send(tea.FocusMsg{})
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	first := f.until(t, store.KindExtend, func(tk *store.Task) bool { return tk.Status == store.StatusSucceeded })
	if len(notes) != 0 {
		t.Fatalf("a task that ended under the user's eyes raised %q", notes)
	}
	f.send(tea.BlurMsg{})
	f.press("esc") // back to the list, the lighthouse selected again
	f.list, _ = f.list.Select(first.LocalID)
	f.submit(t, "n", "Extend a video", "the gulls circle the lamp")
	f.until(t, store.KindExtend, func(tk *store.Task) bool {
		return tk.Status == store.StatusSucceeded && tk.LocalID != first.LocalID
	})
	if len(notes) != 1 || !strings.Contains(notes[0], "finished") {
		t.Fatalf("a task that ended while the terminal was away raised %q, want one notification", notes)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("onFinish ran %d times, want 2:\n%s", len(lines), b)
	}
	var tk store.Task
	if err := json.Unmarshal([]byte(lines[0]), &tk); err != nil || tk.LocalID != first.LocalID || tk.Status != store.StatusSucceeded {
		t.Fatalf("onFinish read %v %+v", err, tk)
	}
	envs, _ := os.ReadFile(env)
	if strings.Contains(string(b)+string(envs), "sk-must-not-leak") {
		t.Fatal("onFinish was given the API key")
	}
}

// The terminal's own notification: OSC 9 where it is read, OSC 777
// elsewhere, the bell inside tmux; nothing in the text ends it early.
func TestTerminalNotification(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	if s := terminalNotification(env("TERM_PROGRAM", "iTerm.app"), "veox", "done\a\x1b]0;x"); s != "\x1b]9;veox: done \a" {
		t.Errorf("iTerm2: %q", s)
	}
	if s := terminalNotification(env("TERM", "foot"), "veox: extend", "finished; downloading"); s != "\x1b]777;notify;veox: extend;finished  downloading\a" {
		t.Errorf("foot: %q", s)
	}
	if s := terminalNotification(env("TMUX", "/tmp/x"), "veox", "done"); s != "\a" {
		t.Errorf("tmux: %q", s)
	}
}

package details

import (
	"bytes"
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

func (m *Model) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*m, cmd = m.Update(msg)
	return cmd
}

// press sends a key, runs what it leads to, and returns the messages
// seen (the key first).
func (m *Model) press(k string) []tea.Msg {
	p := &uitest.Pump{Update: m.update}
	p.Send(uitest.Key(k))
	return p.Seen
}

// run runs cmd and what it leads to.
func (m *Model) run(cmd tea.Cmd) { (&uitest.Pump{Update: m.update}).Run(cmd) }

func demo(t *testing.T) (*Model, *bytes.Buffer) {
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	src, err := e.Svc.Import(t.Context(), sim.DemoForest)
	if err != nil {
		t.Fatal(err)
	}
	out := &bytes.Buffer{}
	m := New(Deps{Service: e.Svc, Styles: uitest.Styles(), Now: uitest.Clock, Ctx: context.Background(), Output: out}, src.LocalID).SetSize(80, 22)
	m.run(m.Init())
	return &m, out
}

func TestUpscaleAsksForTheTargetThenTheCost(t *testing.T) {
	t.Parallel()
	m, _ := demo(t)
	m.press("u")
	if !strings.Contains(m.View(), "1 = 1080p") {
		t.Fatalf("no choice shown:\n%s", m.View())
	}
	m.press("1")
	if v := m.View(); !strings.Contains(v, "can NOT be extended") {
		t.Fatalf("no warning before a 1080p upscale:\n%s", v)
	}
	got := m.press("y")
	want := request.Upscale{ID: m.task.LocalID, To: tasks.Upscale1080}
	if len(got) < 2 || got[1] != want {
		t.Errorf("confirm sent %v, want %v", got, want)
	}
}

func TestCopyWritesOSC52(t *testing.T) {
	t.Parallel()
	m, out := demo(t)
	m.press("c")
	if !strings.Contains(out.String(), "\x1b]52;c;") {
		t.Errorf("no OSC 52 sequence written: %q", out.String())
	}
	if !strings.Contains(m.View(), "sent the URL to the terminal's clipboard") {
		t.Error("the user is not told where the URL went")
	}
}

func TestOpenWithoutAFileSaysHowToGetOne(t *testing.T) {
	t.Parallel()
	m, _ := demo(t)
	m.press("o")
	if !strings.Contains(m.View(), "press d to download") {
		t.Errorf("view:\n%s", m.View())
	}
}

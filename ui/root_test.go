package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

func (m *Model) update(msg tea.Msg) tea.Cmd {
	next, cmd := m.Update(msg)
	*m = next.(Model)
	return cmd
}

// rig is the root model driven by a pump: a key or a message runs all it
// leads to before the call returns, and timers wait until the test fires
// them (p.Advance), so nothing depends on how fast this machine is.
type rig struct {
	*Model
	p *uitest.Pump
}

// newRig builds the root on the pump's clock and timers and starts it at
// w×h, Init and all it leads to done.
func newRig(p *uitest.Pump, o Options, w, h int) *rig {
	o.Tick = p.Timer
	if o.Now == nil {
		o.Now = p.Now
	}
	if o.Output == nil {
		o.Output = &bytes.Buffer{}
	}
	o.Styles = uitest.Styles()
	m := New(o)
	p.Update = m.update
	r := &rig{Model: &m, p: p}
	r.send(tea.WindowSizeMsg{Width: w, Height: h})
	p.Run(m.Init())
	return r
}

// press sends keys one at a time, each as the terminal would deliver it.
func (r *rig) press(keys ...string) {
	for _, k := range keys {
		r.p.Send(uitest.Key(k))
	}
}

func (r *rig) send(msg tea.Msg) { r.p.Send(msg) }

// seededRoot is the root over 300 seeded tasks at a size, Init done.
func seededRoot(t *testing.T, w, h int, readOnly bool) (*rig, *uitest.Env) {
	t.Helper()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, 0, 0, p.Now)
	b, err := seeded300()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.DB, b, 0o600); err != nil { // the store holds no file between units of work
		t.Fatal(err)
	}
	r := newRig(p, Options{Service: e.Svc, Demo: true, ReadOnly: readOnly, Settings: config.Settings{Bell: true}}, w, h)
	return r, e
}

// seeded300 is the file of a history of 300 seeded tasks, made once per
// test binary: SeedHistory gives the same tasks for the same time and
// count, and seeding them again for each of the ~25 screens that start
// from it took about a tenth of the package's CPU.
var seeded300 = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "veox-ui-seeded-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "veox.db")
	st, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	if err := store.SeedHistory(st, 300, uitest.Now); err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"120x36", 120, 36}}

func TestGoldenScreens(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		m, e := seededRoot(t, sz.w, sz.h, false)
		uitest.Golden(t, "home_"+sz.name, m.View())
		m.press("?")
		uitest.Golden(t, "help_"+sz.name, m.View())
		m.press("esc", "3", "enter")
		uitest.Golden(t, "details_failed_"+sz.name, m.View())
		m.press("esc", "f")
		uitest.Golden(t, "downloads_empty_"+sz.name, strings.ReplaceAll(m.View(), e.Dir, "$DIR"))
	}
}

func TestTooSmall(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 59, 16, false)
	if v := m.View(); !strings.Contains(v, "veox needs 60×16, this is 59×16") {
		t.Errorf("59×16 shows:\n%s", v)
	}
}

func TestReadOnlyRefusesChangesAndSaysWhy(t *testing.T) {
	t.Parallel()
	m, e := seededRoot(t, 80, 24, true)
	before := e.Srv.Sim.Creates()
	m.press("g")
	if m.top() != scrTasks {
		t.Fatalf("the composer opened on a read-only history")
	}
	if !strings.Contains(m.bar.Error, "read-only") {
		t.Errorf("status bar error = %q", m.bar.Error)
	}
	if !strings.Contains(m.View(), "READ-ONLY") {
		t.Error("no READ-ONLY badge")
	}
	if e.Srv.Sim.Creates() != before {
		t.Error("something was created")
	}
}

func TestQuitAsksWhileACreateIsInFlight(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 80, 24, false)
	m.creating = 1
	cmd := m.update(uitest.Key("q"))
	if cmd != nil || m.top() != scrQuit {
		t.Fatalf("q with a create in flight: top %v", m.top())
	}
	if !strings.Contains(m.View(), "Quit anyway?") {
		t.Error("the question is not shown")
	}
	m.update(uitest.Key("esc"))
	if m.top() != scrTasks {
		t.Error("esc did not stay")
	}
	m.creating = 0
	if cmd := m.update(uitest.Key("q")); cmd == nil {
		t.Error("q with nothing in flight does not quit")
	}
}

func TestRecoverTurnsSubmittingIntoUnknownAndSaysSo(t *testing.T) {
	t.Parallel()
	m, e := seededRoot(t, 120, 36, false)
	active, err := e.Store.Active()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		if a.Status == store.StatusSubmitting {
			t.Errorf("task %s still submitting after start", a.LocalID)
		}
	}
	if !strings.Contains(m.bar.Error, "never got an answer") {
		t.Errorf("status bar = %q", m.bar.Error)
	}
}

func TestFocusRuleSendsKeysToTheSearchField(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 80, 24, false)
	m.press("/", "q", "?")
	if m.top() != scrTasks || !m.list.Typing() {
		t.Fatalf("q or ? escaped the search field: top %v", m.top())
	}
	if !strings.Contains(m.View(), "/ q?") {
		t.Errorf("typed text not in the field:\n%s", m.View())
	}
}

func TestFlashClearsOnlyItsOwnNews(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 80, 24, false)
	m.send(request.Flash{Text: "one"})
	gen := m.flashGen
	m.send(request.Flash{Text: "two"})
	m.update(flashClearMsg{gen: gen})
	if m.bar.Message != "two" {
		t.Errorf("an old timer cleared newer news: %q", m.bar.Message)
	}
}

func TestQInTheComposerDoesNotThrowAwayThePrompt(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 120, 36, false)
	m.press("N") // extend by id: the composer opens whatever is selected
	if m.top() != scrCompose {
		t.Fatalf("N did not open the composer (top %v)", m.top())
	}
	for m.compose.Capturing() { // move to the model choice, where keys are not typed
		m.press("tab")
	}
	next, cmd := m.Update(uitest.Key("q"))
	*m.Model = next.(Model)
	if cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q in the composer quit veox and lost the form")
		}
	}
	if m.top() != scrCompose {
		t.Fatalf("q left the composer (top %v)", m.top())
	}
}

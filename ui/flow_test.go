package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// flow runs the whole root model against the simulator over loopback HTTP,
// with a real store, client and downloader. The simulator, the service and
// the screens share the pump's clock: tasks run for minutes of it, and the
// test moves it by firing the timers the program started (polls, progress,
// news), so a flow takes as long as its work, never a guess at a delay.
type flow struct {
	*rig
	env    *uitest.Env
	frames []string // every screen drawn, when recording
}

// flowEnv is a simulator whose tasks take 1 to 4 s of the pump's clock, so
// they end at their first poll (5 s): every 83 ms of the clock is a spinner
// frame the test runs, and longer tasks cost real time under -race. so
// options may add faults.
func flowEnv(t *testing.T, p *uitest.Pump, so sim.Options, ao api.Options, do download.Options) *uitest.Env {
	t.Helper()
	so.Now = p.Now
	if so.MinDuration == 0 {
		so.MinDuration, so.MaxDuration = time.Second, 4*time.Second
	}
	if so.Seed == 0 {
		so.Seed = 1
	}
	return uitest.NewEnvWith(t, so, ao, do, p.Now)
}

func startFlow(t *testing.T) *flow {
	t.Helper()
	p := &uitest.Pump{}
	return startFlowOn(t, p, flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{}), config.Settings{AutoDownload: true})
}

// startFlowOn runs the root over env once the lighthouse source is in its
// history (retried a few times: some tests make the service fail).
func startFlowOn(t *testing.T, p *uitest.Pump, e *uitest.Env, set config.Settings) *flow {
	t.Helper()
	return startFlowWith(t, p, e, Options{Settings: set})
}

// startFlowWith is startFlowOn with more of the root's options.
func startFlowWith(t *testing.T, p *uitest.Pump, e *uitest.Env, o Options) *flow {
	t.Helper()
	var err error
	for range 20 {
		if _, err = e.Svc.Import(t.Context(), sim.DemoLighthouse); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	f := &flow{env: e}
	o.Service, o.Demo = e.Svc, true
	f.rig = newRig(p, o, 120, 36)
	f.shows(t, "lighthouse")
	return f
}

// record keeps every screen drawn from now on, as the program would draw
// one after each message.
func (f *flow) record() {
	m := f.Model
	f.p.Update = func(msg tea.Msg) tea.Cmd {
		cmd := m.update(msg)
		f.frames = append(f.frames, m.View())
		return cmd
	}
}

// typeText types text a rune at a time, as a person does.
func (f *flow) typeText(text string) {
	for _, r := range text {
		f.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// shows fails unless the screen holds text now.
func (f *flow) shows(t *testing.T, text string) {
	t.Helper()
	if v := f.View(); !strings.Contains(v, text) {
		t.Fatalf("the screen lacks %q:\n%s", text, v)
	}
}

// newest is the newest task of a kind.
func (f *flow) newest(kind string) *store.Task {
	ts, _, err := f.env.Store.List(store.Query{Kinds: []string{kind}, Limit: 1})
	if err != nil || len(ts) == 0 {
		return nil
	}
	return &ts[0]
}

// until fires the program's timers in order until the newest task of a
// kind satisfies ok, within an hour of the service's time.
func (f *flow) until(t *testing.T, kind string, ok func(*store.Task) bool) *store.Task {
	t.Helper()
	var last *store.Task
	done := f.p.AdvanceUntil(time.Hour, func() bool {
		last = f.newest(kind)
		return last != nil && ok(last)
	})
	if !done {
		t.Fatalf("no %s task reached the expected state; the newest is %+v; timers %v", kind, last, f.p.Timers())
	}
	return last
}

// submit opens the composer with key, types the prompt, reviews and
// confirms.
func (f *flow) submit(t *testing.T, key, title, prompt string) {
	t.Helper()
	f.press(key)
	f.shows(t, title)
	f.typeText(prompt)
	f.press("ctrl+s")
	f.shows(t, "Review before spending")
	f.press("y")
}

func TestFlowExtendRunsFinishesAndDownloads(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	if run := f.newest(store.KindExtend); run == nil || run.Status != store.StatusRunning {
		t.Fatalf("after y the extension is %+v, want running", run)
	}
	f.shows(t, "accepted")
	done := f.until(t, store.KindExtend, func(t *store.Task) bool { return len(t.Files) > 0 })
	if done.Status != store.StatusSucceeded {
		t.Fatalf("status %s", done.Status)
	}
	st, err := os.Stat(done.Files[0].Path)
	if err != nil || st.Size() != done.Files[0].Size {
		t.Fatalf("downloaded file: %v (recorded %d)", err, done.Files[0].Size)
	}
	f.shows(t, "saved ")
	if sel := f.list.Selected(); sel == nil || sel.LocalID != done.LocalID {
		t.Errorf("the new task is not selected")
	}
}

func TestFlowFailedTaskShowsFailedWithItsHint(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.submit(t, "g", "Generate", "a storm over the sea [fail]")
	failed := f.until(t, store.KindGenerate, func(t *store.Task) bool { return t.Status == store.StatusFailed })
	if failed.Error == nil || failed.Error.Hint == "" {
		t.Fatalf("failed task has no hint: %+v", failed.Error)
	}
	f.shows(t, "✗ failed")
	f.press("enter")
	f.shows(t, "✗ failed")
	f.shows(t, "hint:")
}

func TestFlowBadSeedIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	before := f.env.Srv.Sim.Creates()
	f.press("n")
	f.shows(t, "Extend a video")
	f.typeText("the keeper waves")
	f.press("tab", "tab")
	f.typeText("123")
	f.press("ctrl+s")
	f.shows(t, "out of range")
	f.p.Advance(time.Hour)
	if got := f.env.Srv.Sim.Creates(); got != before {
		t.Errorf("a create was sent: %d → %d", before, got)
	}
	ts, _, _ := f.env.Store.List(store.Query{Kinds: []string{store.KindExtend}})
	if len(ts) != 0 {
		t.Errorf("%d extend tasks recorded for a refused seed", len(ts))
	}
}

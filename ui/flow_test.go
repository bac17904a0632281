package ui

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// flow runs the whole program against the simulator over loopback HTTP,
// with a real store, client, downloader and a 50 ms poll.
type flow struct {
	env *uitest.Env
	tm  *teatest.TestModel
}

func startFlow(t *testing.T) *flow {
	t.Helper()
	return startFlowOn(t, uitest.NewEnv(t, 100*time.Millisecond, 300*time.Millisecond, time.Now), config.Settings{AutoDownload: true})
}

// startFlowOn runs the program over env once the lighthouse source is in
// its history (retried a few times: some tests make the service fail).
func startFlowOn(t *testing.T, e *uitest.Env, set config.Settings) *flow {
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
	m := New(Options{Service: e.Svc, Demo: true, Now: time.Now, Styles: uitest.Styles(), Output: &bytes.Buffer{},
		Settings: set})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36))
	t.Cleanup(func() { _ = tm.Quit() })
	f := &flow{env: e, tm: tm}
	f.waitScreen(t, "lighthouse")
	return f
}

func (f *flow) waitScreen(t *testing.T, text string) {
	t.Helper()
	teatest.WaitFor(t, f.tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func (f *flow) key(k string) { f.tm.Send(uitest.Key(k)) }

// waitTask waits until the newest task of a kind satisfies ok.
func (f *flow) waitTask(t *testing.T, kind string, ok func(*store.Task) bool) *store.Task {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ts, _, err := f.env.Store.List(store.Query{Kinds: []string{kind}, Limit: 1})
		if err == nil && len(ts) == 1 && ok(&ts[0]) {
			return &ts[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s task reached the expected state in time", kind)
	return nil
}

func TestFlowExtendRunsFinishesAndDownloads(t *testing.T) {
	f := startFlow(t)
	f.key("n")
	f.waitScreen(t, "Extend a video")
	f.tm.Type("the keeper climbs the stairs")
	f.key("ctrl+s")
	f.waitScreen(t, "Review before spending")
	f.key("y")
	f.waitTask(t, store.KindExtend, func(t *store.Task) bool { return t.Status == store.StatusRunning })
	done := f.waitTask(t, store.KindExtend, func(t *store.Task) bool { return len(t.Files) > 0 })
	if done.Status != store.StatusSucceeded {
		t.Fatalf("status %s", done.Status)
	}
	st, err := os.Stat(done.Files[0].Path)
	if err != nil || st.Size() != done.Files[0].Size {
		t.Fatalf("downloaded file: %v (size %d, recorded %d)", err, st.Size(), done.Files[0].Size)
	}
	f.waitScreen(t, "saved ")
	if err := f.tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if sel := final.list.Selected(); sel == nil || sel.LocalID != done.LocalID {
		t.Errorf("the new task is not selected")
	}
}

func TestFlowFailedTaskShowsFailedWithItsHint(t *testing.T) {
	f := startFlow(t)
	f.key("g")
	f.waitScreen(t, "Generate")
	f.tm.Type("a storm over the sea [fail]")
	f.key("ctrl+s")
	f.waitScreen(t, "Review before spending")
	f.key("y")
	failed := f.waitTask(t, store.KindGenerate, func(t *store.Task) bool { return t.Status == store.StatusFailed })
	if failed.Error == nil || failed.Error.Hint == "" {
		t.Fatalf("failed task has no hint: %+v", failed.Error)
	}
	f.waitScreen(t, "✗ failed")
	f.key("enter")
	f.waitScreen(t, "hint:")
	_ = f.tm.Quit()
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if v := final.View(); !strings.Contains(v, "✗ failed") || !strings.Contains(v, "hint:") {
		t.Errorf("Details of the failed task:\n%s", v)
	}
}

func TestFlowBadSeedIsRefusedBeforeSending(t *testing.T) {
	f := startFlow(t)
	before := f.env.Srv.Sim.Creates()
	f.key("n")
	f.waitScreen(t, "Extend a video")
	f.tm.Type("the keeper waves")
	f.key("tab")
	f.key("tab")
	f.tm.Type("123")
	f.key("ctrl+s")
	f.waitScreen(t, "out of range")
	time.Sleep(100 * time.Millisecond)
	if got := f.env.Srv.Sim.Creates(); got != before {
		t.Errorf("a create was sent: %d → %d", before, got)
	}
	ts, _, _ := f.env.Store.List(store.Query{Kinds: []string{store.KindExtend}})
	if len(ts) != 0 {
		t.Errorf("%d extend tasks recorded for a refused seed", len(ts))
	}
	f.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
}

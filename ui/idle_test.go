package ui

import (
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
)

// historyWith is a seeded history of n tasks whose active ones are set to
// status; it is closed with the test.
func historyWith(t *testing.T, n int, status string) *uitest.History {
	t.Helper()
	h, err := uitest.NewHistory(n, func(s *store.Store) error {
		return uitest.SetAll(s, []string{store.StatusRunning, store.StatusSubmitting}, status)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// With nothing running and nothing downloading, start-up starts no timer
// at all, and browsing none that outlives a moment of rest (the chain line
// waits for the cursor to rest): an idle veox does no work.
func TestIdleStartsNoTimer(t *testing.T) {
	t.Parallel()
	h := historyWith(t, 300, store.StatusSucceeded)
	r := newRig(&uitest.Pump{}, Options{Service: h.Svc}, 120, 36)
	if r.list.Selected() == nil {
		t.Fatal("the first page did not load")
	}
	if n := r.p.Started(); n > 0 {
		t.Fatalf("an idle veox started %d timers: %v", n, r.p.Timers())
	}
	keys := []string{"down", "down", "end", "home", "enter", "esc", "tab", "2", "?", "esc", "f", "esc"}
	for _, k := range keys {
		r.press(k)
		_ = r.View()
	}
	r.p.Advance(time.Second)
	if ts := r.p.Timers(); len(ts) > 0 {
		t.Errorf("after a second of rest, timers still wait: %v", ts)
	}
	started := r.p.Started()
	if started > len(keys) {
		t.Errorf("%d keys started %d timers", len(keys), started)
	}
	r.p.Advance(time.Hour)
	if n := r.p.Started(); n != started {
		t.Errorf("an idle veox started %d timers in an hour of rest", n-started)
	}
}

// A running task turns the spinner and is polled; once the service says it
// is done, the last frame and the last poll start nothing more, and the
// news of its end clears itself: no timer is left.
func TestTimersStopWhenTheLastTaskEnds(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := uitest.NewEnvWith(t, sim.Options{MinDuration: 6 * time.Second, MaxDuration: 12 * time.Second, Seed: 1, Now: p.Now},
		api.Options{}, download.Options{}, p.Now)
	for _, prompt := range []string{"a fox runs", "a hare waits"} {
		if _, err := e.Svc.Generate(t.Context(), tasks.GenerateInput{Prompt: prompt}); err != nil {
			t.Fatal(err)
		}
	}
	r := newRig(p, Options{Service: e.Svc}, 120, 36)
	if r.poller.Running() != 2 || len(p.Timers()) < 3 {
		t.Fatalf("two running tasks: %d polled, timers %v; want both polled and the spinner turning", r.poller.Running(), p.Timers())
	}
	ended := p.AdvanceUntil(5*time.Minute, func() bool { return r.poller.Running() == 0 })
	if !ended {
		t.Fatalf("the tasks did not end within 5 minutes of the service's time; timers %v", p.Timers())
	}
	p.Advance(time.Hour)
	if ts := p.Timers(); len(ts) > 0 {
		t.Errorf("timers after every task ended: %v", ts)
	}
	if r.bar.Message != "" {
		t.Errorf("the news of the end did not clear: %q", r.bar.Message)
	}
}

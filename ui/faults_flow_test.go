package ui

import (
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// startFaultyFlow is startFlow against a service that fails a third of the
// time in every way it fails (creates only in ways that created nothing),
// with slow answers, cut bodies and quirky records.
func startFaultyFlow(t *testing.T) (*flow, *sim.Server) {
	t.Helper()
	e := uitest.NewEnvWith(t,
		sim.Options{FaultRate: 0.33, QuirkRate: 0.5, Seed: 7, SlowDelay: 1500 * time.Millisecond,
			CreateFaults: []sim.Fault{sim.Fault429, sim.Fault455}, MinDuration: 300 * time.Millisecond, MaxDuration: 600 * time.Millisecond},
		api.Options{MaxAttempts: 10, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond},
		download.Options{MaxAttempts: 10}, time.Now)
	return startFlowOn(t, e, config.Settings{AutoDownload: true}), e.Srv
}

// TestFlowUnderFaultsStaysResponsiveAndEndsRight: while the service
// misbehaves, keys are still answered at once (opening the composer fires a
// balance request that may stall 1.5 s; it runs in a command, so the screen
// does not wait), and a chain of two extensions ends succeeded with its
// files on disk, one task upstream per create.
func TestFlowUnderFaultsStaysResponsiveAndEndsRight(t *testing.T) {
	f, srv := startFaultyFlow(t)
	// The new task is selected after a submit, so the second extension
	// extends the first once it is done: a chain, built under faults.
	for _, prompt := range []string{"the keeper climbs the stairs", "gulls circle the lamp"} {
		f.waitTask(t, store.KindImport, func(*store.Task) bool { return true })
		start := time.Now()
		f.key("n")
		f.waitScreen(t, "Extend a video")
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("the screen took %v to answer a key while the service misbehaved", d)
		}
		f.tm.Type(prompt)
		f.key("ctrl+s")
		f.waitScreen(t, "Review before spending")
		f.key("y")
		f.waitScreen(t, "accepted")
		f.waitTask(t, store.KindExtend, func(tk *store.Task) bool { return tk.Request.Prompt == prompt && len(tk.Files) == 1 })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ts, _, _ := f.env.Store.List(store.Query{Kinds: []string{store.KindExtend}})
		done := 0
		for _, tk := range ts {
			if tk.Status == store.StatusSucceeded && len(tk.Files) == 1 {
				done++
			}
		}
		if len(ts) == 2 && done == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d of %d extensions succeeded with their file", done, len(ts))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ts, _, _ := f.env.Store.List(store.Query{Kinds: []string{store.KindExtend}, Limit: 1}); ts[0].ParentID == "" || ts[0].ParentID == sim.DemoLighthouse {
		t.Fatalf("the second extension does not extend the first: parent %q", ts[0].ParentID)
	}
	if n := srv.Sim.Creates(); n != 2 {
		t.Fatalf("the service made %d tasks for 2 creates", n)
	}
}

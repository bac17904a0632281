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
// with stalls, cut bodies and quirky records.
func startFaultyFlow(t *testing.T) (*flow, *sim.Server) {
	t.Helper()
	p := &uitest.Pump{}
	e := flowEnv(t, p,
		sim.Options{FaultRate: 0.33, QuirkRate: 0.5, Seed: 7, SlowDelay: 50 * time.Millisecond,
			CreateFaults: []sim.Fault{sim.Fault429, sim.Fault455}},
		api.Options{MaxAttempts: 10, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond},
		download.Options{MaxAttempts: 10})
	return startFlowOn(t, p, e, config.Settings{AutoDownload: true}), e.Srv
}

// TestFlowUnderFaultsStaysResponsiveAndEndsRight: while the service
// misbehaves, a key is answered by Update alone (opening the composer asks
// for the balance in a command, so the screen never waits on the network),
// and a chain of two extensions ends succeeded with its files on disk, one
// task upstream per create.
func TestFlowUnderFaultsStaysResponsiveAndEndsRight(t *testing.T) {
	t.Parallel()
	f, srv := startFaultyFlow(t)
	// The new task is selected after a submit, so the second extension
	// extends the first once it is done: a chain, built under faults.
	for _, prompt := range []string{"the keeper climbs the stairs", "gulls circle the lamp"} {
		before := srv.Sim.Requests(sim.PathCredit)
		request := f.update(uitest.Key("n"))() // the Tasks screen asks the root for the composer
		cmd := f.update(request)
		f.shows(t, "Extend a video")
		if n := srv.Sim.Requests(sim.PathCredit); n != before {
			t.Fatalf("the key itself asked the service (%d balance requests before the command ran)", n-before)
		}
		f.p.Run(cmd)
		f.typeText(prompt)
		f.press("ctrl+s")
		f.shows(t, "Review before spending")
		f.press("y")
		f.shows(t, "accepted")
		f.until(t, store.KindExtend, func(tk *store.Task) bool { return tk.Request.Prompt == prompt && len(tk.Files) == 1 })
	}
	ts, _, _ := f.env.Store.List(store.Query{Kinds: []string{store.KindExtend}})
	done := 0
	for _, tk := range ts {
		if tk.Status == store.StatusSucceeded && len(tk.Files) == 1 {
			done++
		}
	}
	if len(ts) != 2 || done != 2 {
		t.Fatalf("%d of %d extensions succeeded with their file", done, len(ts))
	}
	if ts[0].ParentID == "" || ts[0].ParentID == sim.DemoLighthouse {
		t.Fatalf("the second extension does not extend the first: parent %q", ts[0].ParentID)
	}
	if n := srv.Sim.Creates(); n != 2 {
		t.Fatalf("the service made %d tasks for 2 creates", n)
	}
}

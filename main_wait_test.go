package main

import (
	"strings"
	"testing"

	"github.com/veox/veox/api/sim"
)

// TestWaitResumesWatching: a task made without --wait (or left by Ctrl-C)
// is followed to its end by 'veox wait', which downloads it on request;
// several at once give an array in the order asked and the most pressing
// exit code.
func TestWaitResumesWatching(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.PushPlan(sim.Plan{Duration: -1})
	done := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "a quick one", "--json"))
	long := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "a long one", "--json"))

	res := r.run(t, "wait", done.TaskID, "--download", "--json")
	wantExit(t, res, 0)
	if got := oneJSON[taskOut](t, res); got.Status != "succeeded" || len(got.Files) != 1 {
		t.Fatalf("wait --download: %+v", got)
	} else {
		checkMP4(t, got.Files[0])
	}

	res = r.run(t, "wait", done.TaskID, long.LocalID, "--timeout", "200ms", "--json")
	wantExit(t, res, 4)
	both := oneJSON[[]taskOut](t, res)
	if len(both) != 2 || both[0].TaskID != done.TaskID || both[1].TaskID != long.TaskID || both[1].Status != "running" {
		t.Fatalf("want [done, running] in the order asked: %+v", both)
	}
	if !strings.Contains(res.stderr, "veox wait "+long.TaskID) || strings.Contains(res.stdout, "\r") {
		t.Fatalf("stderr %q should say how to pick it up; stdout must hold only the JSON", res.stderr)
	}

	r.clock.Advance(2 * 60e9) // the service finishes the long one
	res = r.run(t, "wait", long.TaskID)
	wantExit(t, res, 0)
	if !strings.Contains(res.stdout, "✓ done") || strings.Contains(res.stderr, "\r") {
		t.Fatalf("readable wait: stdout %q, stderr %q (no live line when stderr is not a terminal)", res.stdout, res.stderr)
	}
	if r.sim.Creates() != 2 {
		t.Fatalf("%d creates for two tasks", r.sim.Creates())
	}
}

func TestWaitRefusesBadIDsBeforeWatchingAny(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	long := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "a long one", "--json"))
	res := r.run(t, "wait", long.TaskID, "not an id", "--json")
	wantExit(t, res, 2)
	if d := oneJSON[errorDoc](t, res); d.Error == nil || d.Error.Kind != "input" {
		t.Fatalf("error document %+v", d.Error)
	}
	if got := onlyTask(t, r.list(t), "a long one"); got.Status != "running" {
		t.Fatalf("the good id was touched: %+v", got)
	}
}

// TestWaitOnAnUnknownCreateSaysSettleOrDismiss: a create whose answer was
// lost has nothing to wait for; wait says how to resolve it, exit 3.
func TestWaitOnAnUnknownCreateSaysSettleOrDismiss(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.PushPlan(sim.Plan{DropAfterCreate: true})
	lost := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "lost", "--json"))
	res := r.run(t, "wait", lost.LocalID, "--json")
	wantExit(t, res, 3)
	if got := oneJSON[taskOut](t, res); got.Status != "unknown" || !strings.Contains(res.stderr, "veox settle "+lost.LocalID) {
		t.Fatalf("task %+v, stderr %q", got, res.stderr)
	}
	if strings.Contains(res.stderr, "tries again") {
		t.Fatalf("waiting again cannot help an unknown create: %q", res.stderr)
	}
}

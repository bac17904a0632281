package main

import (
	"os"
	"strings"
	"testing"

	"github.com/veox/veox/api/sim"
)

// TestRmRemovesOnlyWhatWasNeverCreated: refused and dismissed creates can
// go; anything that exists (or may) upstream needs --force, and even then
// its files stay.
func TestRmRemovesOnlyWhatWasNeverCreated(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.PushPlan(sim.Plan{RejectCode: 400, RejectMsg: "content policy"})
	refused := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "refused", "--json"))
	if refused.Status != "refused" {
		t.Fatalf("a content-policy refusal is %q", refused.Status)
	}
	r.sim.PushPlan(sim.Plan{DropAfterCreate: true})
	unknown := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "lost", "--json"))
	r.sim.PushPlan(sim.Plan{Duration: -1})
	kept := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "kept", "--wait", "--download", "--json"))

	for _, id := range []string{unknown.LocalID, kept.TaskID} {
		res := r.run(t, "rm", refused.LocalID, id)
		wantExit(t, res, 2)
		if !strings.Contains(res.stderr, "--force") {
			t.Fatalf("rm %s: stderr %q should offer --force", id, res.stderr)
		}
	}
	if n := len(r.list(t)); n != 3 {
		t.Fatalf("a refused rm removed something: %d tasks left", n)
	}
	wantExit(t, r.run(t, "dismiss", unknown.LocalID), 0)
	// What is known cannot be dismissed or settled again: bad input, exit 2.
	wantExit(t, r.run(t, "dismiss", unknown.LocalID), 2)
	wantExit(t, r.run(t, "settle", refused.LocalID, kept.TaskID), 2)
	wantExit(t, r.run(t, "rm", refused.LocalID, unknown.LocalID), 0)
	res := r.run(t, "rm", kept.TaskID, "--force", "--json")
	wantExit(t, res, 0)
	if gone := oneJSON[[]taskOut](t, res); len(gone) != 1 || gone[0].TaskID != kept.TaskID {
		t.Fatalf("rm --json: %+v", gone)
	}
	if n := len(r.list(t)); n != 0 {
		t.Fatalf("%d tasks left", n)
	}
	if _, err := os.Stat(kept.Files[0]); err != nil {
		t.Fatalf("rm --force touched the file: %v", err)
	}
}

package tasks

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// lostCreate is an extend the service made and billed whose answer was
// lost: "unknown" here, its id on the service's dashboard.
func lostCreate(t *testing.T, r *rig, prompt string) (*store.Task, string) {
	t.Helper()
	r.srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: prompt})
	if !errors.Is(err, ErrUnknownOutcome) || tk.Status != store.StatusUnknown {
		t.Fatalf("setup: %v %+v", err, tk)
	}
	return tk, r.srv.Sim.Dashboard()[0]
}

// Issue 8.7: settling asks the service. A typo, or another task's id, is
// refused with the reason and the create stays unknown; the right id is
// confirmed and its answer recorded at once.
func TestSettleAsksTheService(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		lost, realID := lostCreate(t, r, "fog lifts over the pines")
		other, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a kite in the wind"})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.st.Delete(other.LocalID) // made elsewhere: not in this history
		for _, c := range []struct{ id, why string }{
			{"c2ac913cc2618ee809dd315065c48c5b", "has no task"},
			{other.TaskID, "a kite in the wind"},
		} {
			_, err := r.svc.Settle(ctx(t), lost.LocalID, c.id)
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(ve.For("task"), c.why) {
				t.Errorf("settle with %s: %v, want refused naming %q", c.id, err, c.why)
			}
			if got, _ := r.st.Get(lost.LocalID); got.Status != store.StatusUnknown || got.TaskID != "" {
				t.Errorf("settle with %s changed the create: %s %q", c.id, got.Status, got.TaskID)
			}
		}
		check, err := r.svc.CheckSettle(ctx(t), lost.LocalID, realID)
		if err != nil || !check.Matches() || check.Prompt != "fog lifts over the pines" || check.Model != "fast" || check.Created.IsZero() {
			t.Fatalf("check of the real id: %v %+v", err, check)
		}
		got, err := r.svc.Settle(ctx(t), lost.LocalID, realID)
		if err != nil || got.TaskID != realID || got.Status == store.StatusUnknown || got.PolledAt.IsZero() {
			t.Fatalf("settle: %v %+v", err, got)
		}
	})
}

// --force attaches an id the service does not confirm, after the user has
// seen the difference; the timeline says so.
func TestSettleForceAfterSeeingTheDifference(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		lost, _ := lostCreate(t, r, "one")
		other, _ := r.svc.Generate(ctx(t), GenerateInput{Prompt: "two"})
		_ = r.st.Delete(other.LocalID)
		c, err := r.svc.CheckSettle(ctx(t), lost.LocalID, other.TaskID)
		if err != nil || c.Matches() || len(c.Problems) == 0 {
			t.Fatalf("check: %v %+v", err, c)
		}
		got, err := r.svc.SettleForce(ctx(t), lost.LocalID, other.TaskID)
		if err != nil || got.TaskID != other.TaskID {
			t.Fatalf("forced settle: %v %+v", err, got)
		}
		if n := got.Events[len(got.Events)-1].Note + got.Events[len(got.Events)-2].Note; !strings.Contains(n, "against the service's answer") {
			t.Errorf("the timeline does not say it was forced: %+v", got.Events)
		}
	})
}

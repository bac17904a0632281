package tasks

import (
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// The service is the one owner of the balance: a reading of the last
// seconds serves the review, the figure kept with the create and the
// screens alike; a create reads it once more after its answer (its charge,
// issue 14), which then serves the screens; a task ended makes the next
// ask read again, since money may have moved.
func TestOneExtendReadsTheBalanceOnlyWhenMoneyMayHaveMoved(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{MinDuration: 0})
		reads := func() int { return r.srv.Sim.Requests(sim.PathCredit) }
		review, err := r.svc.Balance(ctx(t)) // the review before spending
		if err != nil || review.Credits != 5000 || reads() != 1 {
			t.Fatalf("first reading: %v %+v, %d reads", err, review, reads())
		}
		if _, err := r.svc.KnownBalance(ctx(t)); err != nil || reads() != 1 {
			t.Fatalf("the composer's display read again (%d reads)", reads())
		}
		tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in"})
		if err != nil {
			t.Fatal(err)
		}
		if reads() != 2 || tk.CreditsBefore != 5000 || tk.CreditsAfter != 5000-60 {
			t.Fatalf("the create read the balance %d times in all (want the review's and one after the answer), before %v after %v",
				reads(), tk.CreditsBefore, tk.CreditsAfter)
		}
		after, _ := r.svc.Balance(ctx(t)) // the status bar after the create
		if reads() != 2 || after.Credits != 5000-60 {
			t.Fatalf("after the create: %d reads, %v credits", reads(), after.Credits)
		}
		if _, err := r.svc.Balance(ctx(t)); err != nil || reads() != 2 {
			t.Fatalf("a second screen asking at once read again (%d reads)", reads())
		}
		if tk, err = r.svc.Wait(ctx(t), tk.LocalID, nil); err != nil || tk.Status != store.StatusSucceeded {
			t.Fatalf("wait: %v", err)
		}
		if _, err := r.svc.Balance(ctx(t)); err != nil || reads() != 3 {
			t.Fatalf("the end of a task did not make the next ask read (%d reads)", reads())
		}
		if _, err := r.svc.ReadBalance(ctx(t)); err != nil || reads() != 4 {
			t.Fatalf("'veox credits' must always ask (%d reads)", reads())
		}
		if last, _ := r.svc.KnownBalance(ctx(t)); last.Credits != 5000-60 || reads() != 4 {
			t.Fatalf("the display's reading %+v read again (%d reads)", last, reads())
		}
	})
}

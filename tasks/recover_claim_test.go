package tasks

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// Another veox's create that is on its way right now (its intent claimed)
// is not taken for one a stopped veox left behind: Recover in this veox
// leaves it "submitting", so the sender records the answer it gets.
func TestRecoverLeavesAnotherVeoxsCreateOnItsWay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		sender, err := store.Open(r.st.Path(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer sender.Close()
		tk := &store.Task{LocalID: sender.NewLocalID(), Kind: store.KindExtend, Request: store.Request{Prompt: "x"}}
		release, err := sender.ClaimIntent(tk.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		tk.SetStatus(store.StatusSubmitting, time.Now(), "intent")
		if err := sender.Put(tk); err != nil {
			t.Fatal(err)
		}
		if changed, err := r.svc.Recover(); err != nil || len(changed) != 0 {
			t.Fatalf("recover touched a create on its way: %v %+v", err, changed)
		}
		release()
		if changed, err := r.svc.Recover(); err != nil || len(changed) != 1 || changed[0].Status != store.StatusUnknown {
			t.Fatalf("once its sender is gone the intent must become unknown: %v %+v", err, changed)
		}
	})
}

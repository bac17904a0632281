package tasks

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// waitFor polls a condition instead of sleeping a fixed time, so a busy
// machine slows the test down rather than failing it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSignedCallbackSettlesAnUnknownCreate(t *testing.T) {
	const secret = "hook-secret"
	r := newRig(t, sim.Options{CallbackSecret: secret, MinDuration: 200 * time.Millisecond, MaxDuration: 200 * time.Millisecond})
	got := make(chan error, 4)
	hook := httptest.NewServer(r.svc.Receiver(secret, func(_ *store.Task, _ *api.Callback, err error) { got <- err }))
	defer hook.Close()

	r.srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	task, _ := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: "the fog lifts", Seed: 23456, CallbackURL: hook.URL})
	if task.Status != store.StatusUnknown {
		t.Fatalf("setup: %s", task.Status)
	}
	if task.CreditsBefore == 0 || task.CreditsAfter >= task.CreditsBefore || !strings.Contains(task.Error.Hint, "dropped by") {
		t.Fatalf("no balance evidence: before %.2f after %.2f hint %q", task.CreditsBefore, task.CreditsAfter, task.Error.Hint)
	}
	// The simulator signs and POSTs the callback when the task ends.
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("callback not applied: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no callback arrived")
	}
	waitFor(t, "the settled task to finish", func() bool {
		cur, _ := r.st.Get(task.LocalID)
		if cur.Status == store.StatusRunning {
			r.svc.Refresh(ctx(t), task.LocalID)
		}
		return cur.Status == store.StatusSucceeded && cur.TaskID != ""
	})
	if r.srv.Sim.Creates() != 1 {
		t.Fatalf("%d creates upstream, want 1", r.srv.Sim.Creates())
	}
}

func TestBalanceUnchangedSuggestsNotCreated(t *testing.T) {
	r := newRig(t, sim.Options{SlowDelay: 3 * time.Second})
	// A create answered by a slow CDN fault times out on our side; the
	// simulator created nothing, so the balance stays put.
	r.srv.Sim.InjectFault(sim.PathExtend, sim.FaultSlow, 1)
	task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "rain stops"})
	if task == nil || task.Status != store.StatusUnknown {
		t.Fatalf("want unknown, got %v %+v", err, task)
	}
	if !strings.Contains(task.Error.Hint, "did not change") {
		t.Fatalf("hint %q", task.Error.Hint)
	}
}

func TestReceiverRefusesWhatItShould(t *testing.T) {
	r := newRig(t, sim.Options{})
	h := r.svc.Receiver("k", nil)
	post := func(body string, hdr map[string]string) int {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	valid := `{"code":200,"msg":"ok","data":{"taskId":"x"}}`
	if c := post(valid, nil); c != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", c)
	}
	ts := "1"
	if c := post(valid, map[string]string{"X-Webhook-Timestamp": ts, "X-Webhook-Signature": sim.SignCallback("k", "x", ts)}); c != http.StatusUnauthorized {
		t.Fatalf("stale: %d", c)
	}
	if c := post(strings.Repeat("a", api.MaxCallbackBody+1), nil); c != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge body: %d", c)
	}
	if c := post("<html>", nil); c != http.StatusBadRequest {
		t.Fatalf("garbage: %d", c)
	}
}

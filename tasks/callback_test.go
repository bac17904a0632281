package tasks

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
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
	t.Parallel()
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
	if task.CreditsBefore == 0 || task.CreditsAfter >= task.CreditsBefore || !strings.Contains(task.Error.Hint, "fell by") {
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

// Issue 9.5: after a lost answer the old note said "the balance did not
// change ... most likely not created ... dismiss it", yet billing time is
// not documented and the task had been created every time it was tried.
// The note says what the balance shows and what it cannot prove, and leads
// to finding the task, never to dismissing it on the balance alone.
func TestBalanceUnchangedProvesNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{SlowDelay: 3 * time.Second})
		// A create answered by a slow CDN fault times out on our side; the
		// balance stays put, which says nothing about whether it exists.
		r.srv.Sim.InjectFault(sim.PathExtend, sim.FaultSlow, 1)
		task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "rain stops"})
		if task == nil || task.Status != store.StatusUnknown {
			t.Fatalf("want unknown, got %v %+v", err, task)
		}
		checkBalanceAdvice(t, task.Error.Hint, task.LocalID)
		if !strings.Contains(task.Error.Hint, "proves nothing") {
			t.Fatalf("hint %q", task.Error.Hint)
		}
	})
}

func checkBalanceAdvice(t *testing.T, hint, localID string) {
	t.Helper()
	for _, bad := range []string{"most likely not created", "not created", "then 'veox dismiss"} {
		if strings.Contains(hint, bad) {
			t.Errorf("the note concludes from the balance (%q): %s", bad, hint)
		}
	}
	for _, want := range []string{"'veox settle " + localID + " TASK_ID'", "callback", "only when the service's own records show no such task"} {
		if !strings.Contains(hint, want) {
			t.Errorf("the note lacks %q: %s", want, hint)
		}
	}
}

func TestBalanceAdviceSaysWhatTheFiguresShow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		before, after float64
		want          string
	}{
		{100, 100, "did not fall (100.00 credits before, 100.00 after), which proves nothing"},
		{100, 120, "did not fall (100.00 credits before, 120.00 after), which proves nothing"},
		{100, 40, "fell by 60.00 credits (100.00 → 40.00)"},
	} {
		hint := balanceAdvice(c.before, c.after, "L1")
		if !strings.Contains(hint, c.want) {
			t.Errorf("%v → %v: %s", c.before, c.after, hint)
		}
		checkBalanceAdvice(t, hint, "L1")
	}
}

func TestReceiverRefusesWhatItShould(t *testing.T) {
	t.Parallel()
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

package tasks

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// long is a context for waits on tasks that run minutes of fake time.
func long(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Hour)
	t.Cleanup(cancel)
	return c
}

// moneyRig is a rig whose tasks run minutes of fake time, polled every
// few seconds (each poll is a real bbolt write: 20 ms over minutes would
// cost seconds of wall time), with a budget.
func moneyRig(t *testing.T, o sim.Options, b Budget) *rig {
	r := newRig(t, o)
	client := api.New(api.Options{BaseURL: r.srv.URL, APIKey: "test-key", CreateTimeout: 2 * time.Second,
		BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, HTTPClient: r.srv.Client()})
	r.svc = New(Options{API: client, Downloader: download.New(download.Options{HTTPClient: r.srv.Client()}), Store: r.st,
		DownloadDir: r.dir, PollInterval: 3 * time.Second, NullGrace: time.Second, Budget: b})
	return r
}

// deducted runs create and returns what the simulator's own balance fell
// by meanwhile: its deduction, from its own price table.
func deducted(t *testing.T, r *rig, create func() (*store.Task, error)) (*store.Task, float64) {
	t.Helper()
	before := r.srv.Sim.Balance()
	tk, err := create()
	if err != nil {
		t.Fatal(err)
	}
	return tk, before - r.srv.Sim.Balance()
}

// A sequence of creates of different models, each made while the ones
// before it still run: every task's charge is what the simulator took for
// it, read off the balance, and the ledger sums them exactly (issue 14).
func TestChargesAreTheSimulatorsDeductions(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute, MaxDuration: 2 * time.Minute}, Budget{})
		start := time.Now()
		var made []*store.Task
		var want []float64
		add := func(create func() (*store.Task, error)) {
			tk, d := deducted(t, r, create)
			made, want = append(made, tk), append(want, d)
			time.Sleep(5 * time.Second) // the next create while this one runs
		}
		gen := func(model, res string) func() (*store.Task, error) {
			return func() (*store.Task, error) {
				return r.svc.Generate(ctx(t), GenerateInput{Prompt: "a lighthouse at dawn", Model: model, Resolution: res})
			}
		}
		ext := func(model string) func() (*store.Task, error) {
			return func() (*store.Task, error) {
				return r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in", Model: model})
			}
		}
		add(gen("veo3_fast", "720p"))
		add(gen("veo3", "1080p"))
		add(gen("veo3_lite", "4k"))
		add(ext("quality"))
		add(ext("lite"))
		add(ext("fast"))
		add(func() (*store.Task, error) { return r.svc.Upscale(ctx(t), sim.DemoForest, Upscale4K) })
		add(func() (*store.Task, error) { return r.svc.Upscale(ctx(t), sim.DemoForest, Upscale1080) })
		sum := 0.0
		for i, tk := range made {
			tk, _ = r.st.Get(tk.LocalID)
			c := tk.Charge
			if c == nil || c.State != store.ChargeMeasured || c.Credits != want[i] || want[i] == 0 {
				t.Errorf("%s %s %s: charge %+v, the simulator took %v", tk.Kind, tk.Request.Model, tk.Request.Resolution+tk.Request.UpscaleTo, c, want[i])
			}
			sum += want[i]
		}
		for _, tk := range made {
			if _, err := r.svc.Wait(long(t), tk.LocalID, nil); err != nil {
				t.Fatal(err)
			}
		}
		for i, tk := range made { // the ends moved nothing: still theirs
			if got, _ := r.st.Get(tk.LocalID); got.Charge.State != store.ChargeMeasured || got.Charge.Credits != want[i] {
				t.Errorf("after its end, %s's charge is %+v", tk.LocalID, got.Charge)
			}
		}
		l, err := r.svc.Spend(start, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total.Credits != sum || l.Total.Measured != sum || l.Total.Estimated != 0 || l.Total.Tasks != len(made) {
			t.Fatalf("ledger total %+v, want %v measured over %d tasks", l.Total, sum, len(made))
		}
		if len(l.Balances) < len(made) {
			t.Errorf("the balance history holds %d readings for %d creates", len(l.Balances), len(made))
		}
	})
}

// When the service bills at the end instead (veo-api.md leaves it open),
// the balance does not move at acceptance: the task is "not billed yet",
// counted as its estimate, until veox sees it end with nothing else in
// flight and reads the difference then. A failure is then "not charged".
func TestBillingAtTheEndIsReadWhenTheTaskEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute, MaxDuration: time.Minute, BillAtEnd: true}, Budget{})
		ok, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in", Model: "quality"})
		if err != nil {
			t.Fatal(err)
		}
		if ok.Charge.State != store.ChargePending || CostOf(ok).Measured || CostOf(ok).Credits != 250 {
			t.Fatalf("at acceptance: %+v, cost %+v", ok.Charge, CostOf(ok))
		}
		before := r.srv.Sim.Balance()
		if ok, err = r.svc.Wait(long(t), ok.LocalID, nil); err != nil {
			t.Fatal(err)
		}
		took := before - r.srv.Sim.Balance()
		if c := ok.Charge; took != 250 || c.State != store.ChargeMeasured || c.When != store.ChargedAtEnd || c.Credits != took {
			t.Fatalf("after its end: %+v, the simulator took %v", c, took)
		}
		bad, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a robot waves [fail]", Model: "veo3_lite"})
		if err != nil {
			t.Fatal(err)
		}
		if bad, err = r.svc.Wait(long(t), bad.LocalID, nil); err != nil || bad.Status != store.StatusFailed {
			t.Fatalf("wait: %v %s", err, bad.Status)
		}
		if c := CostOf(bad); bad.Charge.State != store.ChargeNotCharged || !c.Measured || !c.Refunded || c.Credits != 0 {
			t.Fatalf("a failure never billed: %+v, cost %+v", bad.Charge, c)
		}
	})
}

// Billed at acceptance, a failed task's refund shows when it ends: it
// says "refunded", counts nothing, and keeps what it fell by.
func TestFailedTaskShowsItsRefund(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute, MaxDuration: time.Minute}, Budget{})
		tk, took := deducted(t, r, func() (*store.Task, error) {
			return r.svc.Generate(ctx(t), GenerateInput{Prompt: "a robot waves [fail]", Model: "veo3", Resolution: "1080p"})
		})
		if tk.Charge.State != store.ChargeMeasured || tk.Charge.Credits != took || took != 255 {
			t.Fatalf("at acceptance: %+v (the simulator took %v)", tk.Charge, took)
		}
		tk, err := r.svc.Wait(long(t), tk.LocalID, nil)
		if err != nil || tk.Status != store.StatusFailed {
			t.Fatalf("wait: %v %s", err, tk.Status)
		}
		c := CostOf(tk)
		if tk.Charge.State != store.ChargeRefunded || tk.Charge.Billed != 255 || c.Credits != 0 || !c.Refunded || !c.Measured {
			t.Fatalf("after the refund: %+v, cost %+v", tk.Charge, c)
		}
	})
}

// Another create in flight, of this veox or of another one sharing the
// history, makes the difference no one's: both figures are estimates,
// with the reason.
func TestOverlappingCreatesAreEstimates(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute}, Budget{})
		// The first create's answer takes 1.5 s; the second is sent 0.5 s in.
		r.srv.Sim.PushPlan(sim.Plan{SlowCreate: 1500 * time.Millisecond})
		var wg sync.WaitGroup
		got := make([]*store.Task, 2)
		for i, model := range []string{"fast", "quality"} {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * 500 * time.Millisecond)
				tk, err := r.svc.Extend(long(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "two at once", Model: model})
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = tk
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for _, tk := range got {
			c := CostOf(tk)
			if tk.Charge.State != store.ChargeEstimate || c.Measured || !strings.Contains(tk.Charge.Note, "another create") {
				t.Errorf("%s: %+v", tk.Request.Model, tk.Charge)
			}
		}

		// Another veox (a second store on the same file) is sending a
		// create: its intent is in the history, so this one's difference
		// is not claimed.
		other, err := store.Open(r.dbDir+"/history.db", store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		intent := &store.Task{LocalID: other.NewLocalID(), Kind: store.KindGenerate, Request: store.Request{Prompt: "elsewhere"}}
		intent.SetStatus(store.StatusSubmitting, time.Now(), "intent recorded before sending")
		if err := other.Put(intent); err != nil {
			t.Fatal(err)
		}
		tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "while another veox sends"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Charge == nil || tk.Charge.State != store.ChargeEstimate || !strings.Contains(tk.Charge.Note, intent.LocalID) {
			t.Fatalf("another veox's create in flight: %+v", tk.Charge)
		}
	})
}

// A running task that ends (and is refunded) in the moment of another's
// create puts its refund in that create's difference. veox cannot see it
// then, only when it sees the end: the create's charge becomes an
// estimate then, never a wrong figure kept.
func TestAnEndSeenLaterRevisesTheChargeItWasIn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute, MaxDuration: time.Minute}, Budget{})
		// The first task fails (and is refunded) half a second into the
		// second's create, whose answer takes a second.
		r.srv.Sim.PushPlan(sim.Plan{Fail: true, Duration: 60*time.Second + 500*time.Millisecond})
		r.srv.Sim.PushPlan(sim.Plan{SlowCreate: time.Second})
		failing, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a robot waves"})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in", Model: "quality"})
		if err != nil {
			t.Fatal(err)
		}
		if d := tk.CreditsBefore - tk.CreditsAfter; d != 250-60 || tk.Charge.State != store.ChargeMeasured {
			t.Fatalf("the refund did not fall unseen in the create's readings (%v, %+v): the test proves nothing", d, tk.Charge)
		}
		if _, err := r.svc.Refresh(ctx(t), failing.LocalID); err != nil {
			t.Fatal(err)
		}
		got, _ := r.st.Get(tk.LocalID)
		if got.Charge.State != store.ChargeEstimate || CostOf(got).Credits != 250 || !strings.Contains(got.Charge.Note, failing.TaskID) {
			t.Fatalf("after the other task's end was seen: %+v", got.Charge)
		}
	})
}

// A create beyond the daily budget sends nothing (no POST, no intent)
// and says the numbers; --over-budget sends it.
func TestCreateBeyondTheDailyBudgetSendsNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{MinDuration: time.Minute}, Budget{DailyLimit: 300})
		if _, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "first", Model: "quality"}); err != nil {
			t.Fatal(err)
		}
		posts := r.srv.Sim.Requests(sim.PathExtend)
		total, _, _ := r.st.Count()
		_, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "second", Model: "fast"})
		var ob *OverBudgetError
		if !errors.As(err, &ob) || ob.Spent != 250 || ob.Cost != 60 || ob.Limit != 300 {
			t.Fatalf("want the refusal with its numbers, got %v", err)
		}
		for _, want := range []string{"60", "250", "300", "310", "10 over", "Nothing was sent"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not say %q: %v", want, err)
			}
		}
		if n := r.srv.Sim.Requests(sim.PathExtend); n != posts {
			t.Fatalf("%d POSTs went out beyond the budget", n-posts)
		}
		if n, _, _ := r.st.Count(); n != total {
			t.Fatalf("the refused create left %d entries in the history", n-total)
		}
		if _, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "lite fits", Model: "veo3_lite"}); err != nil {
			t.Fatalf("30 more fit under 300: %v", err)
		}
		if _, err := r.svc.Upscale(ctx(t), sim.DemoForest, Upscale1080); err != nil {
			t.Fatalf("5 more fit: %v", err)
		}
		if _, err := r.svc.Upscale(ctx(t), sim.DemoForest, Upscale4K); !errors.As(err, &ob) {
			t.Fatalf("a 4K past the limit: %v", err)
		}
		if _, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "anyway", OverBudget: true}); err != nil {
			t.Fatalf("--over-budget: %v", err)
		}
		if n := r.srv.Sim.Requests(sim.PathExtend); n != posts+1 {
			t.Fatalf("--over-budget sent %d", n-posts)
		}
	})
}

// The check after the intent is written counts creates that passed the
// first check at the same moment: over the limit, the intent is taken
// back and nothing is sent.
func TestBudgetRecheckTakesTheIntentBack(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{}, Budget{DailyLimit: 100})
		racer := &store.Task{LocalID: r.st.NewLocalID(), Kind: store.KindExtend, Request: store.Request{Model: "fast"}}
		racer.SetStatus(store.StatusSubmitting, time.Now(), "")
		mine := &store.Task{LocalID: r.st.NewLocalID(), Kind: store.KindExtend, Request: store.Request{Model: "fast"}}
		mine.SetStatus(store.StatusSubmitting, time.Now(), "")
		for _, tk := range []*store.Task{racer, mine} {
			if err := r.st.Put(tk); err != nil {
				t.Fatal(err)
			}
		}
		var ob *OverBudgetError
		if err := r.svc.recheckBudget(mine.LocalID, 60); !errors.As(err, &ob) || ob.Spent != 60 || ob.Cost != 60 {
			t.Fatalf("recheck: %v", err)
		}
		if _, err := r.st.Get(mine.LocalID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the intent stayed: %v", err)
		}
	})
}

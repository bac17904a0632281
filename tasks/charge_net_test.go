package tasks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
)

// The charge rules against a small billing service written here, not the
// simulator (which shares our blind spots): its balance answers can come
// late, out of order, or from a cache, and its creates can overlap. Whatever
// the answers, a task's charge is either what it cost or an estimate said
// to be one: never another task's money.

// biller is the service's billing as seen through its endpoints.
type biller struct {
	mu      sync.Mutex
	balance float64
	posts   int
	running map[string]bool // task id -> still running (record-info)
	// credit, when set, decides the answer to the n-th balance read (from
	// 1), given the true balance; it may block (a late answer).
	credit func(n int, real float64) float64
	reads  int
	// create, when set, runs when the n-th create arrives, before it is
	// billed; it may block (overlapping creates).
	create func(n int)
	clock  *netClock
}

// netClock is the time both sides go by, moved by the test: the service's
// completion times and veox's readings must lie minutes apart, as they do
// in use, without the test waiting minutes. Each look moves it on a
// millisecond, as a real clock would between two calls.
type netClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *netClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(time.Millisecond)
	return c.at
}

func (c *netClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

func (b *biller) price(model string) float64 {
	switch model {
	case api.ModelQuality:
		return 250
	case api.ModelLite:
		return 30
	}
	return 60
}

func (b *biller) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	answer := func(data any) {
		raw, _ := json.Marshal(data)
		fmt.Fprintf(w, `{"code":200,"msg":"success","data":%s}`, raw)
	}
	switch req.URL.Path {
	case "/api/v1/chat/credit":
		b.mu.Lock()
		b.reads++
		n, real, hook := b.reads, b.balance, b.credit
		b.mu.Unlock()
		if hook != nil {
			real = hook(n, real)
		}
		answer(real)
	case "/api/v1/veo/generate":
		var body struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(req.Body).Decode(&body)
		b.mu.Lock()
		b.posts++
		n, hook := b.posts, b.create
		b.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		b.mu.Lock()
		b.balance -= b.price(body.Model)
		id := fmt.Sprintf("bill%02d", n)
		if b.running == nil {
			b.running = map[string]bool{}
		}
		b.running[id] = true
		b.mu.Unlock()
		answer(map[string]string{"taskId": id})
	case "/api/v1/veo/record-info":
		id := req.URL.Query().Get("taskId")
		b.mu.Lock()
		run := b.running[id]
		b.mu.Unlock()
		now := b.clock.now()
		rec := map[string]any{"taskId": id, "successFlag": 0, "createTime": now.Add(-time.Minute).UnixMilli()}
		if !run {
			rec["successFlag"] = 1
			rec["completeTime"] = now.Add(-time.Second).UnixMilli()
			rec["response"] = map[string]any{"taskId": id, "resultUrls": []string{"https://cdn.invalid/" + id + ".mp4"}, "resolution": "720p"}
		}
		answer(rec)
	default:
		http.NotFound(w, req)
	}
}

func (b *biller) end(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running[id] = false
}

func (b *biller) count() (posts int, balance float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.posts, b.balance
}

// newBillerService is a Service against b on loopback, on the real clock.
func newBillerService(t *testing.T, b *biller) (*Service, *store.Store) {
	t.Helper()
	b.clock = &netClock{at: time.Now().Truncate(time.Second)}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client := api.New(api.Options{BaseURL: srv.URL, APIKey: "test-key", CreateTimeout: 5 * time.Second,
		BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})
	return New(Options{API: client, Downloader: download.New(download.Options{}), Store: st,
		DownloadDir: t.TempDir(), PollInterval: time.Hour, NullGrace: time.Minute, Now: b.clock.now}), st
}

func generate(t *testing.T, svc *Service, model string) *store.Task {
	t.Helper()
	tk, err := svc.Generate(ctx(t), GenerateInput{Prompt: "a kite over the dunes", Model: model})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// notWrong holds every task's counted cost to either the truth, measured,
// or its estimate, marked as one.
func notWrong(t *testing.T, st *store.Store, truth map[string]float64) {
	t.Helper()
	for id, want := range truth {
		tk, err := st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		c := CostOf(tk)
		switch {
		case c.Measured && c.Credits != want:
			t.Errorf("%s (%s) is charged %v as measured; it cost %v (%+v)", id, tk.Request.Model, c.Credits, want, tk.Charge)
		case !c.Measured && (c.Credits != float64(EstimateFor(tk)) || tk.Charge == nil || tk.Charge.Note == "" && tk.Charge.State == store.ChargeEstimate):
			t.Errorf("%s: an estimate without its reason: %+v, %+v", id, c, tk.Charge)
		}
	}
}

// Two creates whose requests overlap at the service: the balance falls
// by both between each one's readings, so neither difference is one
// task's. Both are estimates with the reason; two POSTs, no more.
func TestNetOverlappingCreatesAreEstimates(t *testing.T) {
	t.Parallel()
	b := &biller{balance: 5000}
	both := make(chan struct{})
	var once sync.Once
	arrived := make(chan int, 2)
	b.create = func(n int) {
		arrived <- n
		if len(arrived) == 2 {
			once.Do(func() { close(both) })
		}
		select { // each waits, within reason, for the other to arrive
		case <-both:
		case <-time.After(3 * time.Second):
		}
	}
	svc, st := newBillerService(t, b)
	got := make([]*store.Task, 2)
	var wg sync.WaitGroup
	for i, model := range []string{api.ModelFast, api.ModelQuality} {
		wg.Go(func() { got[i] = generate(t, svc, model) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	select {
	case <-both:
	default:
		t.Fatal("the two creates were not in flight together: the test proves nothing")
	}
	if posts, bal := b.count(); posts != 2 || bal != 5000-60-250 {
		t.Fatalf("%d POSTs, balance %v", posts, bal)
	}
	for _, tk := range got {
		if tk.Charge == nil || tk.Charge.State != store.ChargeEstimate || !strings.Contains(tk.Charge.Note, "another create") {
			t.Errorf("%s: %+v", tk.Request.Model, tk.Charge)
		}
	}
	notWrong(t, st, map[string]float64{got[0].LocalID: 60, got[1].LocalID: 250})
	l, err := svc.Spend(b.clock.now().Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total.Credits != 310 || l.Total.Measured != 0 || l.Total.Estimates != 2 {
		t.Fatalf("ledger %+v", l.Total)
	}
}

// A balance read asked before a create (a status bar's) whose answer
// comes only after the create and its own readings: the late, older
// figure neither replaces the newer reading nor changes the charge.
func TestNetLateBalanceAnswerChangesNoCharge(t *testing.T) {
	t.Parallel()
	b := &biller{balance: 5000}
	release := make(chan struct{})
	b.credit = func(n int, real float64) float64 {
		if n == 1 {
			<-release // the first read answers last, with the balance it was asked at
		}
		return real
	}
	svc, st := newBillerService(t, b)
	late := make(chan Balance, 1)
	go func() {
		r, err := svc.ReadBalance(ctx(t))
		if err != nil {
			t.Error(err)
		}
		late <- r
	}()
	for { // the late read has reached the service
		b.mu.Lock()
		n := b.reads
		b.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	first := generate(t, svc, api.ModelFast)
	close(release)
	if r := <-late; r.Credits != 5000 {
		t.Fatalf("the late answer: %+v", r)
	}
	second := generate(t, svc, api.ModelLite)
	notWrong(t, st, map[string]float64{first.LocalID: 60, second.LocalID: 30})
	for _, tk := range []*store.Task{first, second} {
		if tk.Charge.State != store.ChargeMeasured {
			t.Errorf("%s: nothing overlapped, yet %+v", tk.Request.Model, tk.Charge)
		}
	}
	bal, err := svc.Balance(ctx(t))
	if err != nil || bal.Credits != 5000-60-30 {
		t.Fatalf("the balance now: %v %v", bal.Credits, err)
	}
	l, err := svc.Spend(b.clock.now().Add(-time.Hour), time.Time{})
	if err != nil || l.Balance == nil || l.Balance.Credits != 5000-60-30 || l.Total.Measured != 90 {
		t.Fatalf("ledger %+v, newest reading %+v, %v", l.Total, l.Balance, err)
	}
}

// The read after a create answers from a cache (or the service books
// the money a moment after it answers): the balance seems not to have
// moved, so the task looks "not billed yet". The next create's readings
// then hold both charges: it must not claim them, and the first, when it
// ends, must not be taken for free.
func TestNetStaleReadAfterACreateClaimsNoOtherCharge(t *testing.T) {
	t.Parallel()
	b := &biller{balance: 5000}
	var stale float64
	b.credit = func(n int, real float64) float64 {
		if n == 2 { // the read after the first create: the figure from before it
			return stale
		}
		return real
	}
	svc, st := newBillerService(t, b)
	b.mu.Lock()
	stale = b.balance
	b.mu.Unlock()
	first := generate(t, svc, api.ModelFast)
	b.clock.add(2 * time.Second) // the next create a moment later, on the reading kept
	if first.Charge.State != store.ChargePending {
		t.Fatalf("the stale read did not make it look unbilled (%+v): the test proves nothing", first.Charge)
	}
	second := generate(t, svc, api.ModelQuality)
	if second.CreditsBefore-second.CreditsAfter != 310 {
		t.Fatalf("the second create's readings do not hold both charges (%v → %v): the test proves nothing",
			second.CreditsBefore, second.CreditsAfter)
	}
	b.clock.add(5 * time.Minute) // the first ends long after the second was accepted
	b.end(first.TaskID)
	if _, err := svc.Refresh(ctx(t), first.LocalID); err != nil {
		t.Fatal(err)
	}
	notWrong(t, st, map[string]float64{first.LocalID: 60, second.LocalID: 250})
	l, err := svc.Spend(b.clock.now().Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total.Credits != 310 {
		t.Fatalf("the ledger counts %v for what cost 310: %+v", l.Total.Credits, l.Total)
	}
}

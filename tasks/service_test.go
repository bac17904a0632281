package tasks

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// rig is a real service over loopback HTTP: the simulator, the client, the
// downloader and a bbolt history in a temp folder. The service's hosts are
// in memory (sim.StartInMemory), so a test run in a synctest bubble waits
// on fake time only: the client's rate limit, task durations, timeouts and
// polling cost no wall time. The history skips fsync: no test here is
// about durability.
type rig struct {
	srv   *sim.Server
	st    *store.Store
	svc   *Service
	dir   string
	dbDir string
}

func newRig(t *testing.T, o sim.Options) *rig {
	t.Helper()
	if o.APIKey == "" {
		o.APIKey = "test-key"
	}
	srv := sim.StartInMemory(o)
	t.Cleanup(func() { srv.Close() })
	r := &rig{srv: srv, dir: t.TempDir(), dbDir: t.TempDir()}
	r.open(t)
	return r
}

// open (re)opens the history and rebuilds the service, as a restart would.
func (r *rig) open(t *testing.T) {
	t.Helper()
	if r.st != nil {
		r.st.Close()
	}
	st, err := store.Open(r.dbDir+"/history.db", store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client := api.New(api.Options{BaseURL: r.srv.URL, APIKey: "test-key", CreateTimeout: 2 * time.Second,
		BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, HTTPClient: r.srv.Client()})
	dl := download.New(download.Options{HTTPClient: r.srv.Client()})
	r.st = st
	r.svc = New(Options{API: client, Downloader: dl, Store: st, DownloadDir: r.dir, PollInterval: 20 * time.Millisecond,
		NullGrace: time.Second})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestExtendRecordsAcceptsWaitsAndDownloads(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in", Seed: 12345, Watermark: "MyBrand"})
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != store.StatusRunning || task.TaskID == "" || task.ParentID != sim.DemoLighthouse {
			t.Fatalf("not accepted: %+v", task)
		}
		if task.Events[0].Status != store.StatusSubmitting {
			t.Fatalf("the intent was not the first thing recorded: %+v", task.Events)
		}
		task, err = r.svc.Wait(ctx(t), task.LocalID, nil)
		if err != nil || task.Status != store.StatusSucceeded || len(task.FullResultURLs) == 0 {
			t.Fatalf("wait: %v %+v", err, task)
		}
		task, err = r.svc.Download(ctx(t), task.LocalID, false, nil)
		if err != nil || len(task.Files) != 1 {
			t.Fatalf("download: %v %+v", err, task)
		}
		f := task.Files[0]
		if f.Duration < 14*time.Second || len(f.SHA256) != 64 || !strings.HasPrefix(f.Path, r.dir) {
			t.Fatalf("the stitched 15 s video was not kept: %+v", f)
		}
		if r.srv.Sim.FileRequestsWithAuth() != 0 {
			t.Fatal("the API key reached the result host")
		}
		if src, _ := r.st.Get(sim.DemoLighthouse); src == nil || src.Status != store.StatusSucceeded {
			t.Fatal("the source was not recorded in the history")
		}
	})
}

func TestAmbiguousCreateIsUnknownAndNeverResent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
		task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: "fog lifts"})
		if !errors.Is(err, ErrUnknownOutcome) || task == nil || task.Status != store.StatusUnknown {
			t.Fatalf("want unknown, got %v %+v", err, task)
		}
		if n := r.srv.Sim.Creates(); n != 1 {
			t.Fatalf("the service holds %d creates, want exactly 1", n)
		}
		// A restart picks everything up again and resends nothing.
		r.open(t)
		if _, err := r.svc.Recover(); err != nil {
			t.Fatal(err)
		}
		active, _ := r.st.Active()
		for _, a := range active {
			if _, err := r.svc.Refresh(ctx(t), a.LocalID); err != nil {
				t.Fatal(err)
			}
		}
		if n := r.srv.Sim.Creates(); n != 1 {
			t.Fatalf("after a restart the service holds %d creates, want 1", n)
		}
		if got, _ := r.st.Get(task.LocalID); got.Status != store.StatusUnknown {
			t.Fatalf("unknown create changed on its own: %s", got.Status)
		}
	})
}

func TestIntentLeftSubmittingBecomesUnknownAtStart(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		tk := &store.Task{LocalID: r.st.NewLocalID(), Kind: store.KindExtend, Request: store.Request{Prompt: "x"}}
		tk.SetStatus(store.StatusSubmitting, time.Now(), "intent")
		if err := r.st.Put(tk); err != nil {
			t.Fatal(err)
		}
		changed, err := r.svc.Recover()
		if err != nil || len(changed) != 1 || changed[0].Status != store.StatusUnknown {
			t.Fatalf("recover: %v %+v", err, changed)
		}
		if r.srv.Sim.Creates() != 0 {
			t.Fatal("recover sent something")
		}
	})
}

// A create the service refused made nothing and cost nothing: it is
// "refused", counted apart from failures and not among the source's
// children (issue 12.5).
func TestRefusedCreateIsRecordedRefusedWithHint(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "something forbidden happens"})
		if err == nil || task == nil || task.Status != store.StatusRefused || task.Error == nil || task.Error.Hint == "" {
			t.Fatalf("refusal not recorded: %v %+v", err, task)
		}
		if _, by, _ := r.st.Count(); by[store.StatusFailed] != 0 || by[store.StatusRefused] != 1 {
			t.Errorf("counted %v; a refusal is not a failure", by)
		}
		if kids, _ := r.st.Children(sim.DemoCity); len(kids) != 0 {
			t.Errorf("a refused create is listed among its source's children: %+v", kids)
		}
		if api.KindOf(err) != api.KindPolicy || api.MaybeCreated(err) {
			t.Fatalf("kind %v", api.KindOf(err))
		}
	})
}

func TestValidationSendsNothingAndRecordsNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		_, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: " ", Seed: 5})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.For("prompt") == "" || !strings.Contains(ve.For("seed"), "10000") {
			t.Fatalf("want prompt and seed errors, got %v", err)
		}
		if total, _, _ := r.st.Count(); total != 0 || r.srv.Sim.Requests(sim.PathRecord) != 0 {
			t.Fatalf("bad input reached the history (%d) or the service", total)
		}
	})
}

func TestSourcesThatCannotBeExtended(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{MinDuration: time.Hour, MaxDuration: time.Hour})
		running, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a slow one"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Extend(ctx(t), ExtendInput{Source: running.TaskID, Prompt: "more"})
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.For("source"), "still running") {
			t.Fatalf("running source: %v", err)
		}
		before := r.srv.Sim.Creates()
		if _, err := r.svc.Upscale(ctx(t), sim.DemoLighthouse, Upscale1080); err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "more"})
		if !errors.As(err, &ve) || !strings.Contains(ve.For("source"), "1080p") {
			t.Fatalf("upscaled source: %v", err)
		}
		if r.srv.Sim.Creates() != before {
			t.Fatal("a create was sent for an unextendable source")
		}
	})
}

func TestNewTaskRecordIsNullWithinGraceStaysRunning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{NullGrace: 300 * time.Millisecond, MinDuration: 400 * time.Millisecond, MaxDuration: 400 * time.Millisecond})
		task, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a fox in snow"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.svc.Refresh(ctx(t), task.LocalID)
		if err != nil || got.Status != store.StatusRunning {
			t.Fatalf("record is null for a new task must not fail it: %v %s", err, got.Status)
		}
		got, err = r.svc.Wait(ctx(t), task.LocalID, nil)
		if err != nil || got.Status != store.StatusSucceeded {
			t.Fatalf("wait: %v %+v", err, got)
		}
	})
}

func TestDownloadSurvivesCutsAndExpiredLinks(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		task, _ := r.svc.Import(ctx(t), sim.DemoCity)
		r.srv.Sim.CutFilesAt(20_000, 2)
		r.srv.Sim.ExpireURLs()
		task, err := r.svc.Download(ctx(t), task.LocalID, false, nil)
		if err != nil || len(task.Files) != 1 {
			t.Fatalf("download: %v", err)
		}
		first := task.Files[0]
		if err := os.Remove(first.Path); err != nil {
			t.Fatal(err)
		}
		task, err = r.svc.Download(ctx(t), task.LocalID, true, nil)
		if err != nil || task.Files[0].SHA256 != first.SHA256 {
			t.Fatalf("re-download differs: %v", err)
		}
	})
}

func TestSettleAndDismissUnknown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
		a, _ := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: "one"})
		b, _ := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: "two"})
		if a.Status != store.StatusUnknown || b.Status != store.StatusRunning {
			t.Fatalf("setup: %s %s", a.Status, b.Status)
		}
		if _, err := r.svc.Settle(ctx(t), a.LocalID, b.TaskID); err == nil {
			t.Fatal("settling onto a task already in the history must be refused")
		}
		d, err := r.svc.Dismiss(a.LocalID)
		if err != nil || d.Status != store.StatusFailed {
			t.Fatalf("dismiss: %v %+v", err, d)
		}
		if _, err := r.svc.Dismiss(b.LocalID); err == nil {
			t.Fatal("dismissing a running task must be refused")
		}
	})
}

func TestPollCadenceSlowsDown(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	start := time.Now()
	tk := &store.Task{SubmittedAt: start}
	if s.PollDelay(tk, start.Add(10*time.Second)) != 5*time.Second ||
		s.PollDelay(tk, start.Add(2*time.Minute)) != 15*time.Second ||
		s.PollDelay(tk, start.Add(10*time.Minute)) != 30*time.Second {
		t.Fatal("cadence is not 5 s, then 15 s, then 30 s")
	}
	if New(Options{PollInterval: time.Second}).PollDelay(tk, start) != time.Second {
		t.Fatal("the configured interval is not used")
	}
}

func TestConcurrentImportsOfOneSource(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "at once"})
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatalf("an extend of a source new to the history failed: %v", err)
			}
		}
		if r.srv.Sim.Creates() != 8 {
			t.Fatalf("%d creates, want 8", r.srv.Sim.Creates())
		}
	})
}

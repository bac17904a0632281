package tasks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
)

// standRig is a Service whose "service" is a handler written in the test,
// so it can misbehave in ways the simulator does not.
type standRig struct {
	st   *store.Store
	svc  *Service
	hits atomic.Int32
	now  time.Time
}

func newStandRig(t *testing.T, h http.HandlerFunc) *standRig {
	t.Helper()
	r := &standRig{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		h(w, req)
	}))
	t.Cleanup(srv.Close)
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client := api.New(api.Options{BaseURL: srv.URL, APIKey: "test-key", MaxAttempts: 2,
		BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})
	r.st = st
	r.svc = New(Options{API: client, Downloader: download.New(download.Options{}), Store: st,
		DownloadDir: t.TempDir(), PollInterval: time.Millisecond, NullGrace: time.Minute,
		Now: func() time.Time { return r.now }})
	return r
}

// putTask records a task as the history would hold it.
func (r *standRig) putTask(t *testing.T, tk *store.Task) *store.Task {
	t.Helper()
	tk.LocalID = r.st.NewLocalID()
	if tk.CreatedAt.IsZero() {
		tk.CreatedAt = r.now.Add(-time.Hour)
	}
	tk.SetStatus(tk.Status, tk.CreatedAt, "")
	if err := r.st.Put(tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		b, err := os.ReadFile(filepath.Join(dir, "shared", "real-shapes", "fixtures", name))
		if err == nil {
			return b
		}
		if filepath.Dir(dir) == dir {
			t.Skip("shared/real-shapes/fixtures not found")
		}
		dir = filepath.Dir(dir)
	}
}

// Issue 9.7: one poll meeting the gateway's genuine 404 (a wrong base URL,
// an edge's 404) marked a running, paid task failed and "not charged", and
// it was never polled again. Now it says what is wrong and changes nothing.
func TestRoute404LeavesARunningTaskAsItWas(t *testing.T) {
	t.Parallel()
	spring := readFixture(t, "gw-spring-404.json")
	r := newStandRig(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write(spring)
	})
	tk := r.putTask(t, &store.Task{TaskID: "c2ac913cc2618ee809dd315065c48c5a", Kind: store.KindGenerate,
		Status: store.StatusRunning, SubmittedAt: r.now.Add(-time.Hour), Request: store.Request{Prompt: "a lighthouse"}})

	_, err := r.svc.Refresh(context.Background(), tk.LocalID)
	got, _ := r.st.Get(tk.LocalID)
	if got.Status != store.StatusRunning || got.Error != nil {
		t.Fatalf("one 404 changed the running task: %s %+v", got.Status, got.Error)
	}
	if api.KindOf(err) != api.KindNoEndpoint || !Fatal(err) {
		t.Fatalf("refresh: %v (kind %v)", err, api.KindOf(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.svc.Wait(ctx, tk.LocalID, nil); api.KindOf(err) != api.KindNoEndpoint || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait should stop with the 404: %v", err)
	}
	if got, _ := r.st.Get(tk.LocalID); got.Status != store.StatusRunning {
		t.Fatalf("after wait: %s", got.Status)
	}

	// The envelope's "record is null" past the grace period is about the
	// task itself, and still ends it.
	null := readFixture(t, "gw-recordinfo-null.json")
	r2 := newStandRig(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(null) })
	tk2 := r2.putTask(t, &store.Task{TaskID: "t-gone", Kind: store.KindGenerate, Status: store.StatusRunning,
		SubmittedAt: r2.now.Add(-time.Hour), Request: store.Request{Prompt: "x"}})
	if got, err := r2.svc.Refresh(context.Background(), tk2.LocalID); err != nil || got.Status != store.StatusFailed {
		t.Fatalf("record is null: %v %+v", err, got)
	}
}

// The live failure "unable to generate audio" comes as a 400, the code of
// a policy refusal; its hint must not send the creator to rephrase within
// the content policy, and the task is failed, not charged.
func TestAudioFailureGetsItsOwnHint(t *testing.T) {
	t.Parallel()
	audio := readFixture(t, "rec-mock-fail-audio.json")
	r := newStandRig(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(audio) })
	tk := r.putTask(t, &store.Task{TaskID: "t-audio", Kind: store.KindGenerate, Status: store.StatusRunning,
		SubmittedAt: r.now.Add(-time.Minute), Request: store.Request{Prompt: "a choir sings in a cathedral"}})
	got, err := r.svc.Refresh(context.Background(), tk.LocalID)
	if err != nil || got.Status != store.StatusFailed || got.Error == nil {
		t.Fatalf("refresh: %v %+v", err, got)
	}
	if h := got.Error.Hint; strings.Contains(h, "policy") || !strings.Contains(h, "sound") || !strings.Contains(h, "seed") {
		t.Errorf("hint %q; want one about the sound and another seed, not the content policy", h)
	}
	if got.Error.Code != 400 || !strings.Contains(got.Error.Message, "unable to generate audio") {
		t.Errorf("error %+v; want the service's 400 and its words", got.Error)
	}
}

package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// recordStand answers record-info from a table of ids (anything else is
// "record is null") and counts the calls per id.
type recordStand struct {
	mu    sync.Mutex
	calls map[string]int
	recs  map[string]string // id -> data JSON
}

func (s *recordStand) handle(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("taskId")
	s.mu.Lock()
	s.calls[id]++
	data, ok := s.recs[id]
	s.mu.Unlock()
	if !ok {
		fmt.Fprint(w, `{"code":422,"msg":"record is null","data":null}`)
		return
	}
	fmt.Fprintf(w, `{"code":200,"msg":"success","data":%s}`, data)
}

func (s *recordStand) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// record is a record-info data object whose paramJson echoes prompt.
func record(id, prompt string, flag int) string {
	params, _ := json.Marshal(map[string]any{"prompt": prompt, "model": "veo3_fast"})
	b, _ := json.Marshal(map[string]any{"taskId": id, "paramJson": string(params), "successFlag": flag,
		"response": map[string]any{"resultUrls": []string{"https://files.example/" + id + ".mp4"}}})
	return string(b)
}

func callbackBody(id, prompt string) string {
	b, _ := json.Marshal(map[string]any{"code": 200, "msg": "Veo3.1 video generated successfully.",
		"data": map[string]any{"taskId": id, "info": map[string]any{"resultUrls": []string{"https://evil.example/x.mp4"}},
			"promptJson": map[string]any{"prompt": prompt}}})
	return string(b)
}

// callbackRig is a Service behind its Receiver, with the reports it makes.
type callbackRig struct {
	*standRig
	stand    *recordStand
	h        http.Handler
	mu       sync.Mutex
	reports  []error
	reported atomic.Int32
}

func newCallbackRig(t *testing.T, recs map[string]string) *callbackRig {
	stand := &recordStand{calls: map[string]int{}, recs: recs}
	r := &callbackRig{standRig: newStandRig(t, stand.handle), stand: stand}
	r.h = r.svc.Receiver("", func(_ *store.Task, _ *api.Callback, err error) {
		r.mu.Lock()
		r.reports = append(r.reports, err)
		r.mu.Unlock()
		r.reported.Add(1)
	})
	return r
}

// post delivers one callback and returns the receiver's status and body.
func (r *callbackRig) post(body string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// deliver posts one callback and waits until it has been handled.
func (r *callbackRig) deliver(t *testing.T, body string) error {
	t.Helper()
	before := r.reported.Load()
	if code, msg := r.post(body); code != http.StatusOK {
		t.Fatalf("receiver answered %d %s", code, msg)
	}
	waitFor(t, "the callback to be handled", func() bool { return r.reported.Load() > before })
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reports[len(r.reports)-1]
}

func (r *callbackRig) unknownCreate(t *testing.T, prompt string) *store.Task {
	return r.putTask(t, &store.Task{Kind: store.KindGenerate, Status: store.StatusUnknown,
		Request: store.Request{Prompt: prompt}, Error: unknownError()})
}

// Issue 9.6: an unsigned callback that echoes the prompt attached its id
// to an unknown create before record-info confirmed anything; two minutes
// later the task read "failed, not charged" and the real id could no longer
// be attached. Callbacks the service does not confirm change nothing now,
// nor do those naming an id another entry of the history holds; the
// genuine one settles the create.
func TestForgedCallbacksDoNotSettleAnUnknownCreate(t *testing.T) {
	t.Parallel()
	const prompt = "a paper boat drifts down a rainy street"
	r := newCallbackRig(t, map[string]string{
		"real-task": record("real-task", prompt, 1),
		"held-task": record("held-task", "a video already in the history", 0),
	})
	held := r.putTask(t, &store.Task{TaskID: "held-task", Kind: store.KindGenerate, Status: store.StatusRunning,
		SubmittedAt: r.now.Add(-time.Hour), Request: store.Request{Prompt: "a video already in the history"}})
	tk := r.unknownCreate(t, prompt)

	for _, forged := range []string{"forged-task", "held-task"} {
		err := r.deliver(t, callbackBody(forged, prompt))
		if forged == "forged-task" && !errors.Is(err, ErrNotConfirmed) {
			t.Errorf("%s: %v", forged, err)
		}
		got, _ := r.st.Get(tk.LocalID)
		if got.Status != store.StatusUnknown || got.TaskID != "" {
			t.Fatalf("a forged callback (%s) changed the unknown create: %s %q", forged, got.Status, got.TaskID)
		}
	}
	if got, _ := r.st.Get(held.LocalID); got.TaskID != "held-task" || got.Request.Prompt != "a video already in the history" {
		t.Fatalf("the entry holding the id changed hands: %+v", got)
	}
	// Time passes: nothing was attached, so nothing is lost.
	r.now = r.now.Add(10 * time.Minute)
	if err := r.deliver(t, callbackBody("real-task", prompt)); err != nil {
		t.Fatalf("the genuine callback: %v", err)
	}
	got, _ := r.st.Get(tk.LocalID)
	if got.Status != store.StatusSucceeded || got.TaskID != "real-task" || len(got.ResultURLs) != 1 ||
		strings.Contains(got.ResultURLs[0], "evil") {
		t.Fatalf("the genuine callback did not settle it from record-info: %s %q %q", got.Status, got.TaskID, got.ResultURLs)
	}
	if n := CallbackSettleNote(got); !strings.Contains(n, "settled by a callback") || strings.Contains(n, "another prompt") {
		t.Fatalf("settle note %q", n)
	}
}

// kie documents a callback whose promptJson echoes one request for a task
// whose record shows another prompt (real-shapes: cb-docs-success-promptjson
// against rec-docs-en). The callback's echo settles the lost create, the
// service having confirmed the id with the user's key; the timeline says
// plainly that the record shows another prompt, so the user can check.
func TestCallbackSettlesWhenTheRecordShowsAnotherPrompt(t *testing.T) {
	t.Parallel()
	const prompt = "A nostalgic song about childhood memories and growing up in a small town"
	r := newCallbackRig(t, map[string]string{
		"docs-task": record("docs-task", "A futuristic city with flying cars at sunset.", 1),
	})
	tk := r.unknownCreate(t, prompt)
	before := r.stand.total()
	if err := r.deliver(t, callbackBody("docs-task", prompt)); err != nil {
		t.Fatalf("the callback: %v", err)
	}
	got, _ := r.st.Get(tk.LocalID)
	if got.Status != store.StatusSucceeded || got.TaskID != "docs-task" || got.Request.Prompt != prompt {
		t.Fatalf("not settled under the callback's id: %s %q %q", got.Status, got.TaskID, got.Request.Prompt)
	}
	n := CallbackSettleNote(got)
	for _, want := range []string{"the service's record shows another prompt", "A futuristic city", "A nostalgic song"} {
		if !strings.Contains(n, want) {
			t.Errorf("the settle note does not say %q: %q", want, n)
		}
	}
	if calls := r.stand.total() - before; calls != 1 {
		t.Errorf("%d record-info calls, want 1", calls)
	}
}

// The record's prompt is another unknown create's: the id more likely
// belongs to that one, whatever the callback echoes. Nothing changes; the
// user settles by hand.
func TestCallbackRecordNamingAnotherUnknownCreateSettlesNothing(t *testing.T) {
	t.Parallel()
	r := newCallbackRig(t, map[string]string{"their-task": record("their-task", "a heron lands", 1)})
	mine := r.unknownCreate(t, "a fox runs")
	theirs := r.unknownCreate(t, "a heron lands")
	err := r.deliver(t, callbackBody("their-task", "a fox runs"))
	if !errors.Is(err, ErrNotConfirmed) || !strings.Contains(err.Error(), theirs.LocalID) {
		t.Fatalf("want not confirmed, naming %s: %v", theirs.LocalID, err)
	}
	for _, tk := range []*store.Task{mine, theirs} {
		if got, _ := r.st.Get(tk.LocalID); got.Status != store.StatusUnknown || got.TaskID != "" {
			t.Fatalf("%s changed: %s %q", tk.LocalID, got.Status, got.TaskID)
		}
	}
}

// A callback without promptJson (the documented success body) can still
// settle a create, from the prompt record-info echoes; a record whose
// prompt is no unknown create's settles nothing.
func TestCallbackWithoutPromptSettlesFromTheRecord(t *testing.T) {
	t.Parallel()
	const prompt = "a kite over the dunes"
	r := newCallbackRig(t, map[string]string{
		"real-task":  record("real-task", prompt, 1),
		"other-task": record("other-task", "a video made elsewhere", 1),
	})
	other := r.unknownCreate(t, "something else entirely")
	tk := r.unknownCreate(t, prompt)
	bare := func(id string) string {
		return `{"code":200,"msg":"ok","data":{"taskId":"` + id + `","info":{"resultUrls":[]}}}`
	}
	if err := r.deliver(t, bare("other-task")); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("a record of another prompt: %v", err)
	}
	if err := r.deliver(t, bare("real-task")); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.st.Get(tk.LocalID); got.TaskID != "real-task" || got.Status != store.StatusSucceeded {
		t.Fatalf("not settled: %s %q", got.Status, got.TaskID)
	}
	if got, _ := r.st.Get(other.LocalID); got.Status != store.StatusUnknown || got.TaskID != "" {
		t.Fatalf("the other create changed: %s %q", got.Status, got.TaskID)
	}
}

// Issue 9.6: 3,000 forged callbacks made 3,000 record-info calls with the
// user's key in 1.6 s. The same flood now costs at most a bucket's worth
// (the clock is frozen here, so the bucket never refills).
func TestCallbackFloodIsCapped(t *testing.T) {
	t.Parallel()
	const prompt = "a lighthouse in a storm"
	const flood = 3000
	r := newCallbackRig(t, map[string]string{"running-task": record("running-task", "a task we know", 0)})
	r.putTask(t, &store.Task{TaskID: "running-task", Kind: store.KindGenerate, Status: store.StatusRunning,
		SubmittedAt: r.now.Add(-time.Hour), Request: store.Request{Prompt: "a task we know"}})
	tk := r.unknownCreate(t, prompt)

	for _, c := range []struct {
		name  string
		flood int
		body  func(i int) string
		calls int // at most
	}{
		{"one known id", flood, func(int) string { return callbackBody("running-task", "") }, callbackBurst},
		{"distinct forged ids echoing the prompt", flood,
			func(i int) string { return callbackBody(fmt.Sprintf("forged-%04d", i), prompt) }, callbackBurst},
		{"distinct forged ids with no prompt", flood,
			func(i int) string { return callbackBody(fmt.Sprintf("bare-%04d", i), "") }, callbackBurst},
		// Each of these reads the history, so fewer keep the test quick;
		// they make no call however many come.
		{"ids and prompts that match nothing", 100,
			func(i int) string { return callbackBody(fmt.Sprintf("noise-%04d", i), "an unrelated prompt") }, 0},
	} {
		before, reportedBefore, start := r.stand.total(), r.reported.Load(), time.Now()
		codes := map[int]int{}
		admitted := 0
		for i := range c.flood {
			code, msg := r.post(c.body(i))
			codes[code]++
			if code == http.StatusOK && strings.Contains(msg, "received") {
				admitted++
			}
		}
		for deadline := time.Now().Add(15 * time.Second); int(r.reported.Load()-reportedBefore) < admitted; {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d admitted callbacks handled after 15 s, %d record-info calls so far",
					c.name, r.reported.Load()-reportedBefore, admitted, r.stand.total()-before)
			}
			time.Sleep(20 * time.Millisecond)
		}
		calls := r.stand.total() - before
		t.Logf("%d callbacks, %s: %d record-info calls, answers %v (%v)", c.flood, c.name, calls, codes, time.Since(start))
		if calls > c.calls {
			t.Errorf("%s: %d record-info calls, want at most %d", c.name, calls, c.calls)
		}
		if codes[http.StatusOK]+codes[http.StatusTooManyRequests] != c.flood {
			t.Errorf("%s: answers %v", c.name, codes)
		}
		r.now = r.now.Add(time.Minute) // the bucket refills for the next round
	}
	if got, _ := r.st.Get(tk.LocalID); got.Status != store.StatusUnknown || got.TaskID != "" {
		t.Fatalf("the flood changed the unknown create: %s %q", got.Status, got.TaskID)
	}
}

// Issue 9.10: a callback whose task id carries an escape sequence (OSC 52,
// a screen clear, a window title) is refused at the door: nothing reaches
// 'veox receive' or the TUI, nothing is asked or changed.
func TestCallbackIDsWithEscapesAreRefused(t *testing.T) {
	t.Parallel()
	r := newCallbackRig(t, nil)
	tk := r.unknownCreate(t, "a cat")
	for _, h := range []string{"\x1b]52;c;ZXZpbA==\x07", "\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\u009b31m"} {
		code, body := r.post(callbackBody("t"+h+"1", "a cat"))
		if code != http.StatusBadRequest || strings.ContainsAny(body, "\x1b\x07\u009b") {
			t.Errorf("%q: %d %q", h, code, body)
		}
	}
	if r.reported.Load() != 0 || r.stand.total() != 0 {
		t.Fatalf("%d reports, %d calls", r.reported.Load(), r.stand.total())
	}
	if got, _ := r.st.Get(tk.LocalID); got.Status != store.StatusUnknown {
		t.Fatalf("changed: %s", got.Status)
	}
}

package tasks

import (
	"github.com/veox/veox/api"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// Issue 8.6: a 4K answered under the source's own id is recorded as the
// upscale of its source, as a 1080p version is, and followed to its file;
// before, recording it failed after billing ("task id already belongs to
// another history entry") and it turned unknown. Either way of naming it.
func TestFourKUnderEitherIDIsRecordedAsTheUpscale(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		for _, same := range []bool{false, true} {
			r := newRig(t, sim.Options{FourKSameID: same, MinDuration: 0})
			up, err := r.svc.Upscale(ctx(t), sim.DemoForest, Upscale4K)
			if err != nil || up == nil || up.Status != store.StatusRunning || up.ParentID != sim.DemoForest {
				t.Fatalf("same id %v: %v %+v", same, err, up)
			}
			if same && up.TaskID != "" {
				t.Errorf("the source's id was taken as the 4K's own: %q", up.TaskID)
			}
			if !same && (up.TaskID == "" || up.TaskID == sim.DemoForest) {
				t.Errorf("a new id was not kept: %q", up.TaskID)
			}
			up, err = r.svc.Wait(ctx(t), up.LocalID, nil)
			if err != nil || up.Status != store.StatusSucceeded || len(up.ResultURLs) != 1 || up.Resolution != "4k" {
				t.Fatalf("same id %v: wait: %v %+v", same, err, up)
			}
			src, _ := r.st.Get(sim.DemoForest)
			if src.Status != store.StatusSucceeded || src.Kind == store.KindUpscale || len(src.ResultURLs) == 0 {
				t.Errorf("same id %v: the source was changed: %+v", same, src)
			}
			if kids, _ := r.st.Children(sim.DemoForest); len(kids) != 1 || kids[0].LocalID != up.LocalID {
				t.Errorf("same id %v: the 4K is not the source's child: %+v", same, kids)
			}
			if r.srv.Sim.Creates() != 1 {
				t.Errorf("same id %v: %d creates", same, r.srv.Sim.Creates())
			}
		}
	})
}

// The docs' recorded answers: the first names the source's own id (en: the
// id alone; cn: with null lists), then "processing", then "done" with URLs.
func TestFourKDocsAnswersUnderTheSourcesID(t *testing.T) {
	t.Parallel()
	for _, start := range []string{"k4-docs-start-en.json", "k4-docs-start-cn.json"} {
		const id = "veo_task_abcdef123456"
		fix := func(name string) string {
			return strings.NewReplacer("{{ID}}", id, "{{FILES}}", "https://files.example").Replace(string(readFixture(t, name)))
		}
		var mu sync.Mutex
		k4 := []string{fix(start), fix("k4-docs-processing.json"), fix("k4-docs-done.json")}
		posts := 0
		r := newStandRig(t, func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch req.URL.Path {
			case sim.PathRecord:
				_, _ = w.Write([]byte(fix("rec-docs-en.json")))
				return
			case sim.PathCredit:
				_, _ = w.Write([]byte(`{"code":200,"msg":"success","data":100}`))
				return
			}
			mu.Lock()
			defer mu.Unlock()
			posts++
			_, _ = w.Write([]byte(k4[0]))
			if len(k4) > 1 {
				k4 = k4[1:]
			}
		})
		up, err := r.svc.Upscale(ctx(t), id, Upscale4K)
		if err != nil || up == nil || up.Status != store.StatusRunning || up.ParentID != id || up.TaskID != "" {
			t.Fatalf("%s: %v %+v", start, err, up)
		}
		if !strings.Contains(up.Events[len(up.Events)-1].Note, id) {
			t.Errorf("%s: the timeline does not say which id the service used: %+v", start, up.Events)
		}
		up, err = r.svc.Wait(ctx(t), up.LocalID, nil)
		if err != nil || up.Status != store.StatusSucceeded || len(up.ResultURLs) != 1 {
			t.Fatalf("%s: wait: %v %+v", start, err, up)
		}
		if posts != 3 {
			t.Errorf("%s: %d get-4k-video calls, want the start and two state polls", start, posts)
		}
	}
}

// The docs' 4K callback names the source's id (the 4K answered under it
// has no id of its own): it must bring the 4K to its end, not only refresh
// the long-finished source. Before, the 4K stayed running until its next
// poll, and under 'veox receive' alone for ever.
func TestFourKCallbackUnderTheSourcesIDEndsThe4K(t *testing.T) {
	t.Parallel()
	const id = "veo_task_abcdef123456"
	fix := func(name string) string {
		return strings.NewReplacer("{{ID}}", id, "{{FILES}}", "https://files.example").Replace(string(readFixture(t, name)))
	}
	var mu sync.Mutex
	k4 := fix("k4-docs-start-en.json")
	r := newStandRig(t, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch req.URL.Path {
		case sim.PathRecord:
			_, _ = w.Write([]byte(fix("rec-docs-en.json")))
		case sim.PathCredit:
			_, _ = w.Write([]byte(`{"code":200,"msg":"success","data":100}`))
		default:
			mu.Lock()
			defer mu.Unlock()
			_, _ = w.Write([]byte(k4))
		}
	})
	up, err := r.svc.Upscale(ctx(t), id, Upscale4K)
	if err != nil || up.Status != store.StatusRunning || up.TaskID != "" {
		t.Fatalf("upscale: %v %+v", err, up)
	}
	mu.Lock()
	k4 = fix("k4-docs-done.json") // the 4K is ready; the service calls back
	mu.Unlock()
	cb, err := api.DecodeCallback([]byte(fix("cb-docs-4k-success.json")))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.svc.HandleCallback(ctx(t), cb)
	if err != nil || got == nil || got.LocalID != up.LocalID {
		t.Fatalf("callback: %v, answered about %+v; want the 4K", err, got)
	}
	if now, _ := r.st.Get(up.LocalID); now.Status != store.StatusSucceeded || len(now.ResultURLs) != 1 || now.Resolution != "4k" {
		t.Errorf("after its callback the 4K is %s with %v", now.Status, now.ResultURLs)
	}
}

package tasks

import (
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

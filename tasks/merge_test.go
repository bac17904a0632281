package tasks

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// scripted answers record-info with the next body of a script (the last
// repeats), as a server written in the test.
type scripted struct {
	mu     sync.Mutex
	bodies []string
}

func (s *scripted) serve(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	b := s.bodies[0]
	if len(s.bodies) > 1 {
		s.bodies = s.bodies[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(b))
}

const (
	mergeID = "4c9a31a5bb61db65d10f1210d78cc08a"
	recFull = `{"code":200,"msg":"success","data":{"taskId":"` + mergeID + `","paramJson":"{\"prompt\":\"a storm\",\"taskId\":\"src\"}",` +
		`"response":{"taskId":"` + mergeID + `","resultUrls":["https://cdn.example/part.mp4?sig=1"],"originUrls":["https://cdn.example/origin.mp4?sig=1"],` +
		`"fullResultUrls":["https://cdn.example/whole.mp4?sig=1"],"resolution":"720p","hasAudioList":[true],"seeds":[34186]},` +
		`"successFlag":1,"errorCode":null,"errorMessage":null,"createTime":1773967426000,"completeTime":1773967493000,"fallbackFlag":false}}`
	// the older, sparser shape: the new part alone, as a string, under data
	recSparse  = `{"code":200,"data":{"taskId":"` + mergeID + `","successFlag":1,"resultUrls":"[\"https://cdn.example/part.mp4?sig=2\"]"}}`
	recRunning = `{"code":200,"data":{"successFlag":0}}`
	// a newer complete answer whose seed and whole video differ
	recChangedSeed = `{"code":200,"msg":"success","data":{"taskId":"` + mergeID + `","response":{"resultUrls":["https://cdn.example/part.mp4?sig=3"],` +
		`"fullResultUrls":["https://cdn.example/whole-v2.mp4?sig=3"],"resolution":"720p","seeds":[51207]},"successFlag":1,"completeTime":1773967493000}}`
)

// Issue 8.1: a sparser or older answer never erases what a fuller one
// said (links, the whole video, seeds, resolution, audio, origin, times);
// a newer different value wins and is an event in the timeline.
func TestLaterAnswersMergeNeverErase(t *testing.T) {
	t.Parallel()
	s := &scripted{bodies: []string{recFull, recSparse, recRunning, recChangedSeed}}
	r := newStandRig(t, s.serve)
	tk := r.putTask(t, &store.Task{TaskID: mergeID, Kind: store.KindExtend, ParentID: "src", Status: store.StatusRunning,
		SubmittedAt: r.now.Add(-time.Hour), Request: store.Request{Prompt: "a storm"}})
	refresh := func() *store.Task {
		t.Helper()
		got, err := r.svc.Refresh(context.Background(), tk.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := refresh()
	for i, got := range []*store.Task{refresh(), refresh()} { // sparse, then a late "running"
		if got.Status != store.StatusSucceeded {
			t.Errorf("answer %d: status %s", i+2, got.Status)
		}
		if !strings.Contains(strings.Join(got.FullResultURLs, ""), "whole.mp4") || len(got.Seeds) != 1 || got.Seeds[0] != 34186 ||
			got.Resolution != "720p" || len(got.HasAudio) != 1 || len(got.OriginURLs) != 1 || !got.CompletedAt.Equal(first.CompletedAt) {
			t.Errorf("answer %d erased what was known: full %v seeds %v res %q audio %v origin %v completed %v (was %v)",
				i+2, got.FullResultURLs, got.Seeds, got.Resolution, got.HasAudio, got.OriginURLs, got.CompletedAt, first.CompletedAt)
		}
		if got.BestURLs()[0] == got.ResultURLs[0] {
			t.Errorf("answer %d: the new part alone became what to download", i+2)
		}
		for _, e := range got.Events {
			if e.Status == changed {
				t.Errorf("answer %d: a fresh signature of the same file is not a change: %+v", i+2, e)
			}
		}
	}
	got := refresh() // a newer, different seed and whole video
	if got.Seeds[0] != 51207 || !strings.Contains(got.FullResultURLs[0], "whole-v2.mp4") {
		t.Fatalf("the newer value did not win: %v %v", got.Seeds, got.FullResultURLs)
	}
	var notes []string
	for _, e := range got.Events {
		if e.Status == changed {
			notes = append(notes, e.Note)
		}
	}
	if j := strings.Join(notes, " | "); len(notes) != 2 || !strings.Contains(j, "seeds now [51207] (was [34186])") || !strings.Contains(j, "whole-v2.mp4") {
		t.Errorf("changes in the timeline: %q", notes)
	}
}

// The recorded shapes, in the order that used to lose the whole video: an
// extension's record with fullResultUrls, then the notes' older shape.
func TestRecordedShapesMergeNeverErase(t *testing.T) {
	t.Parallel()
	const files = "https://files.example"
	fix := func(name string) string {
		b := string(readFixture(t, name))
		return strings.NewReplacer("{{ID}}", mergeID, "{{FILES}}", files).Replace(b)
	}
	s := &scripted{bodies: []string{fix("rec-mock-extend-full15s.json"), fix("rec-notes-string-urls.json"), fix("rec-mock-running-min.json")}}
	r := newStandRig(t, s.serve)
	tk := r.putTask(t, &store.Task{TaskID: mergeID, Kind: store.KindExtend, Status: store.StatusRunning,
		SubmittedAt: r.now.Add(-time.Hour), Request: store.Request{Prompt: "x"}})
	for range 3 {
		got, err := r.svc.Refresh(context.Background(), tk.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.StatusSucceeded || len(got.FullResultURLs) != 1 || got.BestURLs()[0] != files+"/full-15s.mp4" {
			t.Fatalf("the whole 15 s video was lost: %s %v %v", got.Status, got.FullResultURLs, got.ResultURLs)
		}
	}
}

// Against the simulator answering every second record-info in the older
// shape, a chain of extensions keeps its seeds and whole videos at every
// refresh once they are known.
func TestSparseSimulatorNeverErases(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{SparseEvery: 2})
		src := sim.DemoLighthouse
		for step := range 4 {
			tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: src, Prompt: "and then", Seed: 20000 + step})
			if err != nil {
				t.Fatal(err)
			}
			if tk, err = r.svc.Wait(ctx(t), tk.LocalID, nil); err != nil || tk.Status != store.StatusSucceeded {
				t.Fatalf("step %d: %v %s", step, err, tk.Status)
			}
			known := false
			for range 4 {
				got, err := r.svc.Refresh(ctx(t), tk.LocalID)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.FullResultURLs) > 0 {
					known = true
				}
				if known && (len(got.FullResultURLs) == 0 || len(got.Seeds) == 0 || got.Seeds[0] != 20000+step) {
					t.Fatalf("step %d: a sparse answer erased the whole video or the seed: %v %v", step, got.FullResultURLs, got.Seeds)
				}
			}
			if !known {
				t.Fatalf("step %d: no answer carried the whole video", step)
			}
			src = tk.TaskID
		}
	})
}

// applyRecord on its own: a failure after a success keeps the result, and
// times a second apart in different shapes are the same time.
func TestApplyRecordKeepsAResultAndTimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	done := now.Add(-time.Minute)
	tk := &store.Task{Status: store.StatusRunning}
	applyRecord(tk, &api.Record{State: api.StateSucceeded, ResultURLs: []string{"https://a/x.mp4"}, CompleteTime: done.Add(400 * time.Millisecond)}, now)
	applyRecord(tk, &api.Record{State: api.StateSucceeded, CompleteTime: done}, now) // whole seconds, as "2006-01-02 15:04:05"
	applyRecord(tk, &api.Record{State: api.StateFailed, ErrorCode: 501, ErrorMessage: "late"}, now)
	if tk.Status != store.StatusSucceeded || len(tk.ResultURLs) != 1 || !tk.CompletedAt.Equal(done.Add(400*time.Millisecond)) {
		t.Fatalf("%s %v %v", tk.Status, tk.ResultURLs, tk.CompletedAt)
	}
	n := 0
	for _, e := range tk.Events {
		if e.Status == changed {
			n++
		}
	}
	if n != 1 {
		t.Errorf("want only the late failure noted, got %+v", tk.Events)
	}
}

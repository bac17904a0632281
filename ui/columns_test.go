package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
)

// twins puts two finished tasks with the same prompt and seed on top of a
// seeded history.
func twins(t *testing.T, e *uitest.Env) {
	t.Helper()
	for i, id := range []string{"8f3a1c22d0e94b7a9c1e5f3b2a6d4c80", "51be9d07a4c3e2f1b0d9c8e7f6a5b4c3"} {
		tk := &store.Task{LocalID: e.Store.NewLocalID(), TaskID: id, Kind: store.KindGenerate,
			Request:   store.Request{Prompt: "the same long prompt about a heron at dawn over the misty lake", Seed: 4242, Model: "veo3_fast"},
			CreatedAt: uitest.Now.Add(time.Duration(i+1) * time.Minute)}
		tk.SetStatus(store.StatusSucceeded, tk.CreatedAt.Add(3*time.Minute), "")
		if err := e.Store.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
}

// rowsOf are the list's task rows (after the header and the titles).
func rowsOf(view string, n int) []string {
	lines := strings.Split(view, "\n")
	return lines[2 : 2+n]
}

// Columns earn their width (issue 15.7): at 80 columns and wider two tasks
// with the same prompt and seed are told apart by their short ids; at 60
// the prompt keeps its room and the seed gives way first; a wide terminal
// gets the video's length and model rather than a longer prompt.
func TestColumnsEarnTheirWidth(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct {
		w, h                   int
		id, seed, extras, time bool
	}{{60, 24, true, false, false, false}, {80, 24, true, true, false, true}, {120, 36, true, true, true, true}, {160, 40, true, true, true, true}} {
		e := seeded(t, 20)
		twins(t, e)
		r := placeRig(t, e, t.TempDir(), sz.w, sz.h)
		view := r.View()
		titles := strings.Split(view, "\n")[1]
		rows := rowsOf(view, 2)
		if rows[0][1:] == rows[1][1:] {
			t.Errorf("%dx%d: the twins look the same:\n%s", sz.w, sz.h, view)
		}
		if sz.id && !strings.Contains(view, "8f3a1c22") {
			t.Errorf("%dx%d: no short id:\n%s", sz.w, sz.h, view)
		}
		if !strings.Contains(rows[0], "the same long prompt") {
			t.Errorf("%dx%d: the prompt lost its room: %q", sz.w, sz.h, rows[0])
		}
		for title, want := range map[string]bool{"SEED": sz.seed, "TIME": sz.time, "LENGTH": sz.extras, "MODEL": sz.extras} {
			if strings.Contains(titles, title) != want {
				t.Errorf("%dx%d: column %s shown=%v, want %v: %q", sz.w, sz.h, title, !want, want, titles)
			}
		}
		if sz.extras && (!strings.Contains(rows[0], "8 s") || !strings.Contains(rows[0], "fast")) {
			t.Errorf("%dx%d: no length or model in %q", sz.w, sz.h, rows[0])
		}
	}
}

// An id as long as its column keeps a gap before the prompt: the demo's
// "lighthouse" ran into it ("lighthouseA lighthouse…").
func TestLongShortIDKeepsAGapBeforeThePrompt(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120} {
		e := seeded(t, 3)
		tk := &store.Task{LocalID: e.Store.NewLocalID(), TaskID: "veo_task_demo_lighthouse", Kind: store.KindImport,
			Request: store.Request{Prompt: "Zebras cross the road", Seed: 34186}, CreatedAt: uitest.Now.Add(time.Hour)}
		tk.SetStatus(store.StatusSucceeded, tk.CreatedAt.Add(time.Minute), "")
		if err := e.Store.Put(tk); err != nil {
			t.Fatal(err)
		}
		row := rowsOf(placeRig(t, e, t.TempDir(), w, 24).View(), 1)[0]
		if !strings.Contains(row, " Zebras") {
			t.Errorf("%d columns: the id runs into the prompt: %q", w, row)
		}
	}
}

// The MODEL column of an upscale names the model that made the video
// (its source's), not the target KIND already shows ("up 4k … 4k"); an
// import shows its model when the service said it.
func TestModelColumnOfAnUpscaleSaysWhatMadeIt(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{120, 36}, {160, 40}} {
		e := seeded(t, 3)
		for i, tk := range []*store.Task{
			{TaskID: "0a0b0c0d0e0f40418283848586878889", Kind: store.KindImport, Request: store.Request{Prompt: "an imported clip of koi", Model: "veo3"}},
			{TaskID: "1a0b0c0d0e0f40418283848586878889", Kind: store.KindUpscale, ParentID: "x",
				Request: store.Request{Prompt: "a heron lifts off the lake", Model: "veo3", UpscaleTo: "4k"}},
		} {
			tk.LocalID, tk.CreatedAt = e.Store.NewLocalID(), uitest.Now.Add(time.Duration(i+1)*time.Hour)
			tk.SetStatus(store.StatusSucceeded, tk.CreatedAt.Add(time.Minute), "")
			if err := e.Store.Put(tk); err != nil {
				t.Fatal(err)
			}
		}
		view := placeRig(t, e, t.TempDir(), sz.w, sz.h).View()
		rows := rowsOf(view, 2)
		if !strings.Contains(rows[0], "up 4k") || strings.Count(rows[0], "4k") != 1 || !strings.Contains(rows[0], "quality") {
			t.Errorf("%dx%d: the upscale's row should say up 4k once and its model quality: %q", sz.w, sz.h, rows[0])
		}
		if !strings.Contains(rows[1], "quality") {
			t.Errorf("%dx%d: the import's row lacks its model: %q", sz.w, sz.h, rows[1])
		}
	}
}

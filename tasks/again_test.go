package tasks

import (
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// PlanAgain applies the single run-again's rules to each task, read
// afresh from the history: an extension is run again from its source only
// while the source can still be extended; an upscale, an unknown create
// and a request the service would refuse are not run, each with why; a
// generate keeps its parameters and gets a new seed.
func TestPlanAgainSaysWhatRunsAndWhyNot(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{})
	now := time.Now()
	put := func(tk *store.Task) store.Task {
		t.Helper()
		tk.LocalID, tk.CreatedAt = r.st.NewLocalID(), now.Add(-time.Hour)
		if tk.Status == "" {
			tk.Status = store.StatusSucceeded
		}
		if err := r.st.Put(tk); err != nil {
			t.Fatal(err)
		}
		return *tk
	}
	src := put(&store.Task{TaskID: "aaaa0000aaaa0000aaaa0000aaaa0000", Kind: store.KindGenerate, Request: store.Request{Prompt: "a", Resolution: "720p"}})
	hd := put(&store.Task{TaskID: "bbbb0000aaaa0000aaaa0000aaaa0000", Kind: store.KindGenerate, Request: store.Request{Prompt: "b", Resolution: "1080p"}})
	gen := put(&store.Task{TaskID: "cccc0000aaaa0000aaaa0000aaaa0000", Kind: store.KindGenerate, Seeds: []int{4242},
		Request: store.Request{Prompt: "a heron", Model: "veo3", Resolution: "1080p", AspectRatio: "9:16", Duration: 6, Seed: 4242, Watermark: "Me"}})
	ext := put(&store.Task{TaskID: "dddd0000aaaa0000aaaa0000aaaa0000", Kind: store.KindExtend, ParentID: src.TaskID, Request: store.Request{Prompt: "on", Model: "quality"}})
	extHD := put(&store.Task{TaskID: "eeee0000aaaa0000aaaa0000aaaa0000", Kind: store.KindExtend, ParentID: hd.TaskID, Request: store.Request{Prompt: "on"}})
	orphan := put(&store.Task{TaskID: "ffff0000aaaa0000aaaa0000aaaa0000", Kind: store.KindExtend, ParentID: "0000ffff0000ffff0000ffff0000ffff", Request: store.Request{Prompt: "on"}})
	up := put(&store.Task{TaskID: "abab0000aaaa0000aaaa0000aaaa0000", Kind: store.KindUpscale, ParentID: src.TaskID, Request: store.Request{UpscaleTo: "1080p"}})
	bad := put(&store.Task{TaskID: "acac0000aaaa0000aaaa0000aaaa0000", Kind: store.KindGenerate, Request: store.Request{Prompt: "x", Model: "veo2"}})
	stale := gen
	stale.Status = store.StatusUnknown // marked as unknown; settled since
	plan := r.svc.PlanAgain([]store.Task{gen, ext, extHD, orphan, up, bad, stale})

	g := plan[0]
	if !g.Runnable() || g.Generate == nil || g.Generate.Seed != 0 || g.Generate.Model != "veo3" || g.Generate.Resolution != "1080p" ||
		g.Generate.Aspect != "9:16" || g.Generate.Duration != 6 || g.Generate.Watermark != "Me" || g.Cost != GenerateCost("veo3", "1080p") {
		t.Errorf("generate: %+v / %+v", g, g.Generate)
	}
	e := plan[1]
	if !e.Runnable() || e.Extend == nil || e.Extend.Source != src.TaskID || e.Extend.Seed != 0 || e.Cost != ExtendCost("quality") || e.Resolution() != "720p" {
		t.Errorf("extend: %+v / %+v", e, e.Extend)
	}
	for i, want := range map[int]string{2: "its source cannot be extended", 3: "its source is not in the history",
		4: "an upscale has no seed", 5: "its request would be refused"} {
		if a := plan[i]; a.Runnable() || !strings.Contains(a.Why, want) {
			t.Errorf("plan[%d]: why %q, want %q", i, a.Why, want)
		}
	}
	if !plan[6].Runnable() {
		t.Errorf("a mark taken while unknown, settled since, was not read afresh: %q", plan[6].Why)
	}
	if got := AgainTotal(plan); got != g.Cost+e.Cost+plan[6].Cost {
		t.Errorf("total %d", got)
	}
}

package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// A story planned, reviewed and run from the TUI: s on a video opens the
// editor, three steps are written, ctrl+s saves and shows the review, y
// runs it; the root drives it to its end while the pump fires the
// program's timers. Three creates, each extending the one before, and the
// film on disk.
func TestFlowStoryPlannedReviewedAndRunToTheFilm(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	before := f.env.Srv.Sim.Creates()
	f.press("s")
	f.shows(t, "New story")
	prompts := []string{"a storm rolls in over the sea", "lightning strikes the tower", "the sun rises over calm water"}
	for i, p := range prompts {
		if i > 0 {
			f.press("a")
		}
		f.shows(t, "Step ")
		f.typeText(p)
		f.press("ctrl+s")
	}
	f.shows(t, "3 step(s) · 8 → 29 s · about 180 credits")
	if n := f.env.Srv.Sim.Creates(); n != before {
		t.Fatalf("writing the steps sent %d creates", n-before)
	}
	f.press("ctrl+s")
	f.shows(t, "Review before spending")
	f.shows(t, "about 180 credits for 3 step(s)")
	f.shows(t, "Final length:  29 s")
	f.shows(t, "Balance:       5000 now, about 4820 after")
	if n := f.env.Srv.Sim.Creates(); n != before {
		t.Fatal("the review sent a create")
	}
	f.press("y")
	id := f.sc.story.StoryID()
	var v *tasks.StoryView
	done := f.p.AdvanceUntil(20*time.Minute, func() bool {
		v, _ = f.env.Svc.LoadStory(id)
		return v != nil && v.Film() != ""
	})
	if !done {
		t.Fatalf("the story did not reach its film: %+v; timers %v", v, f.p.Timers())
	}
	if v.Story.Status != store.StoryDone {
		t.Fatalf("story %s: %s", v.Story.Status, v.Story.Reason)
	}
	parent := sim.DemoLighthouse
	for i, s := range v.Steps {
		if s.Task.ParentID != parent || s.Task.Request.Prompt != prompts[i] {
			t.Fatalf("step %d: %+v does not extend %s", i+1, s.Task, parent)
		}
		parent = s.Task.TaskID
	}
	if st, err := os.Stat(v.Film()); err != nil || st.Size() == 0 {
		t.Fatalf("the film: %v", err)
	}
	if n := f.env.Srv.Sim.Creates() - before; n != 3 {
		t.Fatalf("%d creates for three steps", n)
	}
	f.shows(t, "Done: the film is")
}

// A step the service refuses stops the story with the reason on the
// screen; e edits it, ctrl+s saves, the review says what will be sent,
// y runs the story on to its end.
func TestFlowRefusedStepEditedAndRunOn(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	v, err := f.env.Svc.PlanStory(t.Context(), tasks.StoryInput{Source: sim.DemoLighthouse,
		Steps: []store.StoryStep{{Prompt: "something forbidden happens"}, {Prompt: "the sun rises"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.send(request.OpenStory{ID: v.Story.ID})
	f.press("r")
	f.shows(t, "Review before spending")
	f.press("y")
	f.shows(t, "content policies")
	f.shows(t, "Stopped:")
	f.press("e")
	f.shows(t, "Edit story")
	f.press("enter") // the refused step, first of those that can change
	f.press("ctrl+a", "ctrl+k")
	f.typeText("a gentle rain begins")
	f.press("ctrl+s", "ctrl+s")
	f.shows(t, "Review before spending")
	f.press("y")
	ok := f.p.AdvanceUntil(3*time.Hour, func() bool {
		v, _ = f.env.Svc.LoadStory(v.Story.ID)
		return v.Story.Status == store.StoryDone
	})
	if !ok || v.Steps[0].Task.Request.Prompt != "a gentle rain begins" || len(v.Story.Steps[0].Tried) != 1 {
		t.Fatalf("after the edit: %+v", v.Story)
	}
}

// twoEndings makes lighthouse → storm → {calm, wreck → dawn} and keeps the
// wreck branch.
func twoEndings(t *testing.T, f *flow) {
	t.Helper()
	ext := func(src, prompt string) *store.Task {
		f.env.Srv.Sim.PushPlan(sim.Plan{Duration: -1})
		task, err := f.env.Svc.Extend(t.Context(), tasks.ExtendInput{Source: src, Prompt: prompt, Seed: 12345})
		if err != nil {
			t.Fatal(err)
		}
		if task, err = f.env.Svc.Refresh(t.Context(), task.LocalID); err != nil {
			t.Fatal(err)
		}
		return task
	}
	storm := ext(sim.DemoLighthouse, "a storm rolls in over the sea")
	ext(storm.TaskID, "the storm passes and the sea calms")
	wreck := ext(storm.TaskID, "a ship runs aground on the rocks")
	ext(wreck.TaskID, "dawn over the wreck, gulls circling")
	if _, err := f.env.Svc.Keep(wreck.LocalID); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenLineageTreeWithTwoBranches(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		p := &uitest.Pump{}
		f := startFlowOn(t, p, flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{}), config.Settings{AutoDownload: true})
		twoEndings(t, f)
		f.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		f.press("end") // the lighthouse, oldest in the list
		f.press("t")
		f.shows(t, "Lineage of import lighthouse")
		uitest.Golden(t, "tree_two_branches_"+sz.name, f.View())
	}
}

// The story view with its first step done, the second running, the third
// planned.
func TestGoldenStoryView(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		p := &uitest.Pump{}
		f := startFlowOn(t, p, flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{}), config.Settings{AutoDownload: true})
		v, err := f.env.Svc.PlanStory(t.Context(), tasks.StoryInput{Source: sim.DemoLighthouse, Seed: 24680,
			Steps: []store.StoryStep{{Prompt: "a storm rolls in over the sea"}, {Prompt: "lightning strikes the tower", Model: "quality"},
				{Prompt: "the sun rises over calm water"}}})
		if err != nil {
			t.Fatal(err)
		}
		f.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		f.send(request.OpenStory{ID: v.Story.ID})
		uitest.Golden(t, "story_planned_"+sz.name, strings.ReplaceAll(f.View(), v.Story.ID, "$STORY"))
		f.env.Srv.Sim.PushPlan(sim.Plan{Duration: -1})
		f.press("r")
		f.press("y")
		if !f.p.AdvanceUntil(time.Hour, func() bool {
			v, _ = f.env.Svc.LoadStory(v.Story.ID)
			return len(v.Steps) == 3 && v.Steps[1].State == store.StatusRunning
		}) {
			t.Fatalf("step 2 never ran: %+v", v)
		}
		// The bar's last news names step 1's file in a temporary folder:
		// newer news replaces it, so the golden does not hold that path.
		f.send(request.Flash{Text: "step 2 sent"})
		uitest.Golden(t, "story_running_"+sz.name, strings.ReplaceAll(f.View(), v.Story.ID, "$STORY"))
	}
}

// A step whose answer never came stops the story, and the view asks
// whether it went through, saying how to tell veox either way.
func TestStoryViewAsksAboutAnUnknownStep(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	v, err := f.env.Svc.PlanStory(t.Context(), tasks.StoryInput{Source: sim.DemoLighthouse,
		Steps: []store.StoryStep{{Prompt: "a storm rolls in"}, {Prompt: "the sun rises"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.env.Srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	f.send(request.OpenStory{ID: v.Story.ID})
	f.press("r", "y")
	f.shows(t, "Did step 1 go through?")
	f.shows(t, "s settles it")
	before := f.env.Srv.Sim.Creates()
	f.p.Advance(time.Hour)
	if n := f.env.Srv.Sim.Creates(); n != before {
		t.Fatalf("%d more creates after the unknown step", n-before)
	}
	f.press("r")
	f.shows(t, "cannot start")
	f.press("esc")
}

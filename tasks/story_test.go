package tasks

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

func steps(prompts ...string) []store.StoryStep {
	var out []store.StoryStep
	for _, p := range prompts {
		out = append(out, store.StoryStep{Prompt: p})
	}
	return out
}

func planAndStart(t *testing.T, r *rig, prompts ...string) *StoryView {
	t.Helper()
	v, err := r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse, Steps: steps(prompts...)})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
	if err != nil || !rev.CanStart() {
		t.Fatalf("review: %v %+v", err, rev)
	}
	if v, err = r.svc.StartStory(v.Story.ID); err != nil {
		t.Fatal(err)
	}
	return v
}

// Three steps from an 8 s source: three extensions, each extending the
// previous, 8 → 15 → 22 → 29 s, the last one's whole video on disk, and
// exactly three creates at the service.
func TestStoryRunsThreeStepsToTheFilm(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		v, err := r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse, Model: "lite",
			Steps: steps("a storm rolls in", "lightning strikes the tower", "the sun rises")})
		if err != nil {
			t.Fatal(err)
		}
		if v.Story.Status != store.StoryPlanned || v.Estimate != 90 || v.SourceSeconds != 8 || v.FinalSeconds != 29 {
			t.Fatalf("plan: status %s, estimate %d, %d s → %d s", v.Story.Status, v.Estimate, v.SourceSeconds, v.FinalSeconds)
		}
		if n := r.srv.Sim.Creates(); n != 0 {
			t.Fatalf("planning sent %d creates", n)
		}
		rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
		if err != nil || !rev.CanStart() || rev.After != rev.Balance-90 {
			t.Fatalf("review: %v %+v", err, rev)
		}
		if n := r.srv.Sim.Creates(); n != 0 {
			t.Fatalf("the review sent %d creates", n)
		}
		if _, err := r.svc.StartStory(v.Story.ID); err != nil {
			t.Fatal(err)
		}
		v, err = r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{Download: true})
		if err != nil {
			t.Fatal(err)
		}
		if v.Story.Status != store.StoryDone {
			t.Fatalf("story %s: %s", v.Story.Status, v.Story.Reason)
		}
		parent := sim.DemoLighthouse
		for i, sv := range v.Steps {
			if sv.Task.ParentID != parent || sv.Task.Status != store.StatusSucceeded || sv.Task.Kind != store.KindExtend {
				t.Fatalf("step %d: %+v does not extend %s", i+1, sv.Task, parent)
			}
			want := []time.Duration{15, 22, 29}[i] * time.Second
			if f := WholeFile(sv.Task); f == "" || sv.Task.Files[len(sv.Task.Files)-1].Duration.Round(time.Second) != want {
				t.Fatalf("step %d's whole video: %+v, want %v", i+1, sv.Task.Files, want)
			}
			parent = sv.Task.TaskID
		}
		film := v.Film()
		if d := fileDuration(t, film); d.Round(time.Second) != 29*time.Second {
			t.Fatalf("the film %s lasts %v", film, d)
		}
		if n := r.srv.Sim.Creates(); n != 3 {
			t.Fatalf("%d creates reached the service, want 3", n)
		}
	})
}

// Two runners on one history (a TUI and 'veox story run', each with its
// own Store on the file) drive one story at once: each step is sent once.
func TestTwoRunnersNeverSendAStepTwice(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		v := planAndStart(t, r, "one", "two", "three")
		other := newRigOn(t, r)
		var wg sync.WaitGroup
		for _, svc := range []*Service{r.svc, other.svc} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.RunStory(ctx(t), v.Story.ID, RunOptions{}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := r.srv.Sim.Creates(); n != 3 {
			t.Fatalf("two runners made %d creates for three steps", n)
		}
		got, _ := r.svc.LoadStory(v.Story.ID)
		if got.Story.Status != store.StoryDone {
			t.Fatalf("story %s (%s)", got.Story.Status, got.Story.Reason)
		}
	})
}

// A step the service refuses (content policy) stops the story with the
// reason; editing that step and running again completes it.
func TestRefusedStepStopsTheStoryAndAnEditCompletesIt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		v := planAndStart(t, r, "a storm rolls in", "something forbidden happens", "the sun rises")
		v, err := r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Story.Status != store.StoryStopped || !strings.Contains(v.Story.Reason, "content policies") || !strings.Contains(v.Story.Reason, "step 2") {
			t.Fatalf("story %s, reason %q", v.Story.Status, v.Story.Reason)
		}
		if n := r.srv.Sim.Creates(); n != 1 {
			t.Fatalf("%d creates; the refused one made nothing and the third must not be sent", n)
		}
		if v.Steps[1].State != store.StatusRefused || v.Steps[2].State != StepPlanned {
			t.Fatalf("steps: %s, %s", v.Steps[1].State, v.Steps[2].State)
		}
		// The first step cannot be edited any more; the refused one can.
		if _, err := r.svc.EditStep(v.Story.ID, 1, store.StoryStep{Prompt: "x"}); err == nil {
			t.Fatal("a step that made its video was edited")
		}
		refused := v.Steps[1].Task.LocalID
		if v, err = r.svc.EditStep(v.Story.ID, 2, store.StoryStep{Prompt: "a gentle rain falls"}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v.Story.Reason, "content policies") || !strings.Contains(v.Story.Reason, "step 2") {
			t.Fatalf("after the edit the story still says %q", v.Story.Reason)
		}
		if v.Story.Steps[1].LocalID != "" || len(v.Story.Steps[1].Tried) != 1 || v.Story.Steps[1].Tried[0] != refused {
			t.Fatalf("the refused attempt is not kept as tried: %+v", v.Story.Steps[1])
		}
		rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
		if err != nil || !rev.CanStart() || rev.View.ToSpend != 120 {
			t.Fatalf("review after the edit: %v %+v", err, rev)
		}
		if _, err := r.svc.StartStory(v.Story.ID); err != nil {
			t.Fatal(err)
		}
		if v, err = r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{}); err != nil || v.Story.Status != store.StoryDone {
			t.Fatalf("after the edit: %v %s %s", err, v.Story.Status, v.Story.Reason)
		}
		if v.Steps[1].Task.Request.Prompt != "a gentle rain falls" || v.Steps[2].Task.ParentID != v.Steps[1].Task.TaskID {
			t.Fatalf("the edited step was not the one sent: %+v", v.Steps[1].Task)
		}
		if n := r.srv.Sim.Creates(); n != 3 {
			t.Fatalf("%d creates, want 3", n)
		}
	})
}

// A step whose answer never came stops the story as unknown; nothing more
// is sent, by Drive or by a restart, until the user settles it.
func TestUnknownStepStopsTheStoryAndSendsNothingMore(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		v := planAndStart(t, r, "one", "two", "three")
		r.srv.Sim.PushPlan(sim.Plan{Duration: -1})
		r.srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
		v, err := r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Story.Status != store.StoryStopped || v.Steps[1].State != store.StatusUnknown || !strings.Contains(v.Story.Reason, "settle") {
			t.Fatalf("story %s, step 2 %s, reason %q", v.Story.Status, v.Steps[1].State, v.Story.Reason)
		}
		r.open(t) // a restart
		if _, err := r.svc.Recover(); err != nil {
			t.Fatal(err)
		}
		if d, err := r.svc.Drive(ctx(t), v.Story.ID); err != nil || d.Action != DriveIdle {
			t.Fatalf("drive after the restart: %v %+v", err, d)
		}
		rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
		if err != nil || rev.CanStart() {
			t.Fatalf("a story with an unknown step may start: %v %+v", err, rev)
		}
		if _, err := r.svc.StartStory(v.Story.ID); !errors.Is(err, ErrUnknownOutcome) {
			t.Fatalf("start with an unknown step: %v", err)
		}
		if n := r.srv.Sim.Creates(); n != 2 {
			t.Fatalf("%d creates, want 2 (nothing after the unknown one)", n)
		}
		// The user finds it on the dashboard and settles it: the story
		// follows it and goes on.
		lost := ""
		for _, id := range r.srv.Sim.Dashboard() {
			if _, err := r.st.Get(id); errors.Is(err, store.ErrNotFound) && !strings.HasPrefix(id, "veo_task_demo") {
				lost = id
			}
		}
		if _, err := r.svc.Settle(ctx(t), v.Steps[1].Task.LocalID, lost); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.StartStory(v.Story.ID); err != nil {
			t.Fatal(err)
		}
		if v, err = r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{}); err != nil || v.Story.Status != store.StoryDone {
			t.Fatalf("after settling: %v %s %s", err, v.Story.Status, v.Story.Reason)
		}
		if n := r.srv.Sim.Creates(); n != 3 {
			t.Fatalf("%d creates, want 3", n)
		}
	})
}

// The review refuses what cannot run: more than the balance, a source the
// service will not extend; and planning names every broken rule by step.
func TestStoryReviewAndPlanRefusals(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{Credits: 100})
		v, err := r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse, Steps: steps("one", "two")})
		if err != nil {
			t.Fatal(err)
		}
		rev, err := r.svc.ReviewStory(ctx(t), v.Story.ID)
		if err != nil || rev.CanStart() || !strings.Contains(strings.Join(rev.Problems, " "), "120 credits") {
			t.Fatalf("a story over the balance may start: %v %+v", err, rev)
		}
		_, err = r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoUpscaled, Steps: steps("one")})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.For("source") == "" {
			t.Fatalf("a 4k source was planned: %v", err)
		}
		_, err = r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse,
			Steps: []store.StoryStep{{Prompt: "ok"}, {Prompt: " ", Seed: 5}, {Prompt: "x", Model: "veo3"}}})
		if !errors.As(err, &ve) || ve.For("step 2 prompt") == "" || ve.For("step 2 seed") == "" || ve.For("step 3 model") == "" {
			t.Fatalf("plan errors not named by step: %v", err)
		}
		if n := r.srv.Sim.Creates(); n != 0 {
			t.Fatalf("%d creates", n)
		}
	})
}

func TestParseStepsBothForms(t *testing.T) {
	t.Parallel()
	got, err := ParseSteps("# a comment\nA storm rolls in\nover the sea\n\n@seed 12345\n@model quality\nThe sun rises\n\n\n")
	if err != nil || len(got) != 2 || got[0].Prompt != "A storm rolls in\nover the sea" || got[1].Seed != 12345 || got[1].Model != "quality" {
		t.Fatalf("paragraphs: %+v %v", got, err)
	}
	back, err := ParseSteps(FormatSteps(got))
	if err != nil || len(back) != 2 || !reflect.DeepEqual(back, got) {
		t.Fatalf("FormatSteps does not read back: %+v %v", back, err)
	}
	got, err = ParseSteps(`{"prompt":"one","seed":12345}` + "\n" + `{"prompt":"two","model":"lite","watermark":"W"}`)
	if err != nil || len(got) != 2 || got[0].Seed != 12345 || got[1].Watermark != "W" {
		t.Fatalf("JSON lines: %+v %v", got, err)
	}
	for _, bad := range []string{`{"prompt":"one"}` + "\n{nope", `{"seeds":1}`, "@sed 1\nx", "@seed 1\n"} {
		if _, err := ParseSteps(bad); err == nil {
			t.Errorf("%q was read", bad)
		}
	}
}

// newRigOn is a second veox on r's history and service: its own Store
// (as another process has) and its own client.
func newRigOn(t *testing.T, r *rig) *rig {
	t.Helper()
	o := &rig{srv: r.srv, dir: r.dir, dbDir: r.dbDir}
	o.open(t)
	return o
}

// Under a daily limit the review refuses a story whose steps would pass
// it, and says what today cost; a step that would pass it when its turn
// comes (other creates spent meanwhile) stops the story with the reason
// instead of being sent or tried again and again.
func TestStoryUnderTheDailyBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := moneyRig(t, sim.Options{}, Budget{DailyLimit: 100})
		big, err := r.svc.PlanStory(ctx(t), StoryInput{Source: sim.DemoLighthouse, Steps: steps("one", "two")})
		if err != nil {
			t.Fatal(err)
		}
		rev, err := r.svc.ReviewStory(ctx(t), big.Story.ID)
		if err != nil || rev.CanStart() || !rev.TodayKnown || rev.DailyLimit != 100 ||
			!strings.Contains(strings.Join(rev.Problems, " "), "daily limit") {
			t.Fatalf("a story over the daily limit may start: %v %+v", err, rev)
		}
		v := planAndStart(t, r, "one")
		racer := &store.Task{LocalID: r.st.NewLocalID(), Kind: store.KindExtend, Request: store.Request{Model: "fast"}}
		racer.SetStatus(store.StatusSubmitting, time.Now(), "")
		if err := r.st.Put(racer); err != nil {
			t.Fatal(err)
		}
		d, err := r.svc.Drive(ctx(t), v.Story.ID)
		if err != nil || d.Action != DriveStopped || !strings.Contains(d.View.Story.Reason, "daily") {
			t.Fatalf("a step over the daily limit: %v %+v", err, d)
		}
		if n := r.srv.Sim.Creates(); n != 0 {
			t.Fatalf("%d creates over the daily limit", n)
		}
	})
}

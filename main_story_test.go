package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/api/sim"
)

// Stories through the built binary, against a simulator in this process
// that counts every create and survives the kills.

type storyOut struct {
	StoryID  string  `json:"storyId"`
	From     string  `json:"from"`
	Status   string  `json:"status"`
	Reason   *string `json:"reason"`
	Film     *string `json:"film"`
	Estimate struct {
		Credits      int  `json:"credits"`
		FinalSeconds *int `json:"finalSeconds"`
	} `json:"estimate"`
	Steps []struct {
		Prompt string   `json:"prompt"`
		TaskID *string  `json:"taskId"`
		Status string   `json:"status"`
		Files  []string `json:"files"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	} `json:"steps"`
}

type nodeOut struct {
	TaskID       string    `json:"taskId"`
	ParentTaskID *string   `json:"parentTaskId"`
	Status       string    `json:"status"`
	Seconds      *int      `json:"seconds"`
	Children     []nodeOut `json:"children"`
}

// planStory writes the prompts to a file and plans a story from the
// lighthouse.
func (r *killRig) planStory(t *testing.T, prompts ...string) storyOut {
	t.Helper()
	file := filepath.Join(t.TempDir(), "steps.txt")
	if err := os.WriteFile(file, []byte(strings.Join(prompts, "\n\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := r.run(t, "story", "new", "--from", sim.DemoLighthouse, "--prompts", file, "--json")
	if res.code != 0 {
		t.Fatalf("story new: exit %d: %s", res.code, res.stderr)
	}
	st := decode[storyOut](t, res)
	if st.Status != "planned" || len(st.Steps) != len(prompts) || r.sim.Creates() != 0 {
		t.Fatalf("planning: %+v, %d creates", st, r.sim.Creates())
	}
	return st
}

func (r *killRig) story(t *testing.T, id string) storyOut {
	t.Helper()
	res := r.run(t, "story", "show", id, "--json")
	if res.code != 0 {
		t.Fatalf("story show: exit %d: %s", res.code, res.stderr)
	}
	return decode[storyOut](t, res)
}

// A three-step story from an 8 s source: three extensions, each extending
// the one before, 8 → 15 → 22 → 29 s, the last one's whole video on disk;
// exactly three creates reached the service.
func TestStoryThreeStepsEndToEnd(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	st := r.planStory(t, "a storm rolls in over the sea", "lightning strikes the tower", "the sun rises over calm water")
	if st.Estimate.Credits != 180 || st.Estimate.FinalSeconds == nil || *st.Estimate.FinalSeconds != 29 {
		t.Fatalf("estimate: %+v", st.Estimate)
	}
	// Without a terminal and without --yes, nothing is sent.
	if res := r.run(t, "story", "run", st.StoryID, "--wait"); res.code != 2 || !strings.Contains(res.stderr, "--yes") ||
		!strings.Contains(res.stderr, "180 credits") || !strings.Contains(res.stderr, "29 s") {
		t.Fatalf("unconfirmed run: exit %d\n%s", res.code, res.stderr)
	}
	if r.sim.Creates() != 0 {
		t.Fatal("an unconfirmed story sent a create")
	}
	for range 3 {
		r.sim.PushPlan(sim.Plan{Duration: -1})
	}
	res := r.run(t, "story", "run", st.StoryID, "--yes", "--wait", "--download", "--json")
	if res.code != 0 {
		t.Fatalf("story run: exit %d\n%s", res.code, res.stderr)
	}
	done := decode[storyOut](t, res)
	if done.Status != "done" || done.Film == nil {
		t.Fatalf("story after the run: %+v", done)
	}
	if d := mp4Seconds(t, *done.Film); d != 29 {
		t.Fatalf("the film lasts %d s, want 29", d)
	}
	tree := decode[nodeOut](t, r.run(t, "tree", sim.DemoLighthouse, "--json").field(t, "tree"))
	want := []int{8, 15, 22, 29}
	for i, n := 0, tree; ; i++ {
		if n.Seconds == nil || *n.Seconds != want[i] || n.Status != "succeeded" {
			t.Fatalf("node %d of the chain: %+v, want %d s", i, n, want[i])
		}
		if i > 0 && *done.Steps[i-1].TaskID != n.TaskID {
			t.Fatalf("step %d is %s, the tree has %s", i, *done.Steps[i-1].TaskID, n.TaskID)
		}
		if i == 3 {
			if len(n.Children) != 0 {
				t.Fatalf("the last step has children: %+v", n.Children)
			}
			break
		}
		if len(n.Children) != 1 || *n.Children[0].ParentTaskID != n.TaskID {
			t.Fatalf("node %d does not have exactly one extension of it: %+v", i, n.Children)
		}
		n = n.Children[0]
	}
	for i, s := range done.Steps {
		if len(s.Files) != 1 {
			t.Fatalf("step %d's video is not on disk: %+v", i+1, s)
		}
		if d := mp4Seconds(t, s.Files[0]); d != want[i+1] {
			t.Fatalf("step %d's file lasts %d s, want the whole %d s", i+1, d, want[i+1])
		}
	}
	if n := r.sim.Creates(); n != 3 {
		t.Fatalf("%d creates reached the service, want 3", n)
	}
}

// Killed with SIGKILL while step 2 runs at the service: 'story run --wait'
// afterwards follows step 2 to its end and sends step 3, without a fourth
// create.
func TestStoryKilledWhileAStepRunsFinishesWithoutAFourthCreate(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	st := r.planStory(t, "a storm rolls in", "lightning strikes", "the sun rises")
	r.sim.PushPlan(sim.Plan{Duration: -1}) // step 1 ends at once; step 2 takes the rig's minute
	cmd := r.start(t, "story", "run", st.StoryID, "--yes", "--wait", "--download")
	waitFor(t, "step 2 to be created", func() bool { return r.sim.Creates() == 2 })
	polls := r.sim.Requests(sim.PathRecord)
	waitFor(t, "step 2 to be polled", func() bool { return r.sim.Requests(sim.PathRecord) >= polls+2 })
	kill9(t, cmd)

	if got := r.story(t, st.StoryID); got.Status != "running" || got.Steps[1].Status != "running" || got.Steps[2].Status != "planned" {
		t.Fatalf("after the kill: %+v", got)
	}
	r.clock.Advance(2 * time.Minute) // the service finishes step 2
	r.sim.PushPlan(sim.Plan{Duration: -1})
	res := r.run(t, "story", "run", st.StoryID, "--wait", "--download", "--json")
	if res.code != 0 {
		t.Fatalf("resuming: exit %d\n%s", res.code, res.stderr)
	}
	if got := decode[storyOut](t, res); got.Status != "done" || got.Film == nil || mp4Seconds(t, *got.Film) != 29 {
		t.Fatalf("after resuming: %+v", got)
	}
	if n := r.sim.Creates(); n != 3 {
		t.Fatalf("%d creates, want 3", n)
	}
}

// Killed while step 2's create is in flight and its answer is lost (the
// service created it): the story stops as unknown and asks; nothing more
// is sent, however often it is run.
func TestStoryKilledWhileAStepIsSentStopsAsUnknown(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	st := r.planStory(t, "a storm rolls in", "lightning strikes", "the sun rises")
	r.sim.PushPlan(sim.Plan{Duration: -1})
	r.sim.PushPlan(sim.Plan{Duration: -1, SlowCreate: time.Hour})
	cmd := r.start(t, "story", "run", st.StoryID, "--yes", "--wait")
	waitFor(t, "the service to create step 2", func() bool { return r.sim.Creates() == 2 })
	kill9(t, cmd)

	for range 2 {
		res := r.run(t, "story", "run", st.StoryID, "--yes", "--wait", "--json")
		got := decode[storyOut](t, res)
		if res.code != 3 || got.Status != "stopped" || got.Steps[1].Status != "unknown" || got.Steps[2].Status != "planned" {
			t.Fatalf("after the kill: exit %d %+v\n%s", res.code, got, res.stderr)
		}
		if !strings.Contains(res.stderr, "veox settle") || !strings.Contains(res.stderr, "veox dismiss") {
			t.Fatalf("the story does not ask what became of step 2:\n%s", res.stderr)
		}
	}
	if n, sent := r.sim.Creates(), r.sim.Requests(sim.PathExtend); n != 2 || sent != 2 {
		t.Fatalf("%d creates from %d requests, want 2 and 2", n, sent)
	}
}

// A step the service refuses (content policy) stops the story with the
// reason; editing that step and running again completes the story.
func TestStoryRefusedStepEditedAndRunAgain(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	st := r.planStory(t, "a storm rolls in", "something forbidden happens", "the sun rises")
	r.sim.PushPlan(sim.Plan{Duration: -1})
	res := r.run(t, "story", "run", st.StoryID, "--yes", "--wait", "--json")
	got := decode[storyOut](t, res)
	if res.code != 1 || got.Status != "stopped" || got.Reason == nil || !strings.Contains(*got.Reason, "content policies") ||
		got.Steps[1].Status != "refused" || !strings.Contains(res.stderr, "content policies") {
		t.Fatalf("refused step: exit %d %+v\n%s", res.code, got, res.stderr)
	}
	if r.sim.Creates() != 1 {
		t.Fatalf("%d creates after the refusal", r.sim.Creates())
	}
	if res := r.run(t, "story", "edit", st.StoryID, "--step", "1", "--prompt", "x"); res.code != 2 {
		t.Fatalf("editing a step that made its video: exit %d %s", res.code, res.stderr)
	}
	if res := r.run(t, "story", "edit", st.StoryID, "--step", "2", "--prompt", "a gentle rain begins"); res.code != 0 {
		t.Fatalf("edit: exit %d %s", res.code, res.stderr)
	}
	r.sim.PushPlan(sim.Plan{Duration: -1})
	r.sim.PushPlan(sim.Plan{Duration: -1})
	res = r.run(t, "story", "run", st.StoryID, "--yes", "--wait", "--json")
	if got := decode[storyOut](t, res); res.code != 0 || got.Status != "done" || got.Steps[1].Prompt != "a gentle rain begins" {
		t.Fatalf("after the edit: exit %d %+v\n%s", res.code, got, res.stderr)
	}
	if r.sim.Creates() != 3 {
		t.Fatalf("%d creates, want 3", r.sim.Creates())
	}
}

// field is one top-level field of a JSON answer, as its own run.
func (res run) field(t *testing.T, name string) run {
	t.Helper()
	m := decode[map[string]any](t, res)
	b, err := json.Marshal(m[name])
	if err != nil {
		t.Fatal(err)
	}
	return run{code: res.code, stdout: string(b), stderr: res.stderr}
}

func mp4Seconds(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	info, err := mp4.Inspect(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return int(info.Duration.Round(time.Second).Seconds())
}

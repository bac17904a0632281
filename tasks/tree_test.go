package tasks

import (
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// Two endings from one extension: the tree shows both branches with their
// lengths, the mark picks the kept one, and the kept line follows it.
func TestLineageBranchesAndTheKeptLine(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		extend := func(src, prompt string) *store.Task {
			r.srv.Sim.PushPlan(sim.Plan{Duration: -1})
			task, err := r.svc.Extend(ctx(t), ExtendInput{Source: src, Prompt: prompt})
			if err != nil {
				t.Fatal(err)
			}
			if task, err = r.svc.Refresh(ctx(t), task.LocalID); err != nil || task.Status != store.StatusSucceeded {
				t.Fatalf("%v %+v", err, task)
			}
			return task
		}
		storm := extend(sim.DemoLighthouse, "a storm rolls in")
		calm := extend(storm.TaskID, "the storm passes")
		wreck := extend(storm.TaskID, "a ship runs aground")
		after := extend(wreck.TaskID, "dawn over the wreck")

		l, err := r.svc.Lineage(storm.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Ancestors) != 1 || l.Ancestors[0].TaskID != sim.DemoLighthouse || l.Root.Seconds != 15 {
			t.Fatalf("ancestors %+v, root %d s", l.Ancestors, l.Root.Seconds)
		}
		kids := l.Root.Children
		if len(kids) != 2 || kids[0].Task.LocalID != calm.LocalID || kids[1].Task.LocalID != wreck.LocalID ||
			kids[1].Seconds != 22 || len(kids[1].Children) != 1 || kids[1].Children[0].Seconds != 29 {
			t.Fatalf("branches: %+v", kids)
		}
		if kids[0].Kept || kids[1].Kept {
			t.Fatal("a branch is kept before any mark")
		}
		if kept, err := r.svc.Keep(wreck.LocalID); err != nil || !kept {
			t.Fatalf("keep: %v %v", kept, err)
		}
		if _, err := r.svc.Keep(after.LocalID); err != nil {
			t.Fatal(err)
		}
		l, _ = r.svc.Lineage(storm.LocalID)
		if l.Root.Children[0].Kept || !l.Root.Children[1].Kept {
			t.Fatal("the mark is not on the kept branch")
		}
		line, err := r.svc.KeptLine(storm)
		if err != nil || len(line) != 2 || line[0].LocalID != wreck.LocalID || line[1].LocalID != after.LocalID {
			t.Fatalf("the kept line: %+v %v", line, err)
		}
		// From the video the storm was made from, the line goes through its
		// only child to the mark: the chain line of the source follows it.
		src, err := r.st.Get(storm.ParentID)
		if err != nil {
			t.Fatal(err)
		}
		line, err = r.svc.KeptLine(src)
		if err != nil || len(line) != 3 || line[0].LocalID != storm.LocalID || line[2].LocalID != after.LocalID {
			t.Fatalf("the kept line from the source: %+v %v", line, err)
		}
		if kept, _ := r.svc.Keep(wreck.LocalID); kept {
			t.Fatal("keeping the kept branch again does not clear the mark")
		}
		if line, _ := r.svc.KeptLine(storm); len(line) != 0 {
			t.Fatalf("the line after clearing: %+v", line)
		}
		if line, _ := r.svc.KeptLine(src); len(line) != 0 {
			t.Fatalf("the source's line after clearing, with no mark below the branch: %+v", line)
		}
	})
}

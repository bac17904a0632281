package store

import (
	"testing"
	"time"
)

// An import run twice adds nothing: a task already there under its local
// id, or under its service id (another machine's local id), is left as
// it is; one earlier in the batch counts for later ones.
func TestAddMissingNeverDuplicates(t *testing.T) {
	s, _ := openTemp(t)
	have := newTask(s, "already here", epoch)
	mustPut(t, s, have)
	if _, err := s.Update(have.LocalID, accept("svc-1")); err != nil {
		t.Fatal(err)
	}
	fresh := Task{LocalID: s.NewLocalID(), TaskID: "svc-2", Kind: KindExtend, ParentID: "svc-1", Status: StatusSucceeded,
		Request: Request{Prompt: "then", Seed: 7}, CreatedAt: epoch.Add(time.Hour)}
	batch := []Task{
		{LocalID: have.LocalID, TaskID: "svc-1", Request: Request{Prompt: "other text"}, CreatedAt: epoch},
		{LocalID: "lelsewhere", TaskID: "svc-1", CreatedAt: epoch}, // same service id, another machine's local id
		fresh,
		{LocalID: "lcopy", TaskID: "svc-2", CreatedAt: epoch}, // fresh, a second time in the batch
	}
	res, err := s.AddMissing(batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []Added{{Existing: have.LocalID}, {Existing: have.LocalID}, {Added: true}, {Existing: fresh.LocalID}}
	for i := range want {
		if res[i] != want[i] {
			t.Errorf("task %d: %+v, want %+v", i, res[i], want[i])
		}
	}
	if got, _ := s.Get(have.LocalID); got.Request.Prompt != "already here" {
		t.Errorf("the entry there was overwritten: %+v", got.Request)
	}
	if got, err := s.Get("svc-2"); err != nil || got.ParentID != "svc-1" || got.Request.Seed != 7 {
		t.Errorf("the new task: %v %+v", err, got)
	}
	if kids, _ := s.Children("svc-1"); len(kids) != 1 {
		t.Errorf("children of svc-1: %d", len(kids))
	}
	if n, _, _ := s.Count(); n != 2 {
		t.Errorf("%d tasks, want 2", n)
	}
	// Again: nothing to add, nothing written.
	seq, _ := s.ChangeSeq()
	res, err = s.AddMissing([]Task{fresh})
	if err != nil || res[0].Added {
		t.Fatalf("second run: %v %+v", err, res)
	}
	if after, _ := s.ChangeSeq(); after != seq {
		t.Error("a run that added nothing wrote to the history")
	}
	mustCheck(t, s)
	got, err := s.Resolve([]string{"svc-1", "svc-2", "nope", have.LocalID})
	if err != nil || len(got) != 3 || got["svc-1"] != have.LocalID || got["svc-2"] != fresh.LocalID {
		t.Errorf("Resolve: %v %v", got, err)
	}
}

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func newStory(s *Store, prompts ...string) *Story {
	st := &Story{ID: s.NewStoryID(), Source: "srcsrcsrc", Status: StoryRunning}
	for _, p := range prompts {
		st.Steps = append(st.Steps, StoryStep{Prompt: p})
	}
	return st
}

func TestStoryPutGetByPrefixAndList(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	a, b := newStory(s, "one", "two"), newStory(s, "three")
	for _, st := range []*Story{a, b} {
		if err := s.PutStory(st); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID[0] != 's' || isLocalID([]byte(a.ID)) {
		t.Fatalf("story id %q could be taken for a task's local id by a salvage", a.ID)
	}
	got, err := s.GetStory(a.ID)
	if err != nil || len(got.Steps) != 2 || got.Steps[1].Prompt != "two" {
		t.Fatalf("GetStory: %+v %v", got, err)
	}
	// A prefix only one story has finds it; one both share is refused.
	if got, err := s.GetStory(b.ID[:len(b.ID)-2]); err != nil || got.ID != b.ID {
		t.Fatalf("unique prefix: %+v %v", got, err)
	}
	if _, err := s.GetStory(a.ID[:5]); !errors.Is(err, ErrStoryNotFound) {
		t.Fatalf("shared prefix: %v", err)
	}
	if _, err := s.GetStory("nope"); !errors.Is(err, ErrStoryNotFound) {
		t.Fatalf("missing story: %v", err)
	}
	all, err := s.Stories()
	if err != nil || len(all) != 2 || all[0].ID != b.ID {
		t.Fatalf("Stories (newest first): %+v %v", all, err)
	}
	if err := s.DeleteStory(a.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.Stories(); len(all) != 1 {
		t.Fatalf("after delete: %d stories", len(all))
	}
	mustCheck(t, s)
}

// The step's task and the step's pointer to it are one write: a refused
// check writes neither, and of many veox claiming one step at once exactly
// one gets it.
func TestClaimStoryStepIsAllOrNothingAndHasOneWinner(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	st := newStory(s, "one", "two")
	if err := s.PutStory(st); err != nil {
		t.Fatal(err)
	}
	refused := newTask(s, "one", epoch)
	_, err := s.ClaimStoryStep(st.ID, 0, refused, func(*Story) error { return errors.New("not now") })
	if err == nil {
		t.Fatal("a refused check claimed the step")
	}
	if _, err := s.Get(refused.LocalID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused claim left its task behind: %v", err)
	}

	// Two processes' worth of claimers: separate Stores on one file.
	other, err := Open(s.Path(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	wins := make(chan string, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := s
			if i%2 == 1 {
				db = other
			}
			task := newTask(db, "one", epoch)
			if _, err := db.ClaimStoryStep(st.ID, 0, task, func(*Story) error { return nil }); err == nil {
				wins <- task.LocalID
			} else if !errors.Is(err, ErrStepTaken) && !errors.Is(err, ErrLocked) {
				t.Errorf("claim: %v", err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var won []string
	for id := range wins {
		won = append(won, id)
	}
	if len(won) != 1 {
		t.Fatalf("%d claims won one step", len(won))
	}
	got, _ := s.GetStory(st.ID)
	if got.Steps[0].LocalID != won[0] {
		t.Fatalf("the step points at %q, the winner is %q", got.Steps[0].LocalID, won[0])
	}
	if total, _, _ := s.Count(); total != 1 {
		t.Fatalf("%d tasks recorded for one claimed step", total)
	}
	mustCheck(t, s)
}

func TestKeptMarks(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := s.SetKept("parent1", "lchild"); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Kept(); k["parent1"] != "lchild" {
		t.Fatalf("kept: %v", k)
	}
	if err := s.SetKept("parent1", ""); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Kept(); len(k) != 0 {
		t.Fatalf("kept after clearing: %v", k)
	}
}

// A v2 history (before stories) is upgraded on open: its tasks are kept,
// the old file is kept as .bak-v2, and stories can be written.
func TestUpgradeFromV2AddsStories(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	task := newTask(s, "a fox", epoch)
	mustPut(t, s, task)
	err := s.update(func(tx *bolt.Tx) error {
		for _, name := range []string{bStories, bKept} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket([]byte(bMeta)), metaVersion, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var told []string
	s2, err := Open(path, Options{NoSync: true, Upgrading: func(from, to int, backup string) {
		told = append(told, fmt.Sprintf("v%d v%d %s", from, to, backup))
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if want := fmt.Sprintf("v2 v%d %s.bak-v2", currentSchema, path); len(told) != 1 || told[0] != want {
		t.Fatalf("told of the upgrade: %q, want %q", told, want)
	}
	if v, _ := s2.SchemaVersion(); v != currentSchema {
		t.Fatalf("schema after upgrade: v%d", v)
	}
	if _, err := os.Stat(path + ".bak-v2"); err != nil {
		t.Fatalf("no backup of the v2 file: %v", err)
	}
	if _, err := s2.Get(task.LocalID); err != nil {
		t.Fatalf("task lost in the upgrade: %v", err)
	}
	if err := s2.PutStory(newStory(s2, "one")); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s2)
}

// A repair keeps the stories and kept marks it can read.
func TestRepairKeepsStories(t *testing.T) {
	t.Parallel()
	path, _ := smallHistory(t, 20)
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	st := newStory(s, "one", "two")
	if err := s.PutStory(st); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKept("p", "c"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := repairCopy(t, data)
	if res.Stories != 1 {
		t.Fatalf("repair saved %d stories", res.Stories)
	}
	fixed, err := Open(filepath.Join(filepath.Dir(res.MovedTo), "history.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	if got, err := fixed.GetStory(st.ID); err != nil || len(got.Steps) != 2 {
		t.Fatalf("story after repair: %+v %v", got, err)
	}
	if k, _ := fixed.Kept(); k["p"] != "c" {
		t.Fatalf("kept after repair: %v", k)
	}
}

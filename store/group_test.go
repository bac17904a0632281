package store

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The answers of a polling round that come while a write is under way
// share the next transaction: 100 changes, one commit (one fsync); 100
// answers that change nothing, no commit at all.
func TestUpdatesThatComeTogetherShareOneCommit(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	var ids []string
	for i := range 100 {
		task := newTask(s, fmt.Sprintf("task %d", i), epoch.Add(time.Duration(i)*time.Second))
		task.TaskID = fmt.Sprintf("t%03d", i)
		task.SetStatus(StatusRunning, epoch, "")
		mustPut(t, s, task)
		ids = append(ids, task.TaskID)
	}
	round := func(change bool) int64 {
		before := s.commits.Load()
		s.mu.Lock() // a write under way: the round's answers come meanwhile
		var wg sync.WaitGroup
		errs := make(chan error, len(ids))
		for _, id := range ids {
			wg.Go(func() {
				_, err := s.Update(id, func(x *Task) error {
					x.PolledAt = epoch.Add(time.Hour)
					if change {
						x.SetStatus(StatusSucceeded, epoch.Add(time.Hour), "")
					}
					return nil
				})
				errs <- err
			})
		}
		for queued := 0; queued < len(ids); {
			s.group.mu.Lock()
			queued = len(s.group.waiting)
			s.group.mu.Unlock()
			runtime.Gosched() // lets the goroutines queue
		}
		s.mu.Unlock()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return s.commits.Load() - before
	}
	if n := round(false); n != 0 {
		t.Errorf("a round where nothing changed committed %d times, want none", n)
	}
	if n := round(true); n != 1 {
		t.Errorf("a round where all 100 changed committed %d times, want 1", n)
	}
	for _, id := range ids {
		if got, err := s.Get(id); err != nil || got.Status != StatusSucceeded {
			t.Fatalf("%s after the round: %v %v", id, got, err)
		}
	}
}

// An edit that fails is its own: the others of its transaction are kept.
func TestGroupedEditFailsAlone(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	a, b := newTask(s, "a", epoch), newTask(s, "b", epoch.Add(time.Second))
	mustPut(t, s, a)
	mustPut(t, s, b)
	s.mu.Lock()
	var wg sync.WaitGroup
	var errA, errB, errC error
	wg.Go(func() {
		_, errA = s.Update(a.LocalID, func(x *Task) error { return fmt.Errorf("refused by fn") })
	})
	wg.Go(func() {
		_, errB = s.Update(b.LocalID, func(x *Task) error { x.Request.Prompt = "b changed"; return nil })
	})
	wg.Go(func() {
		_, errC = s.Update("no-such-task", func(x *Task) error { return nil })
	})
	for queued := 0; queued < 3; {
		s.group.mu.Lock()
		queued = len(s.group.waiting)
		s.group.mu.Unlock()
		runtime.Gosched()
	}
	s.mu.Unlock()
	wg.Wait()
	if errA == nil || errB != nil || errC == nil {
		t.Fatalf("errors: %v / %v / %v", errA, errB, errC)
	}
	if got, _ := s.Get(b.LocalID); got.Request.Prompt != "b changed" {
		t.Errorf("b's edit was lost with a's failure: %q", got.Request.Prompt)
	}
}

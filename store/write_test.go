package store

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// txid is the file's current transaction id: it moves exactly when a
// write commits.
func txid(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	m, err := readMeta(f, info.Size())
	if err != nil {
		t.Fatal(err)
	}
	return m.txid
}

// An Update that changes nothing — or only PolledAt, which every poll
// moves — writes nothing: no commit, no fsync.
func TestUpdateThatChangesNothingWritesNothing(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	task := newTask(s, "p", epoch)
	mustPut(t, s, task)
	if _, err := s.Update(task.LocalID, accept("svc")); err != nil {
		t.Fatal(err)
	}
	before := txid(t, path)
	stored, _ := s.Get(task.LocalID)
	for name, fn := range map[string]func(*Task) error{
		"nothing":     func(*Task) error { return nil },
		"same status": func(t *Task) error { t.SetStatus(StatusRunning, epoch.Add(time.Hour), ""); return nil },
		"polled":      func(t *Task) error { t.PolledAt = epoch.Add(time.Hour); return nil },
	} {
		got, err := s.Update("svc", fn)
		if err != nil || !got.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Fatalf("%s: %+v %v", name, got, err)
		}
	}
	if err := s.Put(stored); err != nil {
		t.Fatal(err)
	}
	if after := txid(t, path); after != before {
		t.Fatalf("no-change writes committed %d transaction(s)", after-before)
	}
	if _, err := s.Update("svc", func(t *Task) error { t.Seeds = []int{1}; return nil }); err != nil {
		t.Fatal(err)
	}
	if after := txid(t, path); after != before+1 {
		t.Fatalf("a real change committed %d transactions, want 1", after-before)
	}
}

// A polling round's changes share one transaction; an edit that fails
// (its task gone, its fn refusing) does not stop the others; a round where
// nothing changed commits nothing.
func TestUpdateManyIsOneCommit(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	var ids []string
	for i := range 5 {
		task := newTask(s, fmt.Sprint("p", i), epoch.Add(time.Duration(i)*time.Second))
		task.TaskID, task.Status = fmt.Sprint("svc", i), StatusRunning
		mustPut(t, s, task)
		ids = append(ids, task.TaskID)
	}
	boom := errors.New("boom")
	finish := func(t *Task) error { t.SetStatus(StatusSucceeded, epoch.Add(time.Hour), ""); return nil }
	edits := []Edit{{ids[0], finish}, {"gone", finish}, {ids[1], func(*Task) error { return boom }}, {ids[2], finish},
		{ids[3], func(t *Task) error { t.PolledAt = epoch.Add(time.Hour); return nil }}}
	before := txid(t, path)
	res, err := s.UpdateMany(edits)
	if err != nil {
		t.Fatal(err)
	}
	if after := txid(t, path); after != before+1 {
		t.Fatalf("a round committed %d transactions, want 1", after-before)
	}
	if !res[0].Changed || res[0].Task.Status != StatusSucceeded || !res[3].Changed {
		t.Fatalf("applied edits: %+v %+v", res[0], res[3])
	}
	if !errors.Is(res[1].Err, ErrNotFound) || !errors.Is(res[2].Err, boom) || res[2].Task.Status != StatusRunning || res[4].Changed {
		t.Fatalf("failed or empty edits: %+v %+v %+v", res[1], res[2], res[4])
	}
	assertCounts(t, s, 5, map[string]int{StatusSucceeded: 2, StatusRunning: 3})
	mustCheck(t, s)

	before = txid(t, path)
	if _, err := s.UpdateMany(edits[3:]); err != nil {
		t.Fatal(err)
	}
	if after := txid(t, path); after != before {
		t.Fatal("a round where nothing changed committed")
	}
}

// Writes after the upgrade store only what changed: a status change moves
// the time entry and the active set, and leaves the search text alone.
func TestStatusChangeLeavesSearchTextAlone(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	task := newTask(s, "Lighthouse", epoch)
	mustPut(t, s, task)
	next := *task
	next.SetStatus(StatusRunning, epoch.Add(time.Second), "")
	old, cur := indexEntries(task), indexEntries(&next)
	for _, e := range cur {
		if e.bucket == bSearch && !same(old, e) {
			t.Fatal("the search entry differs after a status change")
		}
		if e.bucket == bTime && same(old, e) {
			t.Fatal("the time entry did not follow the status")
		}
	}
}

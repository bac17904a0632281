package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// keptStore is a store of path that keeps its mapping, beside which other
// stores of the same file act as other veox (a flock belongs to an open
// file, so two stores of one process exclude each other as two processes
// do).
func keptStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.KeepMapping()
	return s
}

// keptBeside seeds a history of n tasks and opens it twice: a store that
// keeps its mapping, and another veox that waits at most timeout.
func keptBeside(t *testing.T, n int, timeout time.Duration) (reader, other *Store) {
	t.Helper()
	s, path := openTemp(t)
	if err := SeedHistory(s, n, epoch); err != nil {
		t.Fatal(err)
	}
	reader = keptStore(t, path)
	other, err := Open(path, Options{NoSync: true, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	return reader, other
}

// seedFile makes a history of n tasks at path and closes it.
func seedFile(t *testing.T, path string, n int) {
	t.Helper()
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := SeedHistory(s, n, epoch); err != nil {
		t.Fatal(err)
	}
}

func total(t *testing.T, s *Store) int {
	t.Helper()
	n, _, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func isKept(s *Store) bool {
	s.kept.mu.Lock()
	defer s.kept.mu.Unlock()
	return s.kept.h != nil
}

// Reads through the kept mapping see every commit another veox makes
// between them, and hold no lock between them: the other veox writes at
// once, never waiting for this one.
func TestKeptReadsSeeOtherWritersAndHoldNoLock(t *testing.T) {
	t.Parallel()
	reader, other := keptBeside(t, 150, 50*time.Millisecond)
	for i := range 20 {
		if n := total(t, reader); n != 150+i {
			t.Fatalf("after %d writes by the other veox the kept reader counts %d, want %d", i, n, 150+i)
		}
		page, _, err := reader.List(Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && page[0].Request.Prompt != fmt.Sprint("other ", i-1) {
			t.Fatalf("the newest task read is %q, want the other veox's last", page[0].Request.Prompt)
		}
		if !isKept(reader) {
			t.Fatal("the reader did not keep its mapping")
		}
		// A writer with a 50 ms timeout: it would fail if the reader
		// kept its shared lock after the read.
		mustPut(t, other, newTask(other, fmt.Sprint("other ", i), epoch.Add(time.Duration(1000+i)*time.Hour)))
	}
}

// A history put in place of the one kept (a repair, an upgrade) is read
// from the next read on, and so is one that outgrew the mapping.
func TestKeptReadsFollowAReplacedAndAGrownFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	seedFile(t, path, 10)
	reader := keptStore(t, path)
	reader.kept.headroom = 64 << 10 // a few dozen tasks outgrow it
	if n := total(t, reader); n != 10 {
		t.Fatalf("counted %d, want 10", n)
	}

	// Replaced: another file renamed over the path.
	newPath := filepath.Join(dir, "new.db")
	seedFile(t, newPath, 25)
	if err := os.Rename(newPath, path); err != nil {
		t.Fatal(err)
	}
	if n := total(t, reader); n != 25 {
		t.Fatalf("after the file was replaced the kept reader counts %d, want the new file's 25", n)
	}

	if total(t, reader); !isKept(reader) {
		t.Fatal("the new file is not kept")
	}

	// Grown past the mapping by another veox.
	other, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before, _ := os.Stat(path)
	if err := SeedHistory(other, 400, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if after.Size() < before.Size()+reader.kept.headroom {
		t.Fatalf("the file grew from %d to %d bytes: not past the mapping", before.Size(), after.Size())
	}
	if n := total(t, reader); n != 425 {
		t.Fatalf("after the file outgrew the mapping the kept reader counts %d, want 425", n)
	}
	all, _, err := reader.List(Query{Limit: 1000})
	if err != nil || len(all) != 425 {
		t.Fatalf("listed %d tasks (%v), want 425", len(all), err)
	}
}

// Another veox holding the file longer than the timeout makes a kept read
// say so once, after one timeout, as a unit of its own would.
func TestKeptReadReportsABusyHistory(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	mustPut(t, s, newTask(s, "one", epoch))
	reader, err := Open(path, Options{NoSync: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	reader.KeepMapping()
	if n := total(t, reader); n != 1 {
		t.Fatalf("counted %d", n)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !tryLock(f) {
		t.Fatal("the kept reader holds the lock between reads")
	}
	start := time.Now()
	_, _, err = reader.Count()
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("a read beside a writer that holds on: %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("the read waited %v: the timeout twice or more", waited)
	}
	if err := unlockFile(f); err != nil {
		t.Fatal(err)
	}
	if n := total(t, reader); n != 1 {
		t.Fatalf("counted %d after the lock was let go", n)
	}
}

// The mapping is let go after a second without a kept read, after
// keptUses reads, and by Close; reads after Close fail.
func TestKeptMappingIsLetGo(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, path := openTemp(t)
		mustPut(t, s, newTask(s, "one", epoch))
		reader := keptStore(t, path)
		total(t, reader)
		time.Sleep(keptIdle / 2)
		total(t, reader) // a read puts the drop off
		time.Sleep(keptIdle * 3 / 4)
		synctest.Wait()
		if !isKept(reader) {
			t.Fatal("dropped while reads came within a second")
		}
		time.Sleep(keptIdle)
		synctest.Wait()
		if isKept(reader) {
			t.Fatal("still mapped a second after the last read")
		}
		total(t, reader) // mapped again, and let go again
		time.Sleep(keptIdle)
		synctest.Wait()
		if isKept(reader) {
			t.Fatal("mapped again, and still mapped a second after the last read")
		}
		for range keptUses {
			total(t, reader)
		}
		if isKept(reader) {
			t.Fatalf("still mapped after %d reads", keptUses)
		}
		total(t, reader)
		if err := reader.Close(); err != nil {
			t.Fatal(err)
		}
		if isKept(reader) {
			t.Fatal("still mapped after Close")
		}
		if _, _, err := reader.Count(); !errors.Is(err, ErrClosed) {
			t.Fatalf("a read after Close: %v, want ErrClosed", err)
		}
	})
}

// Many goroutines reading at once beside a writer: one uses the kept
// mapping at a time, the others read as units of their own, and every
// read sees a whole commit (run with -race).
func TestKeptReadsBesideConcurrentReadersAndAWriter(t *testing.T) {
	t.Parallel()
	reader, other := keptBeside(t, 50, 5*time.Second)
	const writes = 40
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range writes {
			mustPut(t, other, newTask(other, fmt.Sprint("w", i), epoch.Add(time.Duration(100+i)*time.Hour)))
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 30 {
				n, by, err := reader.Count()
				if err != nil {
					t.Error(err)
					return
				}
				sum := 0
				for _, c := range by {
					sum += c
				}
				if sum != n || n < 50 || n > 50+writes {
					t.Errorf("counted %d in all and %d by status", n, sum)
					return
				}
				page, _, err := reader.List(Query{Limit: 10})
				if err != nil || len(page) != 10 {
					t.Errorf("a page of %d (%v)", len(page), err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := total(t, reader); n != 50+writes {
		t.Fatalf("counted %d at the end, want %d", n, 50+writes)
	}
}

// A file damaged under a kept mapping (garbage over a page of records,
// then over both meta pages) makes the kept reads fail as damage, never
// crash, and a read after the file is whole again sees it whole.
func TestKeptReadsOfAFileDamagedUnderThem(t *testing.T) {
	t.Parallel()
	path, tasks := smallHistory(t, 60)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reader := keptStore(t, path)
	if got, _, err := reader.List(Query{Limit: 100}); err != nil || len(got) != len(tasks) {
		t.Fatalf("listed %d of %d (%v)", len(got), len(tasks), err)
	}
	if !isKept(reader) {
		t.Fatal("the mapping is not kept")
	}
	write := func(b []byte) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(b, 0); err != nil {
			t.Fatal(err)
		}
	}
	page := liveRecordPages(t, whole)[tasks[30].LocalID]
	damaged := bytes.Clone(whole)
	copy(damaged[page*4096:(page+1)*4096], pseudoRandom(4096))
	write(damaged) // in place: the kept mapping sees it
	if _, _, err := reader.List(Query{Limit: 100}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a list over a garbage page of records: %v, want ErrCorrupt", err)
	}
	metas := bytes.Clone(whole)
	copy(metas[:2*4096], pseudoRandom(2*4096))
	write(metas)
	if _, _, err := reader.Count(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a count with both meta pages garbage: %v, want ErrCorrupt", err)
	}
	write(whole)
	if n := total(t, reader); n != len(tasks) {
		t.Fatalf("counted %d once the file was whole again, want %d", n, len(tasks))
	}
}

package store

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkUnitOfWork measures what one unit of work costs with the file
// opened for it (the design) against a database held open for the whole
// run (the design it replaced), in the same run, at 100 and 100,000 tasks:
// an empty read (the open/close itself), reading the first page of the
// list, and a durable status change.
func BenchmarkUnitOfWork(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		s := seededAt(b, n)
		ids := succeededIDs(b, s)
		for _, design := range []string{"per-unit", "held-open"} {
			if design == "held-open" {
				db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				s.held = db
			}
			b.Run(fmt.Sprintf("%d/%s/open", n, design), func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					if err := s.view(func(*bolt.Tx) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%d/%s/read-page", n, design), func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					if page, _, err := s.List(Query{Limit: 50}); err != nil || len(page) != 50 {
						b.Fatal(len(page), err)
					}
				}
			})
			b.Run(fmt.Sprintf("%d/%s/write-status", n, design), func(b *testing.B) {
				defer cpuPerOp(b)()
				i := 0
				for b.Loop() {
					flipStatus(b, s, ids[i%len(ids)])
					i++
				}
			})
			if s.held != nil {
				s.held.Close()
				s.held = nil
			}
		}
	}
}

func seededAt(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "history.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := SeedHistory(s, n, epoch); err != nil {
		b.Fatal(err)
	}
	return s
}

func succeededIDs(b *testing.B, s *Store) []string {
	page, _, err := s.List(Query{Limit: 100, Statuses: []string{StatusSucceeded, StatusFailed}})
	if err != nil || len(page) == 0 {
		b.Fatal(err)
	}
	return ids(page)
}

func flipStatus(b *testing.B, s *Store, id string) {
	_, err := s.Update(id, func(t *Task) error {
		next := StatusRunning
		if t.Status == StatusRunning {
			next = StatusSucceeded
		}
		t.SetStatus(next, time.Now(), "")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// cpuPerOp reports the process's CPU time (user + system) per operation
// beside the wall time: on a shared machine the wall time also counts
// waiting for a core, the CPU time only the work.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package store

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The history benchmarks. scripts/bench-history.sh runs them on the
// histories it seeded (VEOX_BENCH_HISTORY_100, VEOX_BENCH_HISTORY_100000:
// copied, never changed); without those they seed their own.

// seededAt opens a store on a copy of a seeded history of n tasks.
func seededAt(b *testing.B, n int) *Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "history.db")
	if src := os.Getenv("VEOX_BENCH_HISTORY_" + strconv.Itoa(n)); src != "" {
		if err := copyFile(src, path); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if total, _, _ := s.Count(); total < n {
		start := time.Now()
		if err := SeedHistory(s, n, epoch); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d tasks in %v", n, time.Since(start).Round(time.Millisecond))
	}
	return s
}

// BenchmarkUnitOfWork measures what one unit of work costs with the file
// opened for it (the design) against a database held open for the whole
// run (the design it replaced), in the same run, at 100 and 100,000 tasks:
// an empty read (the open/close itself), reading the first page of the
// list, and a durable status change. Besides wall time it reports the CPU
// time (on a shared machine the wall time also counts waiting for a core)
// and the bytes written per operation.
func BenchmarkUnitOfWork(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		s := seededAt(b, n)
		ids := finishedIDs(b, s)
		for _, design := range []string{"per-unit", "held-open"} {
			if design == "held-open" {
				db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				s.held = db
			}
			b.Run(fmt.Sprintf("%d/%s/open", n, design), func(b *testing.B) {
				defer measure(b)()
				for b.Loop() {
					if err := s.view(func(*bolt.Tx) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%d/%s/read-page", n, design), func(b *testing.B) {
				defer measure(b)()
				for b.Loop() {
					if page, _, err := s.List(Query{Limit: 50}); err != nil || len(page) != 50 {
						b.Fatal(len(page), err)
					}
				}
			})
			b.Run(fmt.Sprintf("%d/%s/write-status", n, design), func(b *testing.B) {
				defer measure(b)()
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

// BenchmarkPollRound is one polling round over 100 running tasks, as one
// UpdateMany: every answer new (one commit, one fsync), or nothing new
// (no commit at all).
func BenchmarkPollRound(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		s := seededAt(b, n)
		ids := finishedIDs(b, s)
		edits := func(change bool) []Edit {
			var out []Edit
			for _, id := range ids {
				out = append(out, Edit{ID: id, Fn: func(t *Task) error {
					t.PolledAt = time.Now()
					if change {
						t.URLsAt = time.Now()
					}
					return nil
				}})
			}
			return out
		}
		for _, change := range []bool{true, false} {
			b.Run(fmt.Sprintf("%d/all-changed=%v", n, change), func(b *testing.B) {
				defer measure(b)()
				for b.Loop() {
					if _, err := s.UpdateMany(edits(change)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSearch100k scans the whole search index (no match: the worst
// case) and a common word; it reports the resident memory after the
// searches against before.
func BenchmarkSearch100k(b *testing.B) {
	s := seededAt(b, 100_000)
	ctx := context.Background()
	for _, q := range []struct{ name, query string }{
		{"no-match", "purple elephant"},
		{"common", "golden hour"},
	} {
		b.Run(q.name, func(b *testing.B) {
			defer measure(b)()
			before := rss()
			for b.Loop() {
				if _, err := s.Search(ctx, q.query, 50); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rss()-before)/(1<<20), "rss-growth-MB")
		})
	}
}

func finishedIDs(b *testing.B, s *Store) []string {
	b.Helper()
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

// measure reports, per operation, the process's CPU time (user + system)
// and the bytes it wrote to files, beside the wall time.
func measure(b *testing.B) func() {
	cpu, written := cpuTime(), bytesWritten()
	return func() {
		if b.N == 0 {
			return
		}
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		if w := bytesWritten(); w >= 0 && written >= 0 {
			b.ReportMetric(float64(w-written)/float64(b.N), "written-B/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bytesWritten is what the process has passed to write calls (Linux's
// /proc/self/io wchar); -1 where that is not available.
func bytesWritten() int64 { return procField("/proc/self/io", "wchar:") }

// rss is the resident set in bytes (Linux), -1 elsewhere.
func rss() int64 {
	kb := procField("/proc/self/status", "VmRSS:")
	if kb < 0 {
		return -1
	}
	return kb << 10
}

func procField(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 1<<16))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			v, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// copyFile copies through a small buffer: reading a 150 MB history whole
// would show in the resident memory the search benchmark reports.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkListPage200 reads 200-task pages of the list deep in the
// history through the kept mapping, as the TUI's list does while a page
// key is held: whole tasks (the records decoded) against rows (the
// indexes alone, Query.Rows).
func BenchmarkListPage200(b *testing.B) {
	for _, n := range []int{100_000} {
		s := seededAt(b, n)
		s.KeepMapping()
		var cursors []string
		q := Query{Limit: 200}
		for range 50 {
			_, next, err := s.List(q)
			if err != nil || next == "" {
				b.Fatal(err)
			}
			cursors = append(cursors, next)
			q.Cursor = next
		}
		for _, rows := range []bool{false, true} {
			b.Run(fmt.Sprintf("%d/rows=%v", n, rows), func(b *testing.B) {
				defer measure(b)()
				i := 0
				for b.Loop() {
					page, _, err := s.List(Query{Limit: 200, Cursor: cursors[i%len(cursors)], Rows: rows})
					if err != nil || len(page) != 200 || (page[0].Row != nil) != rows {
						b.Fatal(len(page), err)
					}
					i++
				}
			})
		}
	}
}

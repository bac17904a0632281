package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// seeded opens a fresh store in a temp dir holding n seeded tasks. With
// b.Loop the benchmark body runs once, so each size is built once.
func seeded(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "history.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	start := time.Now()
	if err := SeedHistory(s, n, epoch); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d tasks in %v", n, time.Since(start).Round(time.Millisecond))
	return s
}

func BenchmarkListFirstPage(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := seeded(b, n)
			for b.Loop() {
				tasks, _, err := s.List(Query{Limit: 50})
				if err != nil || len(tasks) != 50 {
					b.Fatal(len(tasks), err)
				}
			}
		})
	}
}

// BenchmarkPutStatusChange is what a poller does on every status change:
// one durable (fsynced) read-modify-write that moves the indexes.
func BenchmarkPutStatusChange(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := seeded(b, n)
			page, _, err := s.List(Query{Limit: 100, Statuses: []string{StatusSucceeded, StatusFailed}})
			if err != nil || len(page) == 0 {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				id := page[i%len(page)].LocalID
				i++
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
		})
	}
}

func BenchmarkSearch100k(b *testing.B) {
	s := seeded(b, 100_000)
	ctx := context.Background()
	for _, q := range []struct{ name, query string }{
		{"no-match", "purple elephant"}, // the worst case: every entry scanned
		{"common", "golden hour"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, q.query, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

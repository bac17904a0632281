package store

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"
)

// Walk yields what paging through List yields, in batches, whatever the
// filter and limit; a record that does not decode is skipped and counted.
func TestWalkMatchesList(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := SeedHistory(s, 2*walkBatch+37, epoch); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{{}, {Limit: 5}, {Limit: walkBatch + 1}, {Statuses: []string{StatusSucceeded}}, {Kinds: []string{KindUpscale}, Limit: 20}} {
		var got []string
		batches := 0
		skipped, err := s.Walk(q, func(batch []Task) error {
			batches++
			if len(batch) > walkBatch {
				t.Fatalf("a batch of %d", len(batch))
			}
			got = append(got, ids(batch)...)
			return nil
		})
		if err != nil || skipped != 0 {
			t.Fatal(skipped, err)
		}
		paged := q
		if paged.Limit == 0 {
			paged.Limit = 100_000
		}
		want := pageAll(t, s, Query{Statuses: q.Statuses, Kinds: q.Kinds, Limit: 333})
		want = want[:min(len(want), paged.Limit)]
		if !slices.Equal(got, want) {
			t.Fatalf("query %+v: walk gave %d ids, paging %d (first diff %d)", q, len(got), len(want), firstDiff(got, want))
		}
	}
	boom := errors.New("stop")
	if _, err := s.Walk(Query{}, func([]Task) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
}

func TestWalkSkipsADamagedRecord(t *testing.T) {
	t.Parallel()
	path, tasks := smallHistory(t, 20)
	whole, _ := os.ReadFile(path)
	live := liveRecordPages(t, whole)[tasks[5].LocalID]
	prompt := []byte(tasks[5].Request.Prompt + `"`)
	page := whole[live*4096 : (live+1)*4096]
	i := bytes.Index(page, prompt)
	page[i+len(prompt)-1] = 'x'
	if err := os.WriteFile(path, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	skipped, err := s.Walk(Query{}, func(b []Task) error { n += len(b); return nil })
	if err != nil || skipped != 1 || n != 19 {
		t.Fatalf("walk over one damaged record: %d tasks, %d skipped, %v", n, skipped, err)
	}
}

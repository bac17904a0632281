package store

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func readings(t *testing.T, s *Store, from, to time.Time) []BalanceReading {
	t.Helper()
	var out []BalanceReading
	if err := s.Balances(from, to, func(r BalanceReading) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// The balance history keeps each reading with its time and change
// sequence, oldest first; a late answer takes its place in time; a flat
// run keeps its first and last reading only.
func TestBalanceHistory(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	at := func(sec int) time.Time { return epoch.Add(time.Duration(sec) * time.Second) }
	for i, c := range []float64{5000, 4940, 4940, 4940, 4940, 4690} {
		if err := s.PutBalance(BalanceReading{At: at(10 * i), Credits: c, Seq: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBalance(BalanceReading{At: at(25), Credits: 4940, Seq: 99}); err != nil { // late
		t.Fatal(err)
	}
	got := readings(t, s, time.Time{}, time.Time{})
	want := []struct {
		sec int
		c   float64
	}{{0, 5000}, {10, 4940}, {25, 4940}, {40, 4940}, {50, 4690}}
	if len(got) != len(want) {
		t.Fatalf("kept %d readings: %+v", len(got), got)
	}
	for i, w := range want {
		if !got[i].At.Equal(at(w.sec)) || got[i].Credits != w.c {
			t.Errorf("reading %d: %+v, want %ds %v", i, got[i], w.sec, w.c)
		}
	}
	if got[3].Seq != 4 {
		t.Errorf("the flat run's end keeps the newest reading's sequence: %d", got[3].Seq)
	}
	if r := readings(t, s, at(10), at(40)); len(r) != 3 {
		t.Errorf("a range: %+v", r)
	}
	r, ok, err := s.BalanceBefore(at(45))
	if err != nil || !ok || r.Credits != 4940 || !r.At.Equal(at(40)) {
		t.Errorf("the newest reading before 45 s: %+v %v %v", r, ok, err)
	}
	if r, ok, _ := s.BalanceBefore(at(40)); !ok || !r.At.Equal(at(40)) {
		t.Errorf("a reading at the very time counts: %+v", r)
	}
	if _, ok, _ := s.BalanceBefore(at(-1)); ok {
		t.Error("a reading before any was found")
	}
}

// The history stays bounded however often the balance is read.
func TestBalanceHistoryIsBounded(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	// Fill the bucket directly: maxBalances fsynced writes would be slow.
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bBalances))
		if err != nil {
			return err
		}
		for i := range maxBalances + 500 {
			if err := b.Put(balanceKey(epoch.Add(time.Duration(i)*time.Second)), []byte(`{"c":1,"s":0}`)); err != nil {
				return err
			}
		}
		return b.SetSequence(trimEvery - 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	last := epoch.Add(time.Duration(maxBalances+500) * time.Second)
	if err := s.PutBalance(BalanceReading{At: last, Credits: 2}); err != nil {
		t.Fatal(err)
	}
	got := readings(t, s, time.Time{}, time.Time{})
	if len(got) != maxBalances || !got[len(got)-1].At.Equal(last) || got[0].At.Before(epoch.Add(500*time.Second)) {
		t.Fatalf("kept %d readings from %v to %v", len(got), got[0].At, got[len(got)-1].At)
	}
}

// CursorBefore starts a page at the newest task created before a time.
func TestCursorBefore(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	for i := range 5 {
		mustPut(t, s, newTask(s, "p", epoch.Add(time.Duration(i)*time.Hour)))
	}
	page, _, err := s.List(Query{Cursor: CursorBefore(epoch.Add(3 * time.Hour)), Limit: 10})
	if err != nil || len(page) != 3 || !page[0].CreatedAt.Equal(epoch.Add(2*time.Hour)) {
		t.Fatalf("page before 3 h: %d tasks, %v", len(page), err)
	}
}

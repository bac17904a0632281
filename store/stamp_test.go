//go:build unix

package store

import (
	"bytes"
	"errors"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A veox that finds the file in a state a veox found sound skips the walk;
// writes through veox keep the stamp current; a change by anything else
// makes the next veox walk again; Check always walks.
func TestStampSkipsTheWalkOnlyForAStateFoundSound(t *testing.T) {
	t.Parallel()
	path, _ := smallHistory(t, 20)
	open := func() *Store {
		t.Helper()
		s, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := open() // smallHistory's writes came before any walk: this one walks
	if first.walks.Load() != 1 {
		t.Fatalf("first open walked %d times", first.walks.Load())
	}
	mustPut(t, first, newTask(first, "written through veox", epoch))
	if again := open(); again.walks.Load() != 0 {
		t.Fatal("a state reached by veox's own commit was walked again")
	}

	// Another program writes: the stamp no longer matches.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bMeta)).Put([]byte("x"), []byte("y")) })
	db.Close()
	if after := open(); after.walks.Load() != 1 {
		t.Fatal("a file changed outside veox was not walked")
	}

	// Damage that leaves the header as it was: Open trusts the stamp,
	// Check does not.
	data, _ := os.ReadFile(path)
	live := liveRecordPages(t, data)
	var page uint64
	for _, p := range live {
		page = p
		break
	}
	copy(data[page*4096+8:page*4096+16], bytes.Repeat([]byte{0xff}, 8)) // flags, count, overflow
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := open()
	var ce *CheckError
	if err := s.Check(); !errors.As(err, &ce) || ce.Structure == nil {
		t.Fatalf("Check on a page damaged in place: %v", err)
	}
}

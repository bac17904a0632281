package store

import (
	"bytes"
	"errors"
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"
)

// maxReported caps the problems Check lists: one is enough to act on, and a
// broken index would otherwise produce one line per task.
const maxReported = 20

// Check verifies the file (bbolt's page-level check) and that the indexes
// and counters agree with the tasks. Problems come back joined and wrapped
// in ErrCorrupt; index problems are repaired by Reindex.
func (s *Store) Check() error {
	var problems []error
	err := s.view(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			problems = append(problems, e)
		}
		if len(problems) == 0 {
			problems = checkIndexes(tx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > maxReported {
		problems = append(problems[:maxReported], fmt.Errorf("and %d more", len(problems)-maxReported))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", ErrCorrupt, errors.Join(problems...))
	}
	return nil
}

// checkIndexes compares each task's expected index entries with the ones
// stored, and the number of entries per index with the number expected.
func checkIndexes(tx *bolt.Tx) []error {
	for _, name := range allBuckets() {
		if tx.Bucket([]byte(name)) == nil {
			return []error{fmt.Errorf("bucket %q is missing", name)}
		}
	}
	var problems []error
	want := map[string]int{}
	c := newCounts()
	_ = tx.Bucket([]byte(bTasks)).ForEach(func(k, _ []byte) error {
		t, err := loadTx(tx, string(k))
		if err != nil {
			problems = append(problems, err)
			return nil
		}
		c.add(t, +1)
		problems = append(problems, checkTask(tx, t, want)...)
		return nil
	})
	for name, n := range want {
		if got := tx.Bucket([]byte(name)).Stats().KeyN; got != n {
			problems = append(problems, fmt.Errorf("index %q has %d entries, want %d", name, got, n))
		}
	}
	stored, err := readCounts(tx)
	if err != nil || stored.Total != c.Total || !maps.Equal(stored.ByStatus, c.ByStatus) {
		problems = append(problems, fmt.Errorf("counters say %d tasks %v, the history holds %d %v", stored.Total, stored.ByStatus, c.Total, c.ByStatus))
	}
	return problems
}

func checkTask(tx *bolt.Tx, t *Task, want map[string]int) []error {
	var problems []error
	for _, e := range indexEntries(t) {
		want[e.bucket]++
		got := tx.Bucket([]byte(e.bucket)).Get(e.key)
		if got == nil || !bytes.Equal(got, e.value) {
			problems = append(problems, fmt.Errorf("task %s: %s index entry missing or stale", t.LocalID, e.bucket))
		}
	}
	return problems
}

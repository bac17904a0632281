package store

import (
	"bytes"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// walkBatch is how many records Walk reads per unit of work: a few
// milliseconds of lock, about a megabyte of records.
const walkBatch = 1000

// Walk calls fn with the tasks q selects, newest first, a batch at a time,
// for whole-history commands ('veox list --all', exports). Memory stays
// bounded however long the history: each batch is read in one short unit
// of work (the lock is never held for the whole walk, so other veox keep
// working), copied out, and decoded on every core outside it. q.Limit caps
// the number of tasks (0: all); q.Cursor starts after a page as in List.
// A record that does not decode is skipped and counted in skipped ('veox
// doctor' names it). A task added while the walk runs is included if it
// sorts after the walk's position; one changed is seen in either state.
func (s *Store) Walk(q Query, fn func(batch []Task) error) (skipped int, err error) {
	from, err := decodeCursor(q.Cursor)
	if err != nil {
		return 0, err
	}
	left := q.Limit
	for {
		n := walkBatch
		if q.Limit > 0 {
			if left == 0 {
				return skipped, nil
			}
			n = min(n, left)
		}
		var recs []rawRecord
		err := s.view(func(tx *bolt.Tx) error {
			recs = readMatches(tx, q, from, n)
			return nil
		})
		if err != nil || len(recs) == 0 {
			return skipped, err
		}
		from = recs[len(recs)-1].timeKey
		decodeAll(recs)
		batch := make([]Task, 0, len(recs))
		for _, r := range recs {
			if r.task == nil {
				skipped++
				continue
			}
			batch = append(batch, *r.task)
		}
		left -= len(recs)
		if err := fn(batch); err != nil {
			return skipped, err
		}
		if len(recs) < n {
			return skipped, nil
		}
	}
}

// readMatches copies up to n records q selects, walking the time index
// back from the key from (the newest when nil).
func readMatches(tx *bolt.Tx, q Query, from []byte, n int) []rawRecord {
	tasks := tx.Bucket([]byte(bTasks))
	c := tx.Bucket([]byte(bTime)).Cursor()
	var out []rawRecord
	for k, v := startBefore(c, from); k != nil && len(out) < n; k, v = c.Prev() {
		status, kind := parseTimeValue(v)
		if len(k) <= 8 || !matches(q.Statuses, status) || !matches(q.Kinds, kind) {
			continue
		}
		value := tasks.Get(k[8:])
		if value == nil {
			continue // a dangling entry: 'veox doctor' reports it
		}
		out = append(out, rawRecord{timeKey: bytes.Clone(k), key: bytes.Clone(k[8:]), value: bytes.Clone(value)})
	}
	return out
}

// decodeAll decodes the records on every core; task stays nil for one
// that does not decode.
func decodeAll(recs []rawRecord) {
	workers := min(runtime.GOMAXPROCS(0), max(len(recs)/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				recs[i].task, _ = decodeTask(string(recs[i].key), recs[i].value)
			}
		})
	}
	wg.Wait()
}

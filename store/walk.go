package store

import (
	"bytes"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// walkBatch is how many tasks Walk hands fn at a time; walkUnit how many
// records it copies out per unit of work: a few milliseconds of lock and
// about 3 MB of records. Each unit maps the file afresh, and touching its
// pages again costs more than the copy (measured at 100,000 tasks: a
// thousand records a unit spent half the walk mapping pages), so a unit
// reads several batches, kept compact in one buffer reused for the next
// unit, and only a batch at a time is decoded.
const (
	walkBatch = 1000
	walkUnit  = 2 * walkBatch
)

// Walk calls fn with the tasks q selects, newest first, a batch at a time,
// for whole-history commands ('veox list --all', exports). Memory stays
// bounded however long the history: records are read in short units of
// work (the lock is never held for the whole walk, so other veox keep
// working), copied out, and decoded a batch at a time on every core
// outside it. q.Limit caps the number of tasks (0: all); q.Cursor starts
// after a page as in List. A record that does not decode is skipped and
// counted in skipped ('veox doctor' names it). A task added while the walk
// runs is included if it sorts after the walk's position; one changed is
// seen in either state.
func (s *Store) Walk(q Query, fn func(batch []Task) error) (skipped int, err error) {
	from, err := decodeCursor(q.Cursor)
	if err != nil {
		return 0, err
	}
	left := q.Limit
	var arena []byte
	var recs []rawRecord
	batch := make([]Task, 0, walkBatch)
	for {
		n := walkUnit
		if q.Limit > 0 {
			if left == 0 {
				return skipped, nil
			}
			n = min(n, left)
		}
		err := s.view(func(tx *bolt.Tx) error {
			recs, arena = readMatches(tx, q, from, n, recs[:0], arena[:0])
			return nil
		})
		if err != nil || len(recs) == 0 {
			return skipped, err
		}
		from = bytes.Clone(recs[len(recs)-1].timeKey) // the arena is reused
		left -= len(recs)
		for part := range slices.Chunk(recs, walkBatch) {
			decodeAll(part)
			batch = batch[:0]
			for i := range part {
				if part[i].task == nil {
					skipped++
					continue
				}
				batch = append(batch, *part[i].task)
				part[i].task = nil
			}
			if err := fn(batch); err != nil {
				return skipped, err
			}
		}
		if len(recs) < n {
			return skipped, nil
		}
	}
}

// readMatches copies up to n records q selects, walking the time index
// back from the key from (the newest when nil), into arena, and appends
// them to out; the records' slices point into the arena returned.
func readMatches(tx *bolt.Tx, q Query, from []byte, n int, out []rawRecord, arena []byte) ([]rawRecord, []byte) {
	tasks := tx.Bucket([]byte(bTasks))
	c := tx.Bucket([]byte(bTime)).Cursor()
	var ends [][2]int // where each record's time key and value end in the arena
	for k, v := startBefore(c, from); k != nil && len(ends) < n; k, v = c.Prev() {
		status, kind, _ := parseTimeValue(v)
		if len(k) <= 8 || !matches(q.Statuses, status) || !matches(q.Kinds, kind) {
			continue
		}
		value := tasks.Get(k[8:])
		if value == nil {
			continue // a dangling entry: 'veox doctor' reports it
		}
		arena = append(arena, k...)
		keyEnd := len(arena)
		arena = append(arena, value...)
		ends = append(ends, [2]int{keyEnd, len(arena)})
	}
	start := 0
	for _, e := range ends {
		timeKey := arena[start:e[0]:e[0]]
		out = append(out, rawRecord{timeKey: timeKey, key: timeKey[8:], value: arena[e[0]:e[1]:e[1]]})
		start = e[1]
	}
	return out, arena
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

package store

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxReported caps the problems Check lists: one is enough to act on, and a
// broken index would otherwise produce one line per task.
const maxReported = 20

// CheckError is what Check found wrong. It matches ErrCorrupt.
type CheckError struct {
	// Structure: the file's page tree is damaged; only Repair helps.
	Structure error
	// Unreadable lists records that do not decode; Repair saves all the
	// others (and an older copy of these where one is left).
	Unreadable []string
	// Index lists indexes or counters out of step with the records;
	// Reindex rebuilds them.
	Index []error
}

func (e *CheckError) Error() string {
	var parts []string
	if e.Structure != nil {
		parts = append(parts, e.Structure.Error())
	}
	for i, id := range e.Unreadable {
		if i == maxReported {
			parts = append(parts, fmt.Sprintf("and %d more unreadable records", len(e.Unreadable)-i))
			break
		}
		parts = append(parts, "task "+id+": the record does not decode")
	}
	for _, err := range e.Index {
		parts = append(parts, err.Error())
	}
	return strings.Join(parts, "\n")
}

func (e *CheckError) Unwrap() error { return ErrCorrupt }

func (e *CheckError) empty() bool {
	return e.Structure == nil && len(e.Unreadable) == 0 && len(e.Index) == 0
}

func (e *CheckError) index(err error) {
	if len(e.Index) == maxReported {
		e.Index = append(e.Index, errors.New("and more index problems"))
	}
	if len(e.Index) <= maxReported {
		e.Index = append(e.Index, err)
	}
}

// Check verifies the whole history: the file's page tree (as Open does),
// that every record decodes, and that the indexes and counters agree with
// the records. It returns nil or a *CheckError; ErrLocked when other veox
// kept the history busy.
//
// The records and index entries are read from the leaf pages the tree
// walk reached (checkpages.go), not through bbolt: mapping the file for
// unit after unit and faulting its pages in cost more than the check
// itself. The walk holds a shared lock as Open's does; the other leaves
// are then read without one, and kept only if they still hash as the walk
// saw them. If another veox reused one meanwhile, the check starts over,
// so it never reports a change in flight as damage; after a few such
// starts a pass holds the shared lock, for checkHold at most.
func (s *Store) Check() error {
	for attempt := 0; ; attempt++ {
		ce, changed, err := s.checkPass(attempt == checkAttempts)
		if err != nil {
			return err
		}
		if changed {
			continue
		}
		if ce.empty() {
			return nil
		}
		return ce
	}
}

// indexSum is an order-free fingerprint of a set of index entries: their
// count and the sum of their hashes. The records' expected entries and an
// index's actual ones give the same sum exactly when they are the same
// set (a difference slips through with odds of one in 2^64).
type indexSum struct {
	n   int
	sum uint64
}

func (a *indexSum) add(h *maphash.Hash, k, v []byte) {
	h.Reset()
	h.Write(k)
	h.WriteByte(0)
	h.Write(v)
	a.sum += h.Sum64()
	a.n++
}

// indexNames are the indexes Check compares with the records.
func indexNames() []string { return []string{bTime, bSearch, bTaskID, bActive, bChildren} }

// checkChunk is how many records one unit of work of diagnose reads.
const checkChunk = 2000

// diagnose goes through the records again and looks up each entry they
// need in one index, to name the ones missing or stale.
func (s *Store) diagnose(ce *CheckError, name string) error {
	var after []byte
	found := 0
	for {
		var recs []rawRecord
		err := s.view(func(tx *bolt.Tx) error {
			recs, _ = readChunk(tx, after, checkChunk, nil, nil)
			decodeIndexed(recs)
			b := tx.Bucket([]byte(name))
			get := b.Get
			if name == bSearch {
				get = func(k []byte) []byte { return searchGet(tx, k) }
			}
			for _, r := range recs {
				if r.task == nil {
					continue
				}
				for _, e := range indexEntries(r.task) {
					if e.bucket != name {
						continue
					}
					if got := get(e.key); got == nil || !bytes.Equal(got, e.value) {
						found++
						ce.index(fmt.Errorf("task %s: %s index entry missing or stale", r.key, name))
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(recs) < checkChunk {
			break
		}
		after = recs[len(recs)-1].key
	}
	if found == 0 {
		ce.index(fmt.Errorf("index %q holds entries no task needs", name))
	}
	return nil
}

// rawRecord is a record copied out of a transaction, and what it decodes
// to (nil if it does not).
type rawRecord struct {
	key, value []byte
	timeKey    []byte // where Walk found it
	task       *Task
}

// readChunk copies up to n records after the key after (from the first
// when nil) into arena and appends them to out; the records' slices point
// into the arena returned. One buffer instead of two allocations a record:
// a check of 100,000 tasks copies 150 MB.
func readChunk(tx *bolt.Tx, after []byte, n int, out []rawRecord, arena []byte) ([]rawRecord, []byte) {
	c := tx.Bucket([]byte(bTasks)).Cursor()
	k, v := c.First()
	if after != nil {
		if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	var ends [][2]int // where each record's key and value end in the arena
	for ; k != nil && len(ends) < n; k, v = c.Next() {
		arena = append(arena, k...)
		keyEnd := len(arena)
		arena = append(arena, v...)
		ends = append(ends, [2]int{keyEnd, len(arena)})
	}
	start := 0
	for _, e := range ends {
		out = append(out, rawRecord{key: arena[start:e[0]:e[0]], value: arena[e[0]:e[1]:e[1]]})
		start = e[1]
	}
	return out, arena
}

// decodeIndexed decodes the index fields of each record, on every core.
func decodeIndexed(recs []rawRecord) {
	workers := min(runtime.GOMAXPROCS(0), max(len(recs)/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				recs[i].task = decodeIndexFields(recs[i].key, recs[i].value)
			}
		})
	}
	wg.Wait()
}

func decodeIndexFields(key, value []byte) *Task {
	return decodeIndexFieldsInto(new(Task), key, value)
}

// decodeIndexFieldsInto is decodeIndexFields into t (overwritten) when the
// fast decoder takes the record; nil when it does not decode.
func decodeIndexFieldsInto(t *Task, key, value []byte) *Task {
	*t = Task{LocalID: string(key)}
	if fastIndexFields(value, t) {
		return t
	}
	t, err := decodeTask(string(key), value) // a v1 record, or one that is damaged
	if err != nil {
		return nil
	}
	return t
}

package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxReported caps the problems Check lists: one is enough to act on, and a
// broken index would otherwise produce one line per task.
const maxReported = 20

// checkChunk is how many records one unit of work of Check reads: the
// lock is held a few milliseconds at a time and the mapped pages go back
// after each, so a check of 100,000 tasks neither blocks other veox nor
// keeps the file resident.
const checkChunk = 2000

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
// the records. It returns nil or a *CheckError. Records are read a chunk
// per unit of work; if another veox writes meanwhile, the check starts
// over (a few times), so it never reports a change in flight as damage.
func (s *Store) Check() error {
	if err := s.verify(); err != nil {
		return &CheckError{Structure: err}
	}
	for attempt := 0; ; attempt++ {
		before, err := s.ChangeSeq()
		if err != nil {
			return err
		}
		ce, err := s.checkRecords()
		if err != nil {
			return err
		}
		after, err := s.ChangeSeq()
		if err != nil {
			return err
		}
		if before != after && attempt < 3 {
			continue
		}
		if ce.empty() {
			return nil
		}
		return ce
	}
}

// checkRecords reads every record in chunks, checks each one's index
// entries, then compares the counts.
func (s *Store) checkRecords() (*CheckError, error) {
	ce := &CheckError{}
	want := map[string]int{}
	c := newCounts()
	var after []byte
	for {
		var recs []rawRecord
		err := s.view(func(tx *bolt.Tx) error {
			recs = readChunk(tx, after, checkChunk)
			decodeIndexed(recs)
			for i := range recs {
				r := &recs[i]
				if r.task == nil {
					ce.Unreadable = append(ce.Unreadable, string(r.key))
					continue
				}
				c.add(r.task, +1)
				for _, e := range indexEntries(r.task) {
					want[e.bucket]++
					if got := tx.Bucket([]byte(e.bucket)).Get(e.key); got == nil || !bytes.Equal(got, e.value) {
						ce.index(fmt.Errorf("task %s: %s index entry missing or stale", r.key, e.bucket))
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(recs) < checkChunk {
			break
		}
		after = recs[len(recs)-1].key
	}
	// Entries beyond those the records need (left by a task since
	// removed): count each index in a unit of its own.
	for _, name := range []string{bTime, bSearch, bTaskID, bActive, bChildren} {
		n := 0
		if err := s.view(func(tx *bolt.Tx) error { n = keyCount(tx, name); return nil }); err != nil {
			return nil, err
		}
		if n != want[name] && len(ce.Unreadable) == 0 {
			ce.index(fmt.Errorf("index %q has %d entries, want %d", name, n, want[name]))
		}
	}
	var stored counts
	if err := s.view(func(tx *bolt.Tx) error { var err error; stored, err = readCounts(tx); return err }); err != nil {
		return nil, err
	}
	if len(ce.Unreadable) == 0 && (stored.Total != c.Total || !maps.Equal(stored.ByStatus, c.ByStatus)) {
		ce.index(fmt.Errorf("counters say %d tasks %v, the history holds %d %v", stored.Total, stored.ByStatus, c.Total, c.ByStatus))
	}
	return ce, nil
}

// rawRecord is a record copied out of a transaction, and what it decodes
// to (nil if it does not).
type rawRecord struct {
	key, value []byte
	task       *Task
}

// readChunk copies up to n records after the key after (from the first
// when nil).
func readChunk(tx *bolt.Tx, after []byte, n int) []rawRecord {
	c := tx.Bucket([]byte(bTasks)).Cursor()
	k, v := c.First()
	if after != nil {
		if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	var out []rawRecord
	for ; k != nil && len(out) < n; k, v = c.Next() {
		out = append(out, rawRecord{key: bytes.Clone(k), value: bytes.Clone(v)})
	}
	return out
}

func keyCount(tx *bolt.Tx, name string) int {
	n := 0
	c := tx.Bucket([]byte(name)).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// indexFields is the part of a record the indexes are made of: decoding
// only it is about twice as fast as the whole record, and the JSON is
// still checked end to end.
type indexFields struct {
	TaskID    string          `json:"taskId"`
	Kind      string          `json:"kind"`
	ParentID  string          `json:"parentTaskId"`
	Request   Request         `json:"request"`
	Status    string          `json:"status"`
	Seeds     []int           `json:"seeds"`
	CreatedAt json.RawMessage `json:"createdAt"`
}

// decodeIndexed decodes the index fields of each record, on every core.
// A record that is not a v2 record falls back to the full decoder.
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
	var f indexFields
	var ms int64
	if json.Unmarshal(value, &f) != nil || json.Unmarshal(f.CreatedAt, &ms) != nil {
		t, err := decodeTask(string(key), value)
		if err != nil {
			return nil
		}
		return t
	}
	return &Task{LocalID: string(key), TaskID: f.TaskID, Kind: f.Kind, ParentID: f.ParentID, Request: f.Request,
		Status: f.Status, Seeds: f.Seeds, CreatedAt: fromMS(ms)}
}

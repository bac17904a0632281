package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// errNothingChanged rolls a write transaction back when none of its edits
// changed anything: no page is written and nothing is fsynced.
var errNothingChanged = errors.New("nothing changed")

// Edit is one task's change in UpdateMany: fn changes the task found by
// ID (local or service id), as in Update.
type Edit struct {
	ID string
	Fn func(*Task) error
}

// EditResult is what one Edit did.
type EditResult struct {
	// Task is the stored task after the edit: the new version if it
	// changed, the version already stored if not (or if Err is set and the
	// task was found).
	Task    *Task
	Changed bool
	// Err is this edit's own failure (fn's error, ErrNotFound,
	// ErrDuplicateTaskID, ErrCorrupt for a damaged record); the other edits
	// of the batch are applied all the same.
	Err error
}

// Update reads the task (by local or service id), lets fn change it and
// writes it back, all in one write transaction so no other writer can slip
// in between. fn runs inside that transaction: it must not do I/O or block.
// An error from fn aborts without writing. If fn leaves UpdatedAt alone it
// is set to now when something changed.
//
// Only a change is written: if fn leaves the task as it was — or moves
// only PolledAt, which every poll touches — nothing is written and nothing
// fsynced, and the stored copy is returned as it was. Otherwise the new
// stored copy is returned.
func (s *Store) Update(id string, fn func(*Task) error) (*Task, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	r, err := s.groupUpdate(Edit{ID: id, Fn: fn})
	if err != nil {
		return nil, err
	}
	if r.Err != nil {
		return nil, r.Err
	}
	return r.Task, nil
}

// UpdateMany applies several edits in one write transaction: one lock, one
// commit, one fsync for all of them — what a polling round needs, where
// each answer changes its own task. Edits that change nothing write
// nothing; when none changes anything the transaction is rolled back and
// the file is not touched. Each edit's own failure is in its EditResult;
// the error returned is the transaction's (then nothing was written).
func (s *Store) UpdateMany(edits []Edit) ([]EditResult, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	var results []EditResult
	err := s.update(func(tx *bolt.Tx) error {
		results = make([]EditResult, len(edits))
		changed := false
		for i, e := range edits {
			r, err := s.editTx(tx, e)
			if err != nil {
				return err
			}
			results[i] = r
			changed = changed || r.Changed
		}
		if !changed {
			return errNothingChanged
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// editTx applies one edit. Failures of the edit itself go in the result;
// the error returned aborts the whole transaction (a failed bbolt write).
func (s *Store) editTx(tx *bolt.Tx, e Edit) (EditResult, error) {
	localID, err := resolveTx(tx, e.ID)
	if err != nil {
		return EditResult{Err: err}, nil
	}
	old, err := loadTx(tx, localID)
	if err != nil {
		return EditResult{Err: err}, nil
	}
	cur, _ := loadTx(tx, localID) // a separate copy: fn may change slices in place
	before := cur.UpdatedAt
	if err := e.Fn(cur); err != nil {
		return EditResult{Task: old, Err: err}, nil
	}
	if cur.LocalID != localID {
		return EditResult{Task: old, Err: fmt.Errorf("store: Update may not change LocalID (%s -> %s)", localID, cur.LocalID)}, nil
	}
	if cur.CreatedAt.IsZero() {
		cur.CreatedAt = old.CreatedAt
	}
	if equalTasks(old, cur) {
		return EditResult{Task: old}, nil
	}
	if cur.UpdatedAt.Equal(before) {
		cur.UpdatedAt = s.now()
	}
	if err := writeTx(tx, old, cur); err != nil {
		if errors.Is(err, ErrDuplicateTaskID) {
			return EditResult{Task: old, Err: err}, nil
		}
		return EditResult{}, err
	}
	return EditResult{Task: cur, Changed: true}, nil
}

// equalTasks reports whether cur would store the same record as old,
// leaving aside the two bookkeeping times: UpdatedAt (set because of a
// change, never a change by itself) and PolledAt (every poll moves it, and
// writing it alone made every poll an fsync).
func equalTasks(old, cur *Task) bool {
	a, b := *old, *cur
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	a.PolledAt, b.PolledAt = time.Time{}, time.Time{}
	x, errA := encodeTask(&a)
	y, errB := encodeTask(&b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// Group commit. Updates that come while another is writing (the answers
// of a polling round, refreshes in flight side by side, a wave of tasks
// ending) wait for it and then share the next write transaction: one lock,
// one commit, one fsync for all of them, instead of one each. An update
// alone is written at once, as before: nothing waits for company.
type groupCommit struct {
	mu      sync.Mutex
	waiting []*queuedEdit
	leading bool // a caller is writing the queue out
}

type queuedEdit struct {
	edit Edit
	res  EditResult
	err  error // the transaction's
	done chan struct{}
}

// groupUpdate queues an edit and returns its result once it is written.
// The first caller to find nobody writing leads: it writes what waits, in
// one transaction taken once it holds the write lock (so every edit queued
// while it waited for the lock goes in), and again until nothing waits.
func (s *Store) groupUpdate(e Edit) (EditResult, error) {
	q := &queuedEdit{edit: e, done: make(chan struct{})}
	g := &s.group
	g.mu.Lock()
	g.waiting = append(g.waiting, q)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		s.writeQueued()
	}
	<-q.done
	return q.res, q.err
}

func (s *Store) writeQueued() {
	g := &s.group
	for {
		var batch []*queuedEdit
		take := func() {
			g.mu.Lock()
			batch, g.waiting = g.waiting, nil
			g.mu.Unlock()
		}
		err := s.update(func(tx *bolt.Tx) error {
			take()
			changed := false
			for _, q := range batch {
				r, err := s.editTx(tx, q.edit)
				if err != nil {
					return err
				}
				q.res, changed = r, changed || r.Changed
			}
			if !changed {
				return errNothingChanged
			}
			return nil
		})
		if batch == nil {
			take() // the transaction never began: they all share its failure
		}
		for _, q := range batch {
			if err != nil {
				q.res = EditResult{}
			}
			q.err = err
			close(q.done)
		}
		g.mu.Lock()
		if len(g.waiting) == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}

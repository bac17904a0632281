package store

import (
	"bytes"
	"errors"
	"fmt"
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
	res, err := s.UpdateMany([]Edit{{ID: id, Fn: fn}})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	return res[0].Task, nil
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

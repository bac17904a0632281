package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// idAlphabet is base32hex in lower case: its order matches byte order, so
// local ids sort by creation time.
const idAlphabet = "0123456789abcdefghijklmnopqrstuv"

// NewLocalID returns "l" + 13 base32 characters of the creation time in
// unix nanoseconds + 4 random characters. Ids from one Store are strictly
// increasing even if the clock stalls or steps back, so they never collide
// and sort in creation order; the random tail keeps two processes apart.
func (s *Store) NewLocalID() string {
	s.idMu.Lock()
	n := s.now().UnixNano()
	if n <= s.lastID {
		n = s.lastID + 1
	}
	s.lastID = n
	s.idMu.Unlock()
	var r [4]byte
	_, _ = rand.Read(r[:]) // never fails on supported platforms (Go 1.24+)
	return localIDFor(n, r)
}

func localIDFor(nano int64, r [4]byte) string {
	var b [18]byte
	b[0] = 'l'
	u := uint64(nano)
	for i := 13; i >= 1; i-- {
		b[i] = idAlphabet[u&31]
		u >>= 5
	}
	for i, x := range r {
		b[14+i] = idAlphabet[x&31]
	}
	return string(b[:])
}

// Put inserts or replaces the task with t.LocalID. It fills a zero
// UpdatedAt (and a zero CreatedAt, which the time index needs) with now.
func (s *Store) Put(t *Task) error {
	if t == nil || t.LocalID == "" {
		return errors.New("store: Put needs a task with a LocalID")
	}
	if err := s.writable(); err != nil {
		return err
	}
	now := s.now()
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = now
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	return s.update(func(tx *bolt.Tx) error {
		old, err := loadTx(tx, t.LocalID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return writeTx(tx, old, t)
	})
}

// Update reads the task (by local or service id), lets fn change it and
// writes it back, all in one write transaction so no other writer can slip
// in between. fn runs inside that transaction: it must not do I/O or block.
// An error from fn aborts without writing. If fn leaves UpdatedAt alone it
// is set to now. The stored copy is returned.
func (s *Store) Update(id string, fn func(*Task) error) (*Task, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	var out *Task
	err := s.update(func(tx *bolt.Tx) error {
		localID, err := resolveTx(tx, id)
		if err != nil {
			return err
		}
		old, err := loadTx(tx, localID)
		if err != nil {
			return err
		}
		cur, _ := loadTx(tx, localID) // a separate copy: fn may change slices in place
		before := cur.UpdatedAt
		if err := fn(cur); err != nil {
			return err
		}
		if cur.LocalID != localID {
			return fmt.Errorf("store: Update may not change LocalID (%s -> %s)", localID, cur.LocalID)
		}
		if cur.UpdatedAt.Equal(before) {
			cur.UpdatedAt = s.now()
		}
		if cur.CreatedAt.IsZero() {
			cur.CreatedAt = old.CreatedAt
		}
		out = cur
		return writeTx(tx, old, cur)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get finds a task by local id or service task id.
func (s *Store) Get(id string) (*Task, error) {
	var t *Task
	err := s.view(func(tx *bolt.Tx) error {
		localID, err := resolveTx(tx, id)
		if err != nil {
			return err
		}
		t, err = loadTx(tx, localID)
		return err
	})
	return t, err
}

// Delete drops a task from the history and from every index.
func (s *Store) Delete(id string) error {
	if err := s.writable(); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		localID, err := resolveTx(tx, id)
		if err != nil {
			return err
		}
		old, err := loadTx(tx, localID)
		if err != nil {
			return err
		}
		if err := removeIndexes(tx, old); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bTasks)).Delete([]byte(localID)); err != nil {
			return err
		}
		return adjustCounts(tx, old, nil)
	})
}

// writeTx stores cur in place of old (nil for a new task) and moves every
// index entry and counter with it.
func writeTx(tx *bolt.Tx, old, cur *Task) error {
	if cur.TaskID != "" {
		owner := tx.Bucket([]byte(bTaskID)).Get([]byte(cur.TaskID))
		if owner != nil && string(owner) != cur.LocalID {
			return fmt.Errorf("%w: %s is %s", ErrDuplicateTaskID, cur.TaskID, owner)
		}
	}
	data, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	if old != nil {
		if err := removeIndexes(tx, old); err != nil {
			return err
		}
	}
	if err := tx.Bucket([]byte(bTasks)).Put([]byte(cur.LocalID), data); err != nil {
		return err
	}
	if err := addIndexes(tx, cur); err != nil {
		return err
	}
	return adjustCounts(tx, old, cur)
}

// resolveTx maps a local or service id to the local id. Local ids are
// tried first; the returned string is a copy, valid after the transaction.
func resolveTx(tx *bolt.Tx, id string) (string, error) {
	if id == "" {
		return "", ErrNotFound
	}
	if tx.Bucket([]byte(bTasks)).Get([]byte(id)) != nil {
		return id, nil
	}
	if v := tx.Bucket([]byte(bTaskID)).Get([]byte(id)); v != nil {
		return string(v), nil
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, id)
}

// loadTx decodes a task. json.Unmarshal copies what it keeps, so the result
// does not point into the transaction's memory map.
func loadTx(tx *bolt.Tx, localID string) (*Task, error) {
	data := tx.Bucket([]byte(bTasks)).Get([]byte(localID))
	if data == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, localID)
	}
	t := new(Task)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("%w: task %s: %v", ErrCorrupt, localID, err)
	}
	if t.LocalID == "" {
		t.LocalID = localID // the key is authoritative
	}
	return t, nil
}

package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Put inserts or replaces the task with t.LocalID. It fills a zero
// UpdatedAt (and a zero CreatedAt, which the time index needs) with now,
// and brings t's times to the millisecond, as they are stored. Putting a
// task exactly as stored writes nothing.
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
	truncTimes(t)
	return s.update(func(tx *bolt.Tx) error {
		old, err := loadTx(tx, t.LocalID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if old != nil && equalTasks(old, t) {
			return errNothingChanged
		}
		return writeTx(tx, old, t)
	})
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
	return s.update(func(tx *bolt.Tx) error {
		localID, err := resolveTx(tx, id)
		if err != nil {
			return err
		}
		old, err := loadTx(tx, localID)
		if err != nil {
			return err
		}
		if err := moveIndexes(tx, old, nil); err != nil {
			return err
		}
		if err := bucket(tx, bTasks).Delete([]byte(localID)); err != nil {
			return err
		}
		if err := adjustCounts(tx, old, nil); err != nil {
			return err
		}
		return logChange(tx, localID)
	})
}

// writeTx stores cur in place of old (nil for a new task), moves the index
// entries that differ and the counters, and logs the change. A task id
// that belongs to another entry is refused before anything is written.
func writeTx(tx *bolt.Tx, old, cur *Task) error {
	if err := storeRecord(tx, old, cur); err != nil {
		return err
	}
	if err := adjustCounts(tx, old, cur); err != nil {
		return err
	}
	return logChange(tx, cur.LocalID)
}

// storeRecord is the part of writeTx that copying a whole history does
// too: the record and its index entries (the copy counts once at the end
// and starts a fresh change log).
func storeRecord(tx *bolt.Tx, old, cur *Task) error {
	if cur.TaskID != "" {
		owner := tx.Bucket([]byte(bTaskID)).Get([]byte(cur.TaskID))
		if owner != nil && string(owner) != cur.LocalID {
			return fmt.Errorf("%w: %s is %s", ErrDuplicateTaskID, cur.TaskID, owner)
		}
	}
	truncTimes(cur)
	data, err := encodeTask(cur)
	if err != nil {
		return err
	}
	if err := bucket(tx, bTasks).Put([]byte(cur.LocalID), data); err != nil {
		return err
	}
	return moveIndexes(tx, old, cur)
}

// storeRecordOnly writes the record alone, for a copy that writes the
// index entries itself (migrate.go).
func storeRecordOnly(tx *bolt.Tx, t *Task) error {
	truncTimes(t)
	data, err := encodeTask(t)
	if err != nil {
		return err
	}
	return bucket(tx, bTasks).Put([]byte(t.LocalID), data)
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
// does not point into the transaction's memory map. A record that does not
// decode is ErrCorrupt for that task only.
// records reads many task records in one transaction through one cursor:
// Bucket.Get opens a bucket handle and a cursor for each record, a fifth
// of the allocations of reading a page of the list (issue 17).
type records struct{ c *bolt.Cursor }

func recordsOf(tx *bolt.Tx) records { return records{tx.Bucket([]byte(bTasks)).Cursor()} }

// get is the record stored under localID, nil when there is none.
func (r records) get(localID []byte) []byte {
	k, v := r.c.Seek(localID)
	if v == nil || !bytes.Equal(k, localID) {
		return nil
	}
	return v
}

func loadTx(tx *bolt.Tx, localID string) (*Task, error) {
	data := tx.Bucket([]byte(bTasks)).Get([]byte(localID))
	if data == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, localID)
	}
	return decodeTask(localID, data)
}

// GetMany reads the tasks with these ids (local or service) in one read
// transaction, in the order given: what a change set names, read at the
// cost of one unit of work however many changed. Ids no longer found (the
// task was deleted) are in gone; a record that does not decode is left out
// of both (Get names its damage).
func (s *Store) GetMany(ids []string) (found []Task, gone []string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		found, gone = found[:0], gone[:0]
		for _, id := range ids {
			localID, err := resolveTx(tx, id)
			if errors.Is(err, ErrNotFound) {
				gone = append(gone, id)
				continue
			}
			t, err := loadTx(tx, localID)
			if err != nil {
				continue
			}
			found = append(found, *t)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return found, gone, nil
}

package store

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// Added is what AddMissing did with one task.
type Added struct {
	// Added: the task was written. Otherwise Existing is the local id of
	// the entry already there with its local id or its service task id.
	Added    bool
	Existing string
}

// AddMissing writes the tasks the history does not hold yet, in order, in
// one write transaction: a task whose local id, or whose service task id,
// is already there is left alone (an import run twice adds nothing). Each
// task's zero CreatedAt and UpdatedAt are set to now, and its times brought
// to the millisecond, as Put does. Tasks earlier in the batch count as
// there for later ones. Either every task the batch adds is written or,
// on an error, none.
func (s *Store) AddMissing(batch []Task) ([]Added, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	now := s.now()
	for i := range batch {
		t := &batch[i]
		if t.LocalID == "" {
			return nil, errors.New("store: AddMissing needs tasks with a LocalID")
		}
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		if t.UpdatedAt.IsZero() {
			t.UpdatedAt = now
		}
		truncTimes(t)
	}
	var out []Added
	err := s.update(func(tx *bolt.Tx) error {
		out = make([]Added, len(batch))
		wrote := false
		for i := range batch {
			t := &batch[i]
			if id := existingTx(tx, t); id != "" {
				out[i] = Added{Existing: id}
				continue
			}
			if err := writeTx(tx, nil, t); err != nil {
				return err
			}
			out[i], wrote = Added{Added: true}, true
		}
		if !wrote {
			return errNothingChanged
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// existingTx is the local id of the entry t would duplicate, "" if none.
func existingTx(tx *bolt.Tx, t *Task) string {
	if tx.Bucket([]byte(bTasks)).Get([]byte(t.LocalID)) != nil {
		return t.LocalID
	}
	if t.TaskID != "" {
		if v := tx.Bucket([]byte(bTaskID)).Get([]byte(t.TaskID)); v != nil {
			return string(v)
		}
	}
	return ""
}

// Resolve maps each of ids (local or service task ids) that the history
// knows to its entry's local id, in one short read.
func (s *Store) Resolve(ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if local, err := resolveTx(tx, id); err == nil {
				out[id] = local
			}
		}
		return nil
	})
	return out, err
}

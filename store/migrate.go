package store

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// currentSchema is the schema this veox writes.
//
//	0: tasks (and prompts) only, no meta bucket: the first releases.
//	1: meta (version, magic, counters) and the time, taskid, active,
//	   children and search indexes.
const currentSchema = 1

// A migration brings the file from version to-1 to version to.
type migration struct {
	to  int
	why string
	run func(tx *bolt.Tx) error
}

// migrations is a function, not a package variable, so nothing mutable
// lives at package level. Append new steps; never edit a released one.
func migrations() []migration {
	return []migration{
		{to: 1, why: "index the history by time, task id, status, parent and text", run: migrateTo1},
	}
}

// migrateTx backs the file up to <path>.bak-v<from> and then applies every
// pending step, all inside the caller's write transaction: the lock is
// held throughout, so no other veox writes between the copy and the
// upgrade, and a crash or a failing step leaves the file exactly as it was.
func (s *Store) migrateTx(tx *bolt.Tx, from int) error {
	if from == currentSchema {
		return nil
	}
	backup := fmt.Sprintf("%s.bak-v%d", s.path, from)
	if err := writeBackup(tx, backup); err != nil {
		return fmt.Errorf("back up the history before upgrading it: %w", err)
	}
	for _, m := range migrations() {
		if m.to <= from || m.to > currentSchema {
			continue
		}
		if err := m.run(tx); err != nil {
			return fmt.Errorf("upgrade to schema v%d (%s): %w (the file is unchanged; a copy is at %s)", m.to, m.why, err, backup)
		}
	}
	return writeMeta(tx, currentSchema)
}

func migrateTo1(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
	}
	return rebuildIndexes(tx)
}

// writeBackup writes the transaction's view of the database (taken before
// it changed anything) beside it: temp file, fsync, rename, fsync the
// folder.
func writeBackup(tx *bolt.Tx, dst string) error {
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = tx.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Reindex rebuilds every index and counter from the tasks themselves, in one
// transaction. 'veox doctor' offers it when Check finds them out of step.
func (s *Store) Reindex() error {
	if err := s.writable(); err != nil {
		return err
	}
	return s.update(rebuildIndexes)
}

// rebuildIndexes empties the index buckets and refills them from tasks. If
// two tasks claim one service id, the one read last (highest local id) wins
// the taskid entry.
func rebuildIndexes(tx *bolt.Tx) error {
	for _, name := range []string{bTime, bTaskID, bActive, bChildren, bSearch} {
		if tx.Bucket([]byte(name)) != nil {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return err
		}
	}
	c := newCounts()
	err := tx.Bucket([]byte(bTasks)).ForEach(func(k, _ []byte) error {
		t, err := loadTx(tx, string(k))
		if err != nil {
			return err
		}
		c.add(t, +1)
		return addIndexes(tx, t)
	})
	if err != nil {
		return err
	}
	return putJSON(tx.Bucket([]byte(bMeta)), metaCounts, c)
}

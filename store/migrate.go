package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// currentSchema is the schema this veox writes.
//
//	0: tasks (and prompts) only, no meta bucket: the first releases.
//	1: meta (version, magic, counters) and the time, taskid, active,
//	   children and search indexes.
//	2: the change log; index values without the local id (it is the key's
//	   tail), seeds in the search text; pages of time-ordered buckets
//	   filled to the brim (the file is about half the size).
//	3: stories (planned chains of extensions) and the kept line of a
//	   branching chain (story.go).
//	4: time index values also hold what a list row shows (rowfacts.go).
const currentSchema = 4

// upgradeTx brings a file of an older schema to the current one. It runs
// inside a write transaction on the old file, so the write lock is held
// throughout and no other veox writes meanwhile:
//
//  1. a new file is built beside it from this transaction's view: every
//     task and prompt, the indexes and counters rebuilt, pages filled;
//  2. the old file is kept as <path>.bak-v<from> (a hard link: no copy);
//  3. the new file is renamed over the history, atomically.
//
// A crash or a failure before step 3 leaves the history exactly as it
// was (the upgrade runs again on the next start); after it, the history is
// the new file. Every veox opening the history checks that the path still
// names the file it locked (unit.go), so one that was waiting for the old
// file follows to the new one. The old transaction itself writes nothing.
func (s *Store) upgradeTx(old *bolt.Tx, from int) error {
	tmp := s.path + ".upgrade"
	backup := fmt.Sprintf("%s.bak-v%d", s.path, from)
	_ = os.Remove(tmp) // left by an upgrade that crashed
	if s.upgrading != nil {
		s.upgrading(from, currentSchema, backup)
	}
	if err := rewrite(old, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("upgrade the history to schema v%d: %w (the file is unchanged)", currentSchema, err)
	}
	if err := keepBackup(old, s.path, backup); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("back up the history before upgrading it: %w (the file is unchanged)", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("upgrade the history: %w (the file is unchanged; a copy is at %s)", err, backup)
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	return errNothingChanged // the old file was not written
}

// rewriteBatch is how many tasks go into one transaction of the new file:
// bbolt keeps a transaction's pages in memory until it commits.
const rewriteBatch = 10000

// rewrite builds a current-schema file at dst from src's view. The new file
// is invisible until renamed, so it is written in batches without fsync and
// synced once at the end.
func rewrite(src *bolt.Tx, dst string) error {
	db, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer db.Close()
	db.AllocSize = allocSize
	if err := db.Update(initSchema); err != nil {
		return err
	}
	if err := copyPrompts(src, db); err != nil {
		return err
	}
	if err := copyTasks(src, db); err != nil {
		return err
	}
	if err := copyStories(src, db); err != nil {
		return err
	}
	if err := db.Update(func(tx *bolt.Tx) error { return restartChanges(tx, src) }); err != nil {
		return err
	}
	return db.Sync()
}

// restartChanges empties the new file's change log (copying logged every
// task) and moves its sequence past anything the old file could have
// handed out, so a veox following the old file is told to re-read
// everything (Changes answers Reset) instead of being given the wrong ids.
func restartChanges(tx *bolt.Tx, src *bolt.Tx) error {
	var oldSeq uint64
	if b := src.Bucket([]byte(bChanges)); b != nil {
		oldSeq = b.Sequence()
	}
	if err := tx.DeleteBucket([]byte(bChanges)); err != nil {
		return err
	}
	b, err := tx.CreateBucket([]byte(bChanges))
	if err != nil {
		return err
	}
	return b.SetSequence(oldSeq + maxChanges + 1)
}

// copyStories copies the stories and kept marks as they are (a schema
// before v3 has none).
func copyStories(src *bolt.Tx, db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bStories, bKept} {
			from := src.Bucket([]byte(name))
			if from == nil {
				continue
			}
			to := bucket(tx, name)
			if err := from.ForEach(func(k, v []byte) error { return to.Put(bytes.Clone(k), bytes.Clone(v)) }); err != nil {
				return err
			}
		}
		return nil
	})
}

func copyPrompts(src *bolt.Tx, db *bolt.DB) error {
	from := src.Bucket([]byte(bPrompts))
	if from == nil {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		to := bucket(tx, bPrompts)
		if err := from.ForEach(func(k, v []byte) error { return to.Put(k, v) }); err != nil {
			return err
		}
		return to.SetSequence(from.Sequence())
	})
}

// copyTasks copies every task in local-id order (about creation order, so
// the filled pages stay full) and indexes it. A record that does not
// decode is copied as it is, unindexed: 'veox doctor' reports it, and
// nothing is lost.
func copyTasks(src *bolt.Tx, db *bolt.DB) error {
	cp := newCopier()
	c := src.Bucket([]byte(bTasks)).Cursor()
	k, v := c.First()
	for k != nil {
		err := db.Update(func(tx *bolt.Tx) error {
			for i := 0; k != nil && i < rewriteBatch; k, v = c.Next() {
				i++
				if err := cp.copyTask(tx, k, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Without this the copy ends with the whole old file resident. k
		// and v stay valid: the map stays, its pages fault back in from the
		// page cache when read.
		dropMapped(src)
	}
	return cp.finish(db)
}

// copier fills a new file with records. The entries keyed by the service's
// ids (taskid, children) would land all over their indexes, so every
// batch would rewrite nearly every page of them and leave the old ones
// free; they are kept aside and written once, sorted, at the end, pages
// filled. The counters too are written once.
type copier struct {
	n        counts
	ids      map[string]string // service task id -> local id
	children []string
}

func newCopier() *copier { return &copier{n: newCounts(), ids: map[string]string{}} }

// copyTask copies one record of another file into tx.
func (cp *copier) copyTask(tx *bolt.Tx, k, v []byte) error {
	t, err := decodeTask(string(k), v)
	if err != nil {
		return bucket(tx, bTasks).Put(bytes.Clone(k), bytes.Clone(v))
	}
	cp.n.add(t, +1)
	if owner, dup := cp.ids[t.TaskID]; t.TaskID != "" && dup && owner != t.LocalID {
		// An old file with two entries for one service id: keep both
		// records whole; the service id stays with the first ('veox
		// doctor' shows it).
		if err := bucket(tx, bTasks).Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
			return err
		}
		t = &Task{LocalID: t.LocalID, Kind: t.Kind, Status: t.Status, CreatedAt: t.CreatedAt, ParentID: t.ParentID, Request: t.Request, Seeds: t.Seeds}
	} else if err := storeRecordOnly(tx, t); err != nil {
		return err
	}
	for _, e := range indexEntries(t) {
		switch e.bucket {
		case bTaskID:
			cp.ids[string(e.key)] = string(e.value)
		case bChildren:
			cp.children = append(cp.children, string(e.key))
		default:
			if err := bucket(tx, e.bucket).Put(e.key, e.value); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish writes the entries kept aside, in key order, and the counters.
func (cp *copier) finish(db *bolt.DB) error {
	ids := make([]string, 0, len(cp.ids))
	for id := range cp.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Sort(cp.children)
	return db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bTaskID))
		b.FillPercent = 1.0 // written in order, once: full pages
		for _, id := range ids {
			if err := b.Put([]byte(id), []byte(cp.ids[id])); err != nil {
				return err
			}
		}
		b = tx.Bucket([]byte(bChildren))
		b.FillPercent = 1.0
		for _, k := range cp.children {
			if err := b.Put([]byte(k), []byte{}); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket([]byte(bMeta)), metaCounts, cp.n)
	})
}

// keepBackup keeps the old file under backup: a hard link to it (the
// rename that follows takes only the name away), or a copy of this
// transaction's view where links are not possible.
func keepBackup(old *bolt.Tx, path, backup string) error {
	tmp := backup + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Link(path, tmp); err != nil {
		if err := writeCopy(old, tmp); err != nil {
			_ = os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, backup); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(backup))
}

// writeCopy writes the transaction's view of the database to dst, synced.
func writeCopy(tx *bolt.Tx, dst string) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
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
	return err
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
	return s.update(rebuildIndexes)
}

// rebuildIndexes empties the index buckets and refills them from tasks. If
// two tasks claim one service id, the one read last (highest local id) wins
// the taskid entry. Records that do not decode are left for doctor.
func rebuildIndexes(tx *bolt.Tx) error {
	if err := dropPack(tx); err != nil {
		return err
	}
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
	err := tx.Bucket([]byte(bTasks)).ForEach(func(k, v []byte) error {
		t, err := decodeTask(string(k), v)
		if err != nil {
			return nil
		}
		c.add(t, +1)
		return moveIndexes(tx, nil, t)
	})
	if err != nil {
		return err
	}
	if _, err := sealPack(tx, packLimits{packChunk, packTail, packTailLimit}, 0); err != nil {
		return err
	}
	return putJSON(tx.Bucket([]byte(bMeta)), metaCounts, c)
}

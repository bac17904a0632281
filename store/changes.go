package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// The change log lets a veox learn what other veox changed without
// re-reading the history: every write that changes (or deletes) a task
// appends its local id under the next sequence number, in the same
// transaction. It keeps the last maxChanges entries; a reader that fell
// further behind is told to re-read everything.
const maxChanges = 4096

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// logChange appends localID to the change log and drops the entry that
// falls out of its window.
func logChange(tx *bolt.Tx, localID string) error {
	b := bucket(tx, bChanges)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if err := b.Put(seqKey(seq), []byte(localID)); err != nil {
		return err
	}
	if seq > maxChanges {
		return b.Delete(seqKey(seq - maxChanges))
	}
	return nil
}

// ChangeSet is what changed in the history after a sequence number.
type ChangeSet struct {
	// Seq is the newest change's number: pass it to the next Changes call.
	Seq uint64
	// IDs are the local ids of the tasks changed, added or deleted since,
	// oldest change first, each once (a deleted task is no longer found by
	// Get).
	IDs []string
	// Reset: the log no longer reaches back that far, or the history file
	// was replaced (a repair): re-read everything you show.
	Reset bool
}

// ChangeSeq returns the newest change's sequence number: where to start
// following the history with Changes or Watch.
func (s *Store) ChangeSeq() (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket([]byte(bChanges)).Sequence()
		return nil
	})
	return seq, err
}

// Changes returns the tasks changed after since (a Seq from ChangeSeq or an
// earlier ChangeSet). It reads only the log's tail, however long the
// history.
func (s *Store) Changes(since uint64) (ChangeSet, error) {
	var cs ChangeSet
	err := s.view(func(tx *bolt.Tx) error {
		cs = changesTx(tx, since)
		return nil
	})
	return cs, err
}

func changesTx(tx *bolt.Tx, since uint64) ChangeSet {
	b := tx.Bucket([]byte(bChanges))
	cs := ChangeSet{Seq: b.Sequence()}
	switch {
	case since == cs.Seq:
		return cs
	case since > cs.Seq:
		cs.Reset = true // a newer number than the file has: not the same file
		return cs
	}
	c := b.Cursor()
	k, v := c.Seek(seqKey(since + 1))
	if k == nil || binary.BigEndian.Uint64(k) != since+1 {
		cs.Reset = true // the entries after since were dropped from the window
		return cs
	}
	seen := map[string]bool{}
	for ; k != nil; k, v = c.Next() {
		id := string(v)
		if !seen[id] {
			seen[id] = true
			cs.IDs = append(cs.IDs, id)
		}
	}
	return cs
}

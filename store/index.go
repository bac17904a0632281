package store

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The indexes are derived from the Task JSON and written in the same
// transaction as the task, so they can never disagree with it after a
// crash. A write compares the old version's entries with the new one's and
// touches only those that differ: a status change rewrites the time entry
// and the active set, not the search text, so its cost does not grow with
// what else the task holds.

// isActive: the statuses a poller or the user still has to act on.
func isActive(status string) bool {
	return status == StatusSubmitting || status == StatusRunning || status == StatusUnknown
}

// appendOnly lists the buckets whose keys grow with time (local ids and
// time keys start with the creation time, the change log with a
// sequence). New keys land at the right edge, so their pages can be filled
// to the brim instead of bbolt's default half: the history file is about
// half the size, and a scan touches half the pages.
func appendOnly(name string) bool {
	switch name {
	case bTasks, bTime, bSearch, bChanges, bPrompts:
		return true
	}
	return false
}

// bucket returns a top-level bucket, with the fill that suits its keys
// when it is about to be written.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket {
	b := tx.Bucket([]byte(name))
	if b != nil && tx.Writable() && appendOnly(name) {
		b.FillPercent = 1.0
	}
	return b
}

// timeKey orders the history by creation; the local id breaks ties and
// makes the key unique. Times before 1970 (a zero CreatedAt) sort first.
func timeKey(t *Task) []byte {
	n := t.CreatedAt.UnixNano()
	if n < 0 || t.CreatedAt.IsZero() {
		n = 0
	}
	k := make([]byte, 8+len(t.LocalID))
	binary.BigEndian.PutUint64(k, uint64(n))
	copy(k[8:], t.LocalID)
	return k
}

// timeValue carries status and kind so filtered List calls can skip
// non-matching entries without decoding their JSON. The local id is the
// key's tail.
func timeValue(t *Task) []byte {
	return []byte(t.Status + "\x00" + t.Kind)
}

func parseTimeValue(v []byte) (status, kind []byte) {
	status, kind, _ = bytes.Cut(v, []byte{0})
	return status, kind
}

func childKey(parentTaskID, localID string) []byte {
	return []byte(parentTaskID + "\x00" + localID)
}

// searchValue is everything Search matches besides the local id (the
// key's tail): prompt, service id, watermark and seeds, lowercased once at
// write time so a search is a byte scan of one compact bucket. NUL
// separators keep a query from matching across two fields.
func searchValue(t *Task) []byte {
	fields := []string{t.Request.Prompt, t.TaskID, t.Request.Watermark}
	if t.Request.Seed != 0 {
		fields = append(fields, strconv.Itoa(t.Request.Seed))
	}
	for _, s := range t.Seeds {
		if s != t.Request.Seed {
			fields = append(fields, strconv.Itoa(s))
		}
	}
	return []byte(strings.ToLower(strings.Join(fields, "\x00")))
}

// indexEntry is one key (and value) a task puts in one index.
type indexEntry struct {
	bucket     string
	key, value []byte
}

// indexEntries lists every index entry t needs; nil t needs none.
func indexEntries(t *Task) []indexEntry {
	if t == nil {
		return nil
	}
	tk := timeKey(t)
	out := []indexEntry{
		{bTime, tk, timeValue(t)},
		{bSearch, tk, searchValue(t)},
	}
	if t.TaskID != "" {
		out = append(out, indexEntry{bTaskID, []byte(t.TaskID), []byte(t.LocalID)})
	}
	if isActive(t.Status) {
		out = append(out, indexEntry{bActive, []byte(t.LocalID), []byte{}})
	}
	if t.ParentID != "" {
		out = append(out, indexEntry{bChildren, childKey(t.ParentID, t.LocalID), []byte{}})
	}
	return out
}

// moveIndexes turns old's index entries into cur's, deleting and putting
// only the entries that differ. Either may be nil (insert, delete).
func moveIndexes(tx *bolt.Tx, old, cur *Task) error {
	oldE, curE := indexEntries(old), indexEntries(cur)
	edge := bytes.Clone(packEdge(tx)) // search entries below it live in the pack (searchpack.go)
	for _, o := range oldE {
		if hasKey(curE, o) {
			continue
		}
		if o.bucket == bSearch && packed(edge, o.key) {
			if err := editPacked(tx, o.key, nil, packChunk); err != nil {
				return err
			}
			continue
		}
		b := bucket(tx, o.bucket)
		// Only drop a task-id mapping if it is ours: never unlink another entry.
		if o.bucket == bTaskID && !bytes.Equal(b.Get(o.key), o.value) {
			continue
		}
		if err := b.Delete(o.key); err != nil {
			return err
		}
	}
	for _, c := range curE {
		if same(oldE, c) {
			continue
		}
		if c.bucket == bSearch && packed(edge, c.key) {
			if err := editPacked(tx, c.key, c.value, packChunk); err != nil {
				return err
			}
			continue
		}
		if err := bucket(tx, c.bucket).Put(c.key, c.value); err != nil {
			return err
		}
	}
	return nil
}

func hasKey(list []indexEntry, e indexEntry) bool {
	for _, x := range list {
		if x.bucket == e.bucket && bytes.Equal(x.key, e.key) {
			return true
		}
	}
	return false
}

func same(list []indexEntry, e indexEntry) bool {
	for _, x := range list {
		if x.bucket == e.bucket && bytes.Equal(x.key, e.key) && bytes.Equal(x.value, e.value) {
			return true
		}
	}
	return false
}

// counts are kept in meta so Count is O(1) however long the history is.
type counts struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"byStatus"`
}

func newCounts() counts { return counts{ByStatus: map[string]int{}} }

func readCounts(tx *bolt.Tx) (counts, error) {
	c := newCounts()
	err := getJSON(tx.Bucket([]byte(bMeta)), metaCounts, &c)
	if c.ByStatus == nil {
		c.ByStatus = map[string]int{}
	}
	return c, err
}

// adjustCounts moves one task from old's status to cur's; nil old is an
// insert, nil cur a delete.
func adjustCounts(tx *bolt.Tx, old, cur *Task) error {
	if old != nil && cur != nil && old.Status == cur.Status {
		return nil
	}
	c, err := readCounts(tx)
	if err != nil {
		return err
	}
	c.add(old, -1)
	c.add(cur, +1)
	return putJSON(tx.Bucket([]byte(bMeta)), metaCounts, c)
}

func (c *counts) add(t *Task, d int) {
	if t == nil {
		return
	}
	c.Total += d
	c.ByStatus[t.Status] += d
	if c.ByStatus[t.Status] <= 0 {
		delete(c.ByStatus, t.Status)
	}
}

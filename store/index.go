package store

import (
	"bytes"
	"encoding/binary"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The indexes are derived from the Task JSON and rewritten in the same
// transaction as the task, so they can never disagree with it after a
// crash. Every write removes the keys the old version produced and adds the
// new version's keys: a changed TaskID, CreatedAt, status or parent moves
// its entries instead of leaving stale ones behind.

// isActive: the statuses a poller or the user still has to act on.
func isActive(status string) bool {
	return status == StatusSubmitting || status == StatusRunning || status == StatusUnknown
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

// timeValue carries status and kind beside the local id so filtered List
// calls can skip non-matching entries without decoding their JSON.
func timeValue(t *Task) []byte {
	return []byte(t.LocalID + "\x00" + t.Status + "\x00" + t.Kind)
}

func parseTimeValue(v []byte) (id, status, kind []byte) {
	id, rest, _ := bytes.Cut(v, []byte{0})
	status, kind, _ = bytes.Cut(rest, []byte{0})
	return id, status, kind
}

func childKey(parentTaskID, localID string) []byte {
	return []byte(parentTaskID + "\x00" + localID)
}

// searchValue is everything Search matches, lowercased once at write time
// so a search is a byte scan. NUL separators keep a query from matching
// across two fields.
func searchValue(t *Task) []byte {
	return []byte(strings.ToLower(strings.Join([]string{
		t.Request.Prompt, t.TaskID, t.LocalID, t.Request.Watermark,
	}, "\x00")))
}

func addIndexes(tx *bolt.Tx, t *Task) error {
	tk := timeKey(t)
	if err := tx.Bucket([]byte(bTime)).Put(tk, timeValue(t)); err != nil {
		return err
	}
	if err := tx.Bucket([]byte(bSearch)).Put(tk, searchValue(t)); err != nil {
		return err
	}
	if t.TaskID != "" {
		if err := tx.Bucket([]byte(bTaskID)).Put([]byte(t.TaskID), []byte(t.LocalID)); err != nil {
			return err
		}
	}
	if isActive(t.Status) {
		if err := tx.Bucket([]byte(bActive)).Put([]byte(t.LocalID), []byte{}); err != nil {
			return err
		}
	}
	if t.ParentID != "" {
		return tx.Bucket([]byte(bChildren)).Put(childKey(t.ParentID, t.LocalID), []byte{})
	}
	return nil
}

func removeIndexes(tx *bolt.Tx, t *Task) error {
	tk := timeKey(t)
	if err := tx.Bucket([]byte(bTime)).Delete(tk); err != nil {
		return err
	}
	if err := tx.Bucket([]byte(bSearch)).Delete(tk); err != nil {
		return err
	}
	if t.TaskID != "" {
		ids := tx.Bucket([]byte(bTaskID))
		// Only drop the mapping if it is ours: never unlink another entry.
		if string(ids.Get([]byte(t.TaskID))) == t.LocalID {
			if err := ids.Delete([]byte(t.TaskID)); err != nil {
				return err
			}
		}
	}
	if err := tx.Bucket([]byte(bActive)).Delete([]byte(t.LocalID)); err != nil {
		return err
	}
	if t.ParentID != "" {
		return tx.Bucket([]byte(bChildren)).Delete(childKey(t.ParentID, t.LocalID))
	}
	return nil
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

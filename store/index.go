package store

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf8"

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

// appendTimeKey appends the key that orders the history by creation; the
// local id breaks ties and makes the key unique. Times before 1970 (a zero
// CreatedAt) sort first.
func appendTimeKey(dst []byte, t *Task) []byte {
	n := t.CreatedAt.UnixNano()
	if n < 0 || t.CreatedAt.IsZero() {
		n = 0
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	return append(dst, t.LocalID...)
}

// appendTimeValue appends the time entry's value: status and kind, so
// filtered List calls can skip non-matching entries without decoding their
// JSON, then what a list row shows (rowfacts.go); low is t's search text.
// The local id is the key's tail. A status or kind of this veox is one
// byte (statusNames, kindNames): 16 bytes a task less, which the row
// facts needed to keep the file under 1.6 KB a task.
func appendTimeValue(dst []byte, t *Task, low []byte) []byte {
	dst = appendName(dst, t.Status, statusNames)
	dst = appendName(dst, t.Kind, kindNames)
	return appendRowFacts(dst, t, low)
}

var (
	statusNames = names(StatusSubmitting, StatusRunning, StatusSucceeded, StatusFailed, StatusUnknown, StatusRefused)
	kindNames   = names(KindGenerate, KindExtend, KindUpscale, KindImport)
)

func names(ns ...string) [][]byte {
	out := make([][]byte, len(ns))
	for i, n := range ns {
		out[i] = []byte(n)
	}
	return out
}

// nameLiteral starts a name spelled out that would read as a code.
const nameLiteral = 0x1f

// appendName appends name as its code, 1 + its place in known, or spelled
// out and ended by a NUL (after nameLiteral if it starts like a code).
func appendName(dst []byte, name string, known [][]byte) []byte {
	for i, k := range known {
		if string(k) == name {
			return append(dst, byte(i+1))
		}
	}
	if name == "" || name[0] < 0x20 {
		dst = append(dst, nameLiteral)
	}
	return append(append(dst, name...), 0)
}

// cutName reads a name appendName wrote off the front of v.
func cutName(v []byte, known [][]byte) (name, rest []byte) {
	switch {
	case len(v) == 0:
		return nil, nil
	case int(v[0]) >= 1 && int(v[0]) <= len(known):
		return known[v[0]-1], v[1:]
	case v[0] == nameLiteral:
		v = v[1:]
	}
	name, rest, _ = bytes.Cut(v, []byte{0})
	return name, rest
}

// parseTimeValue splits a time entry's value.
func parseTimeValue(v []byte) (status, kind, facts []byte) {
	status, rest := cutName(v, statusNames)
	kind, facts = cutName(rest, kindNames)
	return status, kind, facts
}

func appendChildKey(dst []byte, parentTaskID, localID string) []byte {
	return append(append(append(dst, parentTaskID...), 0), localID...)
}

// searchValue is everything Search matches besides the local id (the
// key's tail): prompt, service id, watermark and seeds, lowercased once at
// write time so a search is a byte scan of one compact bucket. NUL
// separators keep a query from matching across two fields.
func searchValue(t *Task) []byte {
	return appendSearchValue(nil, t)
}

// appendSearchValue appends searchValue(t) to dst: the fields joined by
// NUL and lowercased as strings.ToLower does (in place when they are
// ASCII, as ToLower's own fast path).
func appendSearchValue(dst []byte, t *Task) []byte {
	start := len(dst)
	dst = append(dst, t.Request.Prompt...)
	dst = append(append(dst, 0), t.TaskID...)
	dst = append(append(dst, 0), t.Request.Watermark...)
	if t.Request.Seed != 0 {
		dst = strconv.AppendInt(append(dst, 0), int64(t.Request.Seed), 10)
	}
	for _, n := range t.Seeds {
		if n != t.Request.Seed {
			dst = strconv.AppendInt(append(dst, 0), int64(n), 10)
		}
	}
	v := dst[start:]
	for i, c := range v {
		if c >= utf8.RuneSelf { // (the ASCII lowered so far lowers the same again)
			return append(dst[:start], strings.ToLower(string(v))...)
		}
		if 'A' <= c && c <= 'Z' {
			v[i] = c + 'a' - 'A'
		}
	}
	return dst
}

// indexEntry is one key (and value) a task puts in one index.
type indexEntry struct {
	bucket     string
	key, value []byte
}

// indexEntries lists every index entry t needs; nil t needs none.
func indexEntries(t *Task) []indexEntry {
	var out []indexEntry
	appendIndexEntries(nil, t, func(bucket string, k, v []byte) {
		out = append(out, indexEntry{bucket, k, v})
	})
	return out
}

// appendIndexEntries builds every index entry t needs in buf and calls fn
// with each; it returns the buffer for reuse. The entries' bytes are
// appended, never overwritten, so they stay valid while buf is not reused
// (indexEntries keeps them; Check hashes them and reuses the buffer).
func appendIndexEntries(buf []byte, t *Task, fn func(bucket string, key, value []byte)) []byte {
	if t == nil {
		return buf
	}
	at := len(buf)
	buf = appendTimeKey(buf, t)
	tk := buf[at:len(buf):len(buf)]
	at = len(buf)
	buf = appendSearchValue(buf, t)
	low := buf[at:len(buf):len(buf)]
	at = len(buf)
	buf = appendTimeValue(buf, t, low)
	fn(bTime, tk, buf[at:len(buf):len(buf)])
	fn(bSearch, tk, low)
	if t.TaskID != "" {
		at = len(buf)
		buf = append(append(buf, t.TaskID...), t.LocalID...)
		fn(bTaskID, buf[at:at+len(t.TaskID):at+len(t.TaskID)], buf[at+len(t.TaskID):len(buf):len(buf)])
	}
	if isActive(t.Status) {
		at = len(buf)
		buf = append(buf, t.LocalID...)
		fn(bActive, buf[at:len(buf):len(buf)], []byte{})
	}
	if t.ParentID != "" {
		at = len(buf)
		buf = appendChildKey(buf, t.ParentID, t.LocalID)
		fn(bChildren, buf[at:len(buf):len(buf)], []byte{})
	}
	return buf
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

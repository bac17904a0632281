package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Query selects a page of the history.
type Query struct {
	Statuses []string // empty = all
	Kinds    []string // empty = all
	Limit    int      // default 50
	Cursor   string   // opaque; "" = newest; pages go newest -> oldest
	// Until (opaque, a cursor List returned) ends the page at the entry that
	// cursor names, inclusive, instead of after Limit entries (Limit still
	// caps it). Re-reading a page between its own cursor and the next page's
	// gives the same boundaries as the first read, even if tasks were added
	// since, so a reader that drops pages and reads them again sees no gap
	// and no duplicate. The next cursor returned is then Until itself.
	Until string
	// Rows asks for list rows, not whole tasks: each task holds what a row
	// shows and Row is set (rowfacts.go), read from the indexes without
	// decoding the record. A task whose entry cannot give its row comes
	// whole. The TUI's list reads its pages so; anything that acts on a
	// task reads it whole.
	Rows bool
}

const defaultLimit = 50

// List returns one page of the history, newest first, and the cursor of the
// next page ("" when there is none). It walks the time index backwards from
// the cursor, so a page costs Limit task reads plus the index entries it
// skips for filters, whatever the size of the history.
func (s *Store) List(q Query) ([]Task, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	from, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, "", err
	}
	until, err := decodeCursor(q.Until)
	if err != nil {
		return nil, "", err
	}
	var (
		tasks []Task
		next  string
	)
	err = s.viewKept(func(tx *bolt.Tx) error {
		var err error
		tasks, next, err = listTx(tx, q, limit, from, until)
		return err
	})
	return tasks, next, err
}

// listTx is List inside a read transaction: from and until are decoded
// cursors (nil: none).
func listTx(tx *bolt.Tx, q Query, limit int, from, until []byte) ([]Task, string, error) {
	tasks := make([]Task, 0, min(limit, defaultLimit*2))
	var last []byte // valid until the transaction ends
	recs := recordsOf(tx)
	var (
		texts   *searchTexts
		scratch []byte
	)
	if q.Rows {
		texts = newSearchTexts(tx)
	}
	c := tx.Bucket([]byte(bTime)).Cursor()
	for k, v := startBefore(c, from); k != nil; k, v = c.Prev() {
		if until != nil && bytes.Compare(k, until) < 0 {
			return tasks, encodeCursor(until), nil // the next page starts after until
		}
		status, kind, facts := parseTimeValue(v)
		if !matches(q.Statuses, status) || !matches(q.Kinds, kind) || len(k) <= 8 {
			continue
		}
		if len(tasks) == limit {
			return tasks, encodeCursor(last), nil // peeked one more match: there is a next page
		}
		if texts != nil {
			tasks = append(tasks, Task{})
			if rowInto(&tasks[len(tasks)-1], k, status, kind, facts, texts, &scratch) == nil {
				last = k
				continue
			}
			tasks = tasks[:len(tasks)-1] // no row to be had from the indexes: the record says
		}
		data := recs.get(k[8:])
		if data == nil {
			continue // a dangling entry: 'veox doctor' reports it
		}
		tasks = append(tasks, Task{})
		if err := decodeTaskInto(string(k[8:]), data, &tasks[len(tasks)-1]); err != nil {
			tasks = tasks[:len(tasks)-1]
			continue // a damaged record: 'veox doctor' reports it
		}
		last = k
	}
	return tasks, "", nil
}

func encodeCursor(k []byte) string { return base64.RawURLEncoding.EncodeToString(k) }

// decodeCursor turns an opaque cursor back into a time key; "" is nil.
func decodeCursor(cursor string) ([]byte, error) {
	if cursor == "" {
		return nil, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(k) < 8 {
		return nil, errors.New("store: invalid history cursor")
	}
	return k, nil
}

// startBefore positions c on the newest key strictly older than from (the
// newest key overall when from is nil). The cursor key need not still exist:
// a task deleted between pages does not break paging.
func startBefore(c *bolt.Cursor, from []byte) ([]byte, []byte) {
	if from == nil {
		return c.Last()
	}
	if k, _ := c.Seek(from); k == nil {
		return c.Last()
	}
	return c.Prev()
}

func matches(want []string, got []byte) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if w == string(got) {
			return true
		}
	}
	return false
}

// Active returns the tasks still submitting, running or of unknown fate,
// oldest first. It reads the small active index, never the whole history.
func (s *Store) Active() ([]Task, error) {
	var tasks []Task
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bActive)).ForEach(func(k, _ []byte) error {
			return appendTask(tx, &tasks, string(k))
		})
	})
	sortByCreation(tasks)
	return tasks, err
}

// Children returns the tasks made from the service task taskID (extensions,
// upscales), oldest first. A refused create made nothing from it, so it is
// not among them.
func (s *Store) Children(taskID string) ([]Task, error) {
	var tasks []Task
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		tasks, err = childrenTx(tx, taskID)
		return err
	})
	return tasks, err
}

func childrenTx(tx *bolt.Tx, taskID string) ([]Task, error) {
	var tasks []Task
	if taskID == "" {
		return nil, nil
	}
	prefix := []byte(taskID + "\x00")
	c := tx.Bucket([]byte(bChildren)).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := appendTask(tx, &tasks, string(k[len(prefix):])); err != nil {
			return tasks, err
		}
	}
	tasks = slices.DeleteFunc(tasks, func(t Task) bool { return t.Status == StatusRefused })
	sortByCreation(tasks)
	return tasks, nil
}

// Chain returns the ancestry of a task, root first, ending with the task
// itself. It stops at a parent missing from the history (e.g. made in
// another tool) and at a cycle, which only a damaged history could hold.
func (s *Store) Chain(id string) ([]Task, error) {
	var chain []Task
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		chain, err = chainTx(tx, id)
		return err
	})
	return chain, err
}

func chainTx(tx *bolt.Tx, id string) ([]Task, error) {
	var chain []Task
	localID, err := resolveTx(tx, id)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for !seen[localID] {
		seen[localID] = true
		t, err := loadTx(tx, localID)
		if err != nil {
			return nil, err
		}
		chain = append(chain, *t)
		if t.ParentID == "" {
			break
		}
		parent := tx.Bucket([]byte(bTaskID)).Get([]byte(t.ParentID))
		if parent == nil {
			break
		}
		localID = string(parent)
	}
	slices.Reverse(chain)
	return chain, nil
}

// Family is what the task list shows of a task's lineage, read in one
// unit of work instead of three: its Chain, its Children and the Kept
// marks. The list reads it at every move of the cursor, and opening the
// history costs more than these reads (issue 17: a held key).
func (s *Store) Family(id string) (chain, children []Task, kept map[string]string, err error) {
	err = s.viewKept(func(tx *bolt.Tx) error {
		if chain, err = chainTx(tx, id); err != nil {
			return err
		}
		if children, err = childrenTx(tx, chain[len(chain)-1].TaskID); err != nil {
			return err
		}
		kept = keptTx(tx)
		return nil
	})
	return chain, children, kept, err
}

// Count returns the number of tasks, in total and per status, from the
// counters kept in meta.
func (s *Store) Count() (int, map[string]int, error) {
	var c counts
	err := s.viewKept(func(tx *bolt.Tx) error {
		var err error
		c, err = readCounts(tx)
		return err
	})
	return c.Total, c.ByStatus, err
}

func appendTask(tx *bolt.Tx, tasks *[]Task, localID string) error {
	t, err := loadTx(tx, localID)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		return nil // a dangling entry or a damaged record: skip, doctor reports it
	}
	if err != nil {
		return err
	}
	*tasks = append(*tasks, *t)
	return nil
}

func sortByCreation(tasks []Task) {
	slices.SortStableFunc(tasks, func(a, b Task) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.LocalID, b.LocalID)
	})
}

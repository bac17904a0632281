package store

import (
	bolt "go.etcd.io/bbolt"
)

// Pages are read newest first (List). A reader that jumps to the oldest
// end of the history (the TUI's G) reads the oldest page with Oldest and
// then goes back up with Above, page by page: each costs one page of
// index entries and task reads, whatever the size of the history, and
// both return pages List would have returned, with the same cursors, so
// the reader can mix them with List's.

// Oldest returns the oldest page of the query (up to q.Limit tasks, newest
// first, as List) and the cursor List would read it from: "" when the
// page is also the newest one. q.Cursor and q.Until are ignored.
func (s *Store) Oldest(q Query) ([]Task, string, error) {
	return s.pageAt(q, nil)
}

// Above returns the page just newer than the page that starts at the
// cursor at (a cursor List, Oldest or Above returned as a page's start):
// up to q.Limit tasks, newest first, and the cursor that page starts from
// ("" when it is the newest page). List(Query{Cursor: from, Until: at})
// reads the same page again.
func (s *Store) Above(q Query, at string) ([]Task, string, error) {
	k, err := decodeCursor(at)
	if err != nil || k == nil {
		if err == nil {
			return nil, "", nil // the newest page has nothing above it
		}
		return nil, "", err
	}
	return s.pageAt(q, k)
}

// pageAt reads, in one transaction, the limit matching entries from the
// entry at (inclusive; nil = the oldest) upwards, as a page of List.
func (s *Store) pageAt(q Query, at []byte) ([]Task, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	var (
		tasks []Task
		from  string
	)
	err := s.viewKept(func(tx *bolt.Tx) error {
		start := startAbove(tx, q, at, limit)
		var err error
		if at == nil {
			tasks, _, err = listTx(tx, q, limit, start, nil)
		} else {
			tasks, _, err = listTx(tx, q, limit, start, at)
		}
		if start != nil {
			from = encodeCursor(start)
		}
		return err
	})
	return tasks, from, err
}

// startAbove walks the time index up from at (inclusive; nil = the oldest
// entry) over n matching entries and returns the key of the next match, the
// start of a page holding those n; nil when there are no more (the page
// starts at the newest entry).
func startAbove(tx *bolt.Tx, q Query, at []byte, n int) []byte {
	c := tx.Bucket([]byte(bTime)).Cursor()
	k, v := c.First()
	if at != nil {
		k, v = c.Seek(at)
	}
	seen := 0
	for ; k != nil; k, v = c.Next() {
		status, kind, _ := parseTimeValue(v)
		if len(k) <= 8 || !matches(q.Statuses, status) || !matches(q.Kinds, kind) {
			continue
		}
		if seen == n {
			return append([]byte(nil), k...)
		}
		seen++
	}
	return nil
}

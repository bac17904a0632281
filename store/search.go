package store

import (
	"bytes"
	"context"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ctxEvery is how many entries Search scans between context checks:
// often enough to stop promptly, rarely enough to cost nothing.
const ctxEvery = 1000

// Search returns up to limit tasks (default 50), newest first, whose prompt,
// task id, local id, watermark or seed contains query, ignoring case. It scans the
// compact search index (lowercased text keyed like the time index), so only
// the matches are decoded. An empty query matches everything.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]Task, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	needle := []byte(strings.ToLower(strings.TrimSpace(query)))
	if bytes.IndexByte(needle, 0) >= 0 {
		return nil, nil // NUL separates the indexed fields; no text holds one
	}
	var tasks []Task
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bSearch)).Cursor()
		n := 0
		for k, v := c.Last(); k != nil && len(tasks) < limit; k, v = c.Prev() {
			if n++; n%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(k) <= 8 || !(bytes.Contains(v, needle) || bytes.Contains(k[8:], needle)) {
				continue
			}
			if err := appendTask(tx, &tasks, string(k[8:])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
}

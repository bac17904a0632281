package store

import (
	"bytes"
	"context"
	"os"
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
	var words [][]byte
	if len(needle) > 0 {
		words = [][]byte{needle}
	}
	err := s.viewFile(func(tx *bolt.Tx, file *os.File) error {
		return eachCandidate(tx, file, words, ctx.Err, func(k []byte) (bool, error) {
			if err := appendTask(tx, &tasks, string(k[8:])); err != nil {
				return true, err
			}
			return len(tasks) >= limit, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
}

package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Find is a search of the history: every word somewhere in a task's
// indexed text (prompt, service id, local id, watermark, seeds), in any
// order, and the task's status and kind among those given (empty: any).
// Match, if set, decides on the decoded task (a model, a file on disk): it
// runs only on the tasks the index let through.
type Find struct {
	Words    []string
	Statuses []string
	Kinds    []string
	Match    func(*Task) bool
}

// Find returns up to limit tasks (default 50), newest first, that f
// accepts. Words are compared ignoring case. It scans the compact search
// index and reads status and kind from the time index under the same
// key, so only candidates are decoded; ctx stops a scan no longer wanted.
func (s *Store) Find(ctx context.Context, f Find, limit int) ([]Task, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	words := make([][]byte, 0, len(f.Words))
	for _, w := range f.Words {
		w = strings.ToLower(strings.TrimSpace(w))
		if strings.IndexByte(w, 0) >= 0 {
			return nil, nil // NUL separates the indexed fields; no text holds one
		}
		if w != "" {
			words = append(words, []byte(w))
		}
	}
	var tasks []Task
	err := s.viewFile(func(tx *bolt.Tx, file *os.File) error {
		times := tx.Bucket([]byte(bTime))
		return eachCandidate(tx, file, words, ctx.Err, func(k []byte) (bool, error) {
			if len(f.Statuses) > 0 || len(f.Kinds) > 0 {
				status, kind, _ := parseTimeValue(times.Get(k))
				if !matches(f.Statuses, status) || !matches(f.Kinds, kind) {
					return false, nil
				}
			}
			t, err := loadTx(tx, string(k[8:]))
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
				return false, nil // a dangling entry or a damaged record: 'veox doctor' reports it
			}
			if err != nil {
				return true, err
			}
			if f.Match == nil || f.Match(t) {
				tasks = append(tasks, *t)
			}
			return len(tasks) >= limit, nil
		})
	})
	return tasks, err
}

// holdsAll: each word is in the indexed text or the local id.
func holdsAll(text, localID []byte, words [][]byte) bool {
	for _, w := range words {
		if !bytes.Contains(text, w) && !bytes.Contains(localID, w) {
			return false
		}
	}
	return true
}

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openReadOnly opens the file with a shared lock. bbolt's writer holds an
// exclusive lock for as long as it runs, so while another veox is open a
// shared lock is never granted; ErrLocked's message promises --read-only
// works then, so we browse a consistent copy of the file instead.
func (s *Store) openReadOnly(timeout time.Duration) error {
	if _, err := os.Stat(s.path); err != nil {
		return fmt.Errorf("open history read-only: %w", err)
	}
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return s.openSnapshot(timeout)
	}
	if err != nil {
		return s.openError(err)
	}
	s.db = db
	return s.checkReadable()
}

func (s *Store) openSnapshot(timeout time.Duration) error {
	tmp, err := snapshotCopy(s.path)
	if err != nil {
		return newUserError(fmt.Sprintf("another veox is writing %s and no stable copy could be taken: close it and try again", s.path), ErrLocked, err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		_ = os.Remove(tmp)
		return s.openError(err)
	}
	s.db, s.snapshot = db, tmp
	if err := s.checkReadable(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// checkReadable refuses files a read-only store cannot serve: it cannot
// migrate, so the schema must be exactly the current one.
func (s *Store) checkReadable() error {
	state, version, err := s.inspect()
	if err == nil {
		switch {
		case state != stateVersion:
			err = s.corrupt(errors.New("no veox buckets"))
		case version > currentSchema:
			err = newUserError(fmt.Sprintf("%s was written by a newer veox (schema v%d): upgrade veox", s.path, version), ErrTooNew)
		case version < currentSchema:
			err = fmt.Errorf("%s uses schema v%d and must be upgraded: open it once without --read-only", s.path, version)
		}
	}
	if err != nil {
		_ = s.db.Close()
	}
	return err
}

// snapshotCopy copies the file while no commit touches it: bbolt writes data
// pages, then a meta page, so a copy during which size and mtime did not
// change holds a complete, consistent tree. Retries a few times.
func snapshotCopy(path string) (string, error) {
	var lastErr error = errors.New("the file kept changing while it was copied")
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		tmp, stable, err := copyOnce(path)
		if err != nil {
			lastErr = err
			continue
		}
		if stable {
			return tmp, nil
		}
		_ = os.Remove(tmp)
	}
	return "", lastErr
}

func copyOnce(path string) (tmp string, stable bool, err error) {
	before, err := os.Stat(path)
	if err != nil {
		return "", false, err
	}
	src, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer src.Close()
	dst, err := os.CreateTemp("", "veox-snapshot-*.db") // 0600
	if err != nil {
		return "", false, err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst.Name())
		return "", false, err
	}
	after, err := os.Stat(path)
	if err != nil {
		_ = os.Remove(dst.Name())
		return "", false, err
	}
	stable = before.Size() == after.Size() && before.ModTime().Equal(after.ModTime())
	return dst.Name(), stable, nil
}

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A create is recorded as a "submitting" intent before it is sent. When a
// veox stops while sending, the intent stays behind and the next veox
// turns it into "unknown" (it may exist and be billed). With many veox on
// one history, a "submitting" intent may also be another veox's create
// that is on its way right now. The sender claims its intent with a lock
// on a small file beside the history; the kernel drops the lock when the
// sender ends, however it ends, so "claimed" means exactly "a live veox is
// sending it".

// ClaimIntent marks this process as the sender of localID's create until
// release is called (or the process ends). Claim before recording the
// intent, release after recording the outcome.
func (s *Store) ClaimIntent(localID string) (release func(), err error) {
	path, err := s.intentPath(localID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("claim the create: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("claim the create: %w", err)
	}
	if !tryLock(f) {
		f.Close()
		return nil, fmt.Errorf("claim the create: %s is already being sent by another veox", localID)
	}
	return func() {
		_ = os.Remove(path) // while still locked: nobody can mistake it for a dead claim
		f.Close()
	}, nil
}

// IntentClaimed reports whether a running veox is sending localID's
// create right now.
func (s *Store) IntentClaimed(localID string) bool {
	path, err := s.intentPath(localID)
	if err != nil {
		return false
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return false
	}
	defer f.Close()
	if !tryLock(f) {
		return true
	}
	_ = os.Remove(path) // a claim its sender left behind
	return false
}

func (s *Store) intentPath(localID string) (string, error) {
	if localID == "" || len(localID) > 64 {
		return "", fmt.Errorf("store: bad local id %q", localID)
	}
	for _, c := range localID {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "", fmt.Errorf("store: bad local id %q", localID)
		}
	}
	return filepath.Join(s.path+".sending", localID), nil
}

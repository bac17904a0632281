//go:build unix

package store

import (
	"errors"
	"os"
	"time"

	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/unix"
)

// canKeepMapping: a kept database holds no lock between reads, since the
// store takes and drops the flock itself (kept.go).
const canKeepMapping = true

// lockFile takes the flock bbolt takes (exclusive for a writer, shared for
// a reader), waiting until deadline. It polls because flock cannot wait
// with a timeout; the first waits are short so a unit of work that queues
// behind another one (a few milliseconds) starts right after it.
func lockFile(f *os.File, exclusive bool, deadline time.Time) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	wait := 500 * time.Microsecond
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return berrors.ErrTimeout
		}
		time.Sleep(min(wait, left))
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// tryLock takes an exclusive flock on f without waiting.
func tryLock(f *os.File) bool {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

// unlockFile drops the flock taken on f by lockFile; f stays open.
func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

//go:build unix

package download

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// tryLock takes an exclusive flock on f without waiting. flock belongs to
// the open file, so it also keeps two downloads in one process apart, and
// the kernel drops it when the process dies: a killed veox never leaves a
// stale lock.
func tryLock(f partFile) (bool, error) {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return true, nil // a test's stand-in file
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	var lockErr error
	if err := rc.Control(func(fd uintptr) {
		lockErr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
	}); err != nil {
		return false, err
	}
	if errors.Is(lockErr, unix.EWOULDBLOCK) {
		return false, nil
	}
	return lockErr == nil, lockErr
}

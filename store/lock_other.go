//go:build !unix

package store

import (
	"os"
	"time"
)

// canKeepMapping: bbolt holds its own lock for as long as a database is
// open here, so a kept one would shut writers out (kept.go).
const canKeepMapping = false

// lockFile leaves locking to bbolt (which waits up to Options.Timeout)
// where flock is not available.
func lockFile(*os.File, bool, time.Time) error { return nil }

// unlockFile: there is no lock of our own to drop.
func unlockFile(*os.File) error { return nil }

// tryLock cannot tell without flock: nothing counts as claimed.
func tryLock(*os.File) bool { return true }

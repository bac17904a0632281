//go:build linux

package store

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// dropMapped tells the kernel this process is done with the pages of the
// transaction's memory map it touched, so they leave its resident set
// (they stay in the page cache). Units of work unmap the file when they
// end; this is for the one transaction that reads a whole history at once,
// an upgrade's copy, which would otherwise end with all of it resident.
// bbolt maps the file read-only and shared, so nothing is lost; it only
// re-maps under a lock that open transactions hold, so the address and
// length are the live mapping's. The address comes from bbolt as a
// uintptr, so a raw system call avoids building a slice over memory Go
// does not own.
func dropMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
}

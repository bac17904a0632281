//go:build linux

package store

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// dropMapped tells the kernel we are done with the file pages of the
// database's memory map, so they leave our resident set (they stay in the
// page cache, and a later read faults them back in). bbolt maps the file
// PROT_READ and MAP_SHARED, so nothing is lost. It must run inside a
// transaction: bbolt only re-maps the file under a lock that open
// transactions hold, so the address and length are the live mapping's.
// tx.Size is the part of the file this transaction can see, which the
// mapping always covers. The address comes from bbolt as a uintptr, so a
// raw syscall avoids building a slice over memory Go does not own.
func dropMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
}

//go:build unix

package store

import (
	"os"
	"syscall"
)

// fileStamp is the stamp of the open file f in state txid.
func fileStamp(f *os.File, txid uint64) (stamp, bool) {
	info, err := f.Stat()
	if err != nil {
		return stamp{}, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, false
	}
	return stamp{dev: uint64(st.Dev), ino: st.Ino, txid: txid}, true
}

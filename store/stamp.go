package store

import (
	"fmt"
	"os"
)

// Walking the whole file before use (verify.go) costs about a tenth of a
// second at 100,000 tasks: too much for every 'veox status' a script runs.
// So a veox that walked the file leaves a stamp beside it — which file
// (device and inode) in which state (transaction id) it found sound — and
// the next veox that finds the file in that state skips the walk. A
// commit by veox turns a sound tree into a sound tree (bbolt's own
// guarantee), so each veox that writes, having found the stamp naming the
// state it wrote over, moves the stamp to the state it wrote. A file
// changed any other way (replaced, restored from a copy, written by
// another program, cut short) no longer matches, and is walked again. What
// the stamp cannot see is damage that leaves the header as it was (a disk
// corrupting a page in place): the transactions' fault and panic guard
// turns that into ErrCorrupt instead of a crash, and 'veox doctor' always
// walks.

// stamp names a file and one of its states.
type stamp struct {
	dev, ino uint64
	txid     uint64
}

func (s *Store) stampPath() string { return s.path + ".verified" }

// readStamp reads the stamp left beside the history, if any.
func (s *Store) readStamp() (stamp, bool) {
	b, err := os.ReadFile(s.stampPath())
	if err != nil {
		return stamp{}, false
	}
	var st stamp
	if _, err := fmt.Sscanf(string(b), "veox verified %d %d %d\n", &st.dev, &st.ino, &st.txid); err != nil {
		return stamp{}, false
	}
	return st, true
}

// writeStamp replaces the stamp atomically (a temp file renamed over it):
// readers never see half of one. A stamp that cannot be written costs the
// next veox a walk, nothing more.
func (s *Store) writeStamp(st stamp) {
	tmp := fmt.Sprintf("%s.%d", s.stampPath(), os.Getpid())
	data := fmt.Sprintf("veox verified %d %d %d\n", st.dev, st.ino, st.txid)
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		return
	}
	if err := os.Rename(tmp, s.stampPath()); err != nil {
		_ = os.Remove(tmp)
	}
}

// advanceStamp runs after this veox committed transaction txid to the file
// f: if the stamp named the state it wrote over, it now names the new one.
// The write lock is still held, so no other veox moves the stamp meanwhile.
func (s *Store) advanceStamp(f *os.File, txid uint64) {
	before, ok := fileStamp(f, txid-1)
	if !ok {
		return
	}
	if cur, ok := s.readStamp(); ok && cur == before {
		before.txid = txid
		s.writeStamp(before)
	}
}

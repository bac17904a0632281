package store

import (
	"errors"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The mapping kept between the list's small reads (issue 17).
//
// A unit of work maps the file afresh, so every page of the file it reads
// is faulted in again. At 100,000 tasks a page of the list touches about
// 20 pages of the file, and a fault costs 15-20 µs on the machines
// measured: most of what a held page key cost above a short history. A
// screen that reads small pieces often (the TUI's list: pages, counts, the
// selected task's family) asks the store to keep one read-only database
// open between them (KeepMapping). What is kept is the mapping, with the
// pages earlier reads faulted in; the lock is not kept. Measured with the
// list's deep pages at 100,000 tasks: 1.25 ms and 19 faults a page read
// afresh, 0.64 ms and 3 faults through the kept mapping.
//
// Why it is as safe as a fresh unit:
//   - A kept read takes the shared lock on the kept descriptor for its
//     transaction and lets it go after, as a fresh unit's open and close
//     do; between reads no lock is held, and other veox write as before.
//   - bbolt reads the meta pages through the mapping at each Begin, and the
//     mapping is shared with the page cache: a read sees the last commit
//     of any process, as a fresh open does.
//   - Before a read, the path must still name the kept file (a repair or an
//     upgrade puts another in its place), and the pages the meta counts
//     must lie within both the file and the mapping (another veox grew the
//     file past it). Otherwise the kept database is dropped and the read
//     runs as a fresh unit, whose checks report damage as they always did.
//   - One goroutine uses it at a time; another read runs as its own unit.
//
// What it costs: the pages read stay resident (file pages, shared with the
// page cache) until the mapping is dropped, after keptIdle without a kept
// read or keptUses reads, whichever comes first; a scan of the whole
// history never goes through it.

const (
	keptIdle = time.Second
	keptUses = 256
	// keptHeadroom is mapped past the file's end, so a history that grows
	// (a megabyte at a time: allocSize) stays within the mapping for a while.
	keptHeadroom = 64 << 20
)

// errKeptStale: the kept mapping no longer covers what the meta counts.
var errKeptStale = errors.New("the kept mapping no longer covers the history")

type kept struct {
	mu     sync.Mutex // held for a kept read; a read that finds it taken opens its own unit
	on     bool
	h      *handle // nil until a read opens it, and after a drop
	mapped int64   // bytes bbolt mapped, at least
	size   int64   // the file's size, as the current read found it
	uses   int
	last   time.Time
	idle   *time.Timer
	// headroom overrides keptHeadroom (tests: a history that outgrows
	// its mapping); zero: the default.
	headroom int64
}

// KeepMapping makes List, Count and Family share one read-only mapping of
// the file between calls (see above). Close ends it.
func (s *Store) KeepMapping() {
	s.kept.mu.Lock()
	defer s.kept.mu.Unlock()
	s.kept.on = canKeepMapping && !s.closed.Load()
}

// stopKeeping drops the kept mapping for good (Close).
func (s *Store) stopKeeping() {
	s.kept.mu.Lock()
	defer s.kept.mu.Unlock()
	s.kept.on = false
	s.dropKept()
}

// viewKept is view through the kept mapping when there is one to use.
func (s *Store) viewKept(fn func(*bolt.Tx) error) error {
	if !s.kept.mu.TryLock() {
		return s.view(fn)
	}
	done, err := s.keptView(fn)
	s.kept.mu.Unlock()
	if done {
		return err
	}
	return s.view(fn)
}

// keptView runs fn in a read transaction of the kept database, opening it
// if needed; done is false when it could not and fn did not run. The
// caller holds kept.mu.
func (s *Store) keptView(fn func(*bolt.Tx) error) (done bool, err error) {
	k := &s.kept
	if !k.on || s.held != nil || s.closed.Load() {
		return false, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.lockKept(); err != nil {
		s.dropKept()
		if errors.Is(err, ErrLocked) {
			return true, err // busy: a unit of its own would wait as long again
		}
		return false, nil // replaced, gone or damaged: a unit of its own says what
	}
	ran := false
	err = k.h.run(false, func(tx *bolt.Tx) error {
		if n := tx.Size(); n > k.size || n > k.mapped {
			return errKeptStale
		}
		ran = true
		return fn(tx)
	}, new(uint64))
	if uerr := unlockFile(k.h.file); uerr != nil || k.h.broken || !ran {
		s.dropKept()
	}
	if !ran {
		return false, nil // stale or unreadable meta: a unit of its own checks the file
	}
	s.usedKept()
	return true, err
}

// lockKept takes the shared lock for a kept read: on the kept descriptor,
// or on a newly opened database (which then is kept).
func (s *Store) lockKept() error {
	k := &s.kept
	if k.h == nil {
		return s.openKept()
	}
	if err := lockFile(k.h.file, false, time.Now().Add(s.timeout)); err != nil {
		return s.openError(err)
	}
	size, err := sizeIfStillAt(k.h.file, s.path)
	if err != nil {
		unlockFile(k.h.file)
		return err
	}
	k.size = size
	return nil
}

// openKept opens the database to keep, its shared lock taken.
func (s *Store) openKept() error {
	k := &s.kept
	f, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	room := int64(keptHeadroom)
	if k.headroom > 0 {
		room = k.headroom
	}
	mmap := f.Size() + room
	h, err := s.openHandle(false, false, int(mmap))
	if err != nil {
		return err
	}
	size, err := sizeIfStillAt(h.file, s.path)
	if err != nil {
		h.close()
		return err
	}
	k.h, k.mapped, k.size, k.uses = h, max(mmap, size), size, 0
	return nil
}

// usedKept counts a kept read and arms the idle drop.
func (s *Store) usedKept() {
	k := &s.kept
	k.uses++
	k.last = time.Now()
	if k.uses >= keptUses {
		s.dropKept()
		return
	}
	if k.idle == nil {
		k.idle = time.AfterFunc(keptIdle, s.idleKept)
		return
	}
	k.idle.Reset(keptIdle)
}

// idleKept drops the mapping after keptIdle without a kept read.
func (s *Store) idleKept() {
	k := &s.kept
	k.mu.Lock()
	defer k.mu.Unlock()
	if left := keptIdle - time.Since(k.last); left > 0 && k.h != nil {
		k.idle.Reset(left) // a read came as the timer fired
		return
	}
	s.dropKept()
}

// dropKept closes the kept database, unmapping the file. The caller holds
// kept.mu.
func (s *Store) dropKept() {
	k := &s.kept
	if k.idle != nil {
		k.idle.Stop()
	}
	if k.h == nil {
		return
	}
	_ = k.h.close() // read-only: nothing written through it can be lost
	k.h = nil
}

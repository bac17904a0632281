package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// A unit of work opens the file, runs one bbolt transaction and closes the
// file again, so the lock is held only while something is read or written
// and any number of veox can share one history with full rights.
//
// Why not keep the database open: bbolt takes an flock for as long as a
// *bolt.DB is open (exclusive for a writer, shared for a reader, and a
// writer waits for every reader), and cannot drop and retake it. So a
// process that keeps it open shuts every other veox out. Opening per unit
// of work costs a handful of system calls (open, flock, two or three
// pread of header pages, mmap, munmap, close) — tens of microseconds, the
// same at 100 and 100,000 tasks, because the file is mapped, not read —
// and the page cache keeps the file warm between units. A write also
// reads the freelist page and pays the fsync it always paid. Measured in
// bench_test.go (BenchmarkUnitOfWork) against a database held open.
//
// Unmapping at the end of each unit also returns the mapped pages to the
// kernel, so a long scan leaves nothing resident behind it. The TUI's
// small, frequent reads keep one mapping instead (kept.go), still taking
// and dropping the lock for each.

// view runs fn in a read transaction (a shared lock: readers never wait
// for each other, only for a writer).
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.unit(false, false, fn)
}

// update runs fn in a write transaction and commits it unless fn fails.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if err := s.writable(); err != nil {
		return err
	}
	return s.unit(true, false, fn)
}

// updateCreate is update that may create the file: only Open does that, so
// a history deleted under a running veox is reported, not silently
// replaced by an empty one.
func (s *Store) updateCreate(fn func(*bolt.Tx) error) error {
	return s.unit(true, true, fn)
}

func (s *Store) unit(write, create bool, fn func(*bolt.Tx) error) error {
	return s.unitWith(write, create, func(tx *bolt.Tx, _ *os.File) error { return fn(tx) })
}

// viewFile is view that also hands fn the unit's open file (nil when
// there is none), for reads that pread large values instead of faulting
// in their pages (searchpack.go).
func (s *Store) viewFile(fn func(*bolt.Tx, *os.File) error) error {
	return s.unitWith(false, false, fn)
}

func (s *Store) unitWith(write, create bool, fnf func(*bolt.Tx, *os.File) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if write {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	if s.held != nil {
		return (&handle{db: s.held}).run(write, func(tx *bolt.Tx) error { return fnf(tx, nil) }, new(uint64))
	}
	h, err := s.openHandle(write, create, 0)
	if err != nil {
		return err
	}
	var committed uint64
	err = h.run(write, func(tx *bolt.Tx) error { return fnf(tx, h.file) }, &committed)
	if committed != 0 {
		s.commits.Add(1)
		s.advanceStamp(h.file, committed)
	}
	if cerr := h.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close history: %w", cerr)
	}
	return err
}

// handle is one unit of work's open database.
type handle struct {
	db   *bolt.DB
	file *os.File // the descriptor bbolt uses: closing it releases the lock
	// broken: a transaction panicked and could not be rolled back, so
	// bbolt's own Close could wait on a lock the panic left held.
	broken bool
}

// allocSize is how far ahead of its data the file grows. bbolt's default
// (16 MB) was a tenth of a 100,000-task history kept empty at its end; a
// history grows by about 1.5 KB a task, so growing 1 MB at a time costs one
// extra fsync every few hundred tasks.
const allocSize = 1 << 20

// errReplaced: the path names another file than the one we locked (a
// repair or an upgrade put a new file in its place while we waited).
var errReplaced = errors.New("history file was replaced while waiting for it")

// maxReopen bounds how often a unit of work follows a replaced file.
const maxReopen = 5

// openHandle opens the file for one unit of work, its lock taken; mmap is
// the least bbolt maps (0: the file's size).
func (s *Store) openHandle(write, create bool, mmap int) (*handle, error) {
	deadline := time.Now().Add(s.timeout)
	for attempt := 0; ; attempt++ {
		h := &handle{}
		db, err := openGuarded(s.path, h, &bolt.Options{
			ReadOnly:        !write,
			Timeout:         s.timeout, // the lock is ours already; see lockedFile
			NoSync:          s.noSync,
			InitialMmapSize: mmap,
			OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
				if !create {
					flag &^= os.O_CREATE
				}
				f, err := lockedFile(name, flag, mode, write, create, deadline)
				h.file = f
				return f, err
			},
		})
		if errors.Is(err, errReplaced) && attempt < maxReopen {
			continue
		}
		if err != nil {
			return nil, s.openError(err)
		}
		db.AllocSize = allocSize
		h.db = db
		return h, nil
	}
}

// openGuarded is bolt.Open that survives a panic or fault on a damaged
// file: bbolt reads the freelist while opening for writing. The lock is
// released by closing our descriptor.
func openGuarded(path string, h *handle, o *bolt.Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, panicError(r)
			if h.file != nil {
				h.file.Close()
			}
		}
	}()
	return bolt.Open(path, 0o600, o)
}

// lockedFile opens the file and takes the lock bbolt would take, but with a
// short backoff instead of bbolt's fixed 50 ms polls, then checks that the
// path still names this file and that its header pages are sound before
// bbolt maps it (bbolt trusts the header: a file shorter than the header
// says would crash it on the first read). bbolt's own flock on the same
// descriptor then succeeds at once.
func lockedFile(name string, flag int, mode os.FileMode, exclusive, create bool, deadline time.Time) (*os.File, error) {
	f, err := lockOnly(name, flag, mode, exclusive, deadline)
	if err != nil {
		return nil, err
	}
	if err := preflight(f, exclusive, create); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// lockOnly opens the file and takes its lock, checking that the path
// still names it; nothing of its content is looked at.
func lockOnly(name string, flag int, mode os.FileMode, exclusive bool, deadline time.Time) (*os.File, error) {
	f, err := os.OpenFile(name, flag, mode)
	if err != nil {
		return nil, err
	}
	err = lockFile(f, exclusive, deadline)
	if err == nil {
		err = stillAt(f, name)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// stillAt reports errReplaced when name no longer refers to f.
func stillAt(f *os.File, name string) error {
	_, err := sizeIfStillAt(f, name)
	return err
}

// sizeIfStillAt is f's size, or errReplaced when name no longer refers to
// f (a kept read checks both at once: kept.go).
func sizeIfStillAt(f *os.File, name string) (int64, error) {
	held, err := f.Stat()
	if err != nil {
		return 0, err
	}
	now, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errReplaced
	}
	if err != nil {
		return 0, err
	}
	if !os.SameFile(held, now) {
		return 0, errReplaced
	}
	return held.Size(), nil
}

// openError turns open failures into errors a user can act on.
func (s *Store) openError(err error) error {
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return newUserError(fmt.Sprintf("another veox kept %s busy for over %v: nothing was changed, try again", s.path, s.timeout), ErrLocked, err)
	case errors.Is(err, ErrCorrupt):
		return s.corrupt(err)
	case errors.Is(err, errReplaced):
		return fmt.Errorf("open history %s: %w", s.path, err)
	case errors.As(err, &pathErr):
		// The file system refused (missing, permissions, a folder): not
		// damage, and 'veox doctor' could not help.
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("open history: %s no longer exists (moved or deleted while veox ran): %w", s.path, err)
		}
		return fmt.Errorf("open history: %w", err)
	default:
		return s.corrupt(err)
	}
}

// run runs fn in one transaction. A damaged page can make bbolt panic or
// fault (it reads the mapped file through raw pointers): SetPanicOnFault
// turns a fault in this goroutine into a panic, and the recover turns any
// panic into ErrCorrupt, so a damaged history never takes veox down.
func (h *handle) run(write bool, fn func(*bolt.Tx) error, committed *uint64) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	tx, err := beginGuarded(h.db, write)
	if err != nil {
		h.broken = errors.Is(err, ErrCorrupt)
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
			if !rollbackGuarded(tx) {
				h.broken = true
			}
		}
	}()
	if err := fn(tx); err != nil || !write {
		if rerr := tx.Rollback(); err == nil {
			err = rerr
		}
		if errors.Is(err, errNothingChanged) {
			return nil // rolled back: the file was not touched
		}
		return err
	}
	id := uint64(tx.ID())
	if err := tx.Commit(); err != nil {
		return err
	}
	*committed = id
	return nil
}

func beginGuarded(db *bolt.DB, write bool) (tx *bolt.Tx, err error) {
	defer func() {
		if r := recover(); r != nil {
			tx, err = nil, panicError(r)
		}
	}()
	return db.Begin(write)
}

func rollbackGuarded(tx *bolt.Tx) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = tx.Rollback()
	return true
}

func panicError(r any) error {
	return fmt.Errorf("%w: reading the file failed: %v", ErrCorrupt, r)
}

func (h *handle) close() (err error) {
	if h.broken {
		return h.file.Close()
	}
	defer func() {
		if r := recover(); r != nil {
			err = h.file.Close()
		}
	}()
	return h.db.Close()
}

// verify walks the whole file (verify.go) under a shared lock, so no
// writer reuses pages while they are read. Open runs it once (and skips it
// when a stamp says the file is in a state found sound: stamp.go); from
// then on the file changes only by veox's own commits. full always walks.
func (s *Store) verify(full bool) error {
	f, err := s.lockShared()
	if err != nil {
		return err
	}
	defer f.Close()
	return s.verifyLocked(f, full)
}

// lockShared opens the file read-only under a shared lock, following a
// file put in its place while it waited (errReplaced) a few times.
func (s *Store) lockShared() (*os.File, error) {
	deadline := time.Now().Add(s.timeout)
	for attempt := 0; ; attempt++ {
		f, err := lockedFile(s.path, os.O_RDONLY, 0, false, false, deadline)
		if errors.Is(err, errReplaced) && attempt < maxReopen {
			continue
		}
		if err != nil {
			return nil, s.openError(err)
		}
		return f, nil
	}
}

// verifyLocked walks the file f (locked), unless the stamp says a veox
// found it sound in its current state (stamp.go), and stamps it if sound.
func (s *Store) verifyLocked(f *os.File, full bool) error {
	_, _, err := s.walkLocked(f, full, false)
	return err
}

// walkLocked is verifyLocked that also hands back what the walk found and
// the pages the scan noted (both nil when the stamp spared the walk), for
// Check to read the records from the leaves the walk reached; sums asks
// for the leaves' hashes (fileScan.sums).
func (s *Store) walkLocked(f *os.File, full, sums bool) (*treeReport, *fileScan, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	m, err := readMeta(f, info.Size())
	if err != nil {
		return nil, nil, s.corrupt(err)
	}
	now, ok := fileStamp(f, m.txid)
	if st, found := s.readStamp(); ok && found && st == now && !full {
		return nil, nil, nil
	}
	s.walks.Add(1)
	r, scan := verifyReader(f, info.Size(), nil, sums)
	if err := r.err(); err != nil {
		return nil, nil, s.corrupt(err)
	}
	if ok && !s.readOnly {
		s.writeStamp(now)
	}
	return r, scan, nil
}

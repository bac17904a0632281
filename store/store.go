// Package store keeps veox's history in a bbolt file: tasks, the indexes
// that let the TUI page and search a large history without reading all of
// it, the composer's recent prompts and the schema version.
//
// Many veox share one history (a TUI open all day, scripts, the callback
// receiver), each with full rights. bbolt lets one process hold a file at a
// time, so a Store holds it only for the moment of each unit of work: every
// method opens the file, runs one transaction and closes it again (see
// unit.go for what that costs and why it is the right trade). A write waits
// at most Options.Timeout (1 s) for another veox's unit of work; a unit of
// work is one bbolt transaction, so nobody ever sees half a change.
package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors. Callers test them with errors.Is; the errors actually
// returned carry the path and a sentence a user can act on.
var (
	// ErrNotFound: the task is not in the history.
	ErrNotFound = errors.New("task not in history")
	// ErrLocked: another veox kept the history busy for longer than a unit
	// of work may wait (Options.Timeout). Nothing was changed; try again.
	ErrLocked = errors.New("history database is busy in another veox")
	// ErrReadOnly: a write was attempted on a history that cannot be
	// written (read-only media, or opened read-only on purpose).
	ErrReadOnly = errors.New("history is open read-only")
	// ErrCorrupt: the file is not a valid veox database, or part of it is
	// damaged.
	ErrCorrupt = errors.New("history database is damaged or not a veox database: run 'veox doctor'")
	// ErrTooNew: the file was written by a newer veox whose schema this one
	// does not know; writing to it could lose data.
	ErrTooNew = errors.New("history database was written by a newer veox")
	// ErrDuplicateTaskID: a service task id already belongs to another
	// history entry. Refused because Get by task id must be unambiguous.
	ErrDuplicateTaskID = errors.New("task id already belongs to another history entry")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("history store is closed")
)

// Bucket names and meta keys. Strings, not []byte vars, so nothing mutable
// lives at package level.
const (
	bTasks    = "tasks"    // localID -> Task JSON
	bTime     = "time"     // be64(createdAt) + localID -> status \0 kind
	bTaskID   = "taskid"   // service task id -> localID
	bActive   = "active"   // localID -> empty (submitting, running, unknown)
	bChildren = "children" // parentTaskID \0 localID -> empty
	bSearch   = "search"   // time key -> lowercased prompt \0 taskID \0 watermark \0 seeds
	bPrompts  = "prompts"  // be64(sequence) -> prompt JSON string
	bChanges  = "changes"  // be64(sequence) -> localID: the change log (changes.go)
	bStories  = "stories"  // story id -> Story JSON (story.go)
	bKept     = "kept"     // parent service task id -> local id of the kept child (story.go)
	bMeta     = "meta"     // version, app, counts

	metaVersion = "version"
	metaApp     = "app"
	metaCounts  = "counts"
	appMagic    = "veox"
)

func allBuckets() []string {
	return []string{bTasks, bTime, bTaskID, bActive, bChildren, bSearch, bPrompts, bChanges, bStories, bKept, bMeta}
}

// Options configure Open.
type Options struct {
	// ReadOnly never writes the file. A history on read-only media (or one
	// the user may not write) is opened this way by itself.
	ReadOnly bool
	Timeout  time.Duration    // how long a unit of work waits for another veox; default 1s
	Now      func() time.Time // default time.Now
	// NoSync skips fsync on commit. For tests whose subject is not
	// durability: a crash can lose the last writes. Never in veox itself.
	NoSync bool
	// Upgrading, if set, is told before an older history is upgraded to
	// this veox's schema: the file is rewritten (seconds at 100,000 tasks)
	// and the old one kept at backup.
	Upgrading func(from, to int, backup string)
}

// Store is the history. Its methods are safe for concurrent use, within
// one process and across processes.
type Store struct {
	path     string
	readOnly bool
	roReason string // why the history cannot be written, when readOnly
	timeout  time.Duration
	noSync   bool
	now      func() time.Time
	// upgrading is Options.Upgrading.
	upgrading func(from, to int, backup string)

	// mu orders this process's own units of work: readers share, a writer
	// is alone. The file lock (flock) is per open file, so without it two
	// goroutines of one veox would wait for each other by polling like two
	// processes do.
	mu sync.RWMutex

	idMu   sync.Mutex
	lastID int64 // last unix-nano used by NewLocalID, so ids stay unique and ordered

	// group lets concurrent Updates share one write transaction (update.go).
	group groupCommit

	closed  atomic.Bool
	walks   atomic.Int64 // whole-file walks done (tests see the stamp work)
	commits atomic.Int64 // write transactions committed (tests count fsyncs)

	// held is set only by BenchmarkUnitOfWork, to measure the design this
	// one replaced (one database held open for the whole run) in the same
	// run. Nothing else ever sets it.
	held *bolt.DB

	// kept is the mapping the list's small reads share (kept.go).
	kept kept

	// packSizes overrides the search pack's sizes (tests); zero: the defaults.
	packSizes packLimits

	// checkWalked, if set (tests only), runs in each pass of Check after
	// what it reads under the walk's lock, before the other leaves are
	// read; held says the pass still holds the shared lock.
	checkWalked func(held bool)
	// checkHold overrides checkHold (tests); zero: the default.
	checkHold time.Duration
}

// userError carries a sentence for the user while still matching the
// sentinel (and the underlying cause) with errors.Is.
type userError struct {
	msg  string
	errs []error
}

func (e *userError) Error() string   { return e.msg }
func (e *userError) Unwrap() []error { return e.errs }

func newUserError(msg string, errs ...error) error {
	return &userError{msg: msg, errs: errs}
}

// Open checks the history at path, creating it if needed and upgrading an
// older schema, and returns a Store that opens the file again for each
// unit of work. It holds no lock between calls (and nothing open, unless
// KeepMapping asks it to keep a mapping: kept.go).
func Open(path string, o Options) (*Store, error) {
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: abs, readOnly: o.ReadOnly, timeout: o.Timeout, noSync: o.NoSync, now: o.Now, upgrading: o.Upgrading}
	if o.ReadOnly {
		s.roReason = "opened read-only"
		return s, s.openExisting()
	}
	if err := s.prepareFile(); err != nil {
		return nil, err
	}
	if err := s.maybeSeal(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareFile makes sure the folder and file exist with private modes, and
// that the file holds the current schema. A file veox may not write (read-
// only media, another user's history) is browsed read-only instead.
func (s *Store) prepareFile() error {
	info, statErr := os.Stat(s.path)
	if statErr == nil && !info.Mode().IsRegular() {
		return fmt.Errorf("open history: %s is not a file", s.path)
	}
	if statErr == nil && cannotWrite(s.path) {
		s.readOnly, s.roReason = true, "the history file cannot be written (read-only media or permissions)"
		return s.openExisting()
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create the history folder: %w", err)
	}
	// The history holds prompts and result URLs: private to the user even if
	// an older version or a copy left it world-readable.
	if statErr == nil && info.Mode().Perm() != 0o600 {
		if err := os.Chmod(s.path, 0o600); err != nil {
			return fmt.Errorf("restrict %s to its owner: %w", s.path, err)
		}
	}
	if statErr == nil && info.Size() > 0 {
		// The common case: an existing history. A shared look first, so
		// opening never takes the write lock unless there is work to do.
		if err := s.verify(false); err != nil {
			return err
		}
		state, version, err := s.inspect()
		if err != nil {
			return err
		}
		if state == stateVersion && version == currentSchema {
			return nil
		}
	}
	return s.initOrMigrate()
}

// cannotWrite reports whether the file is on read-only media or not
// writable by this user. Anything else (a missing file, a lock) is not
// decided here.
func cannotWrite(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err == nil {
		f.Close()
		return false
	}
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}

// openExisting serves a history that will not be written: it must exist
// and hold exactly the current schema (it cannot be upgraded).
func (s *Store) openExisting() error {
	if _, err := os.Stat(s.path); err != nil {
		return fmt.Errorf("open history read-only: %w", err)
	}
	if err := s.verify(false); err != nil {
		return err
	}
	state, version, err := s.inspect()
	switch {
	case err != nil:
		return err
	case state != stateVersion:
		return s.corrupt(errors.New("no veox buckets"))
	case version > currentSchema:
		return newUserError(fmt.Sprintf("%s was written by a newer veox (schema v%d): upgrade veox", s.path, version), ErrTooNew)
	case version < currentSchema:
		return fmt.Errorf("%s uses schema v%d and must be upgraded: open it once where it can be written", s.path, version)
	}
	return nil
}

func (s *Store) corrupt(cause error) error {
	return newUserError(fmt.Sprintf("%s is not a valid veox database (%v): run 'veox doctor'", s.path, cause), ErrCorrupt, cause)
}

// dbState is what Open finds in the file.
type dbState int

const (
	stateFresh   dbState = iota // no buckets at all: a new file
	stateVersion                // a veox database with a schema version (0 for pre-index files)
	stateForeign                // a bbolt file that is not ours
)

// inspect reads what kind of file this is, in a shared unit of work.
func (s *Store) inspect() (state dbState, version int, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		state, version, err = s.inspectTx(tx)
		return err
	})
	return state, version, err
}

func (s *Store) inspectTx(tx *bolt.Tx) (state dbState, version int, err error) {
	meta := tx.Bucket([]byte(bMeta))
	tasks := tx.Bucket([]byte(bTasks))
	switch {
	case meta != nil && meta.Get([]byte(metaVersion)) != nil:
		var app string
		if err := getJSON(meta, metaApp, &app); err != nil || app != appMagic {
			return 0, 0, s.corrupt(errors.New("wrong magic"))
		}
		if err := getJSON(meta, metaVersion, &version); err != nil {
			return 0, 0, s.corrupt(fmt.Errorf("schema version: %w", err))
		}
		return stateVersion, version, nil
	case tasks != nil:
		// Version 0 predates the meta bucket: only tasks (and maybe prompts).
		return stateVersion, 0, nil
	}
	empty := true
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
	if !empty {
		return stateForeign, 0, nil
	}
	return stateFresh, 0, nil
}

// initOrMigrate takes the write lock and, looking again under it (another
// veox may have done the work meanwhile), initialises a new file or
// upgrades an old one.
func (s *Store) initOrMigrate() error {
	return s.updateCreate(func(tx *bolt.Tx) error {
		state, version, err := s.inspectTx(tx)
		if err != nil {
			return err
		}
		switch state {
		case stateForeign:
			return s.corrupt(errors.New("no veox buckets"))
		case stateFresh:
			return initSchema(tx)
		}
		if version > currentSchema {
			return newUserError(fmt.Sprintf("%s was written by a newer veox (schema v%d, this one knows v%d): upgrade veox", s.path, version, currentSchema), ErrTooNew)
		}
		return s.upgradeTx(tx, version)
	})
}

// initSchema creates every bucket of the current schema in a new file. The
// change log starts at a random sequence: a reader that followed another
// file under this path (deleted and created anew) then asks for numbers
// this one never had, and is told to re-read everything.
func initSchema(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
	}
	var r [8]byte
	_, _ = rand.Read(r[:])
	start := 1<<32 + binary.BigEndian.Uint64(r[:])%(1<<47)
	if err := tx.Bucket([]byte(bChanges)).SetSequence(start); err != nil {
		return err
	}
	return writeMeta(tx, currentSchema)
}

func writeMeta(tx *bolt.Tx, version int) error {
	meta := tx.Bucket([]byte(bMeta))
	if err := putJSON(meta, metaApp, appMagic); err != nil {
		return err
	}
	if meta.Get([]byte(metaCounts)) == nil {
		if err := putJSON(meta, metaCounts, newCounts()); err != nil {
			return err
		}
	}
	return putJSON(meta, metaVersion, version)
}

// Close ends the Store's use: later calls fail with ErrClosed. The file is
// not held between units of work, so there is nothing else to release.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.stopKeeping()
	return nil
}

// Path is the absolute path of the history file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether writes are refused: the history is on
// read-only media, may not be written by this user, or was opened
// read-only on purpose. Another veox using it never makes it read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// ReadOnlyReason says why ReadOnly is true ("" when it is not).
func (s *Store) ReadOnlyReason() string { return s.roReason }

// SchemaVersion reads the schema version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bMeta))
		if meta == nil {
			return nil
		}
		return getJSON(meta, metaVersion, &v)
	})
	return v, err
}

// writable fails fast on a read-only store so callers get ErrReadOnly
// rather than bbolt's own error.
func (s *Store) writable() error {
	if s.readOnly {
		return newUserError(fmt.Sprintf("%s is read-only (%s): nothing can be recorded", s.path, s.roReason), ErrReadOnly)
	}
	return nil
}

func getJSON(b *bolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

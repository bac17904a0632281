// Package store keeps veox's history in a bbolt file: tasks, the indexes
// that let the TUI page and search a large history without reading all of
// it, the composer's recent prompts and the schema version.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors. Callers test them with errors.Is; the errors actually
// returned carry the path and a sentence a user can act on.
var (
	// ErrNotFound: the task is not in the history.
	ErrNotFound = errors.New("task not in history")
	// ErrLocked: another veox holds the database.
	ErrLocked = errors.New("history database is locked by another veox")
	// ErrReadOnly: a write was attempted on a store opened read-only.
	ErrReadOnly = errors.New("history is open read-only")
	// ErrCorrupt: the file is not a valid veox database.
	ErrCorrupt = errors.New("history database is damaged or not a veox database: run 'veox doctor'")
	// ErrTooNew: the file was written by a newer veox whose schema this one
	// does not know; writing to it could lose data.
	ErrTooNew = errors.New("history database was written by a newer veox")
	// ErrDuplicateTaskID: a service task id already belongs to another
	// history entry. Refused because Get by task id must be unambiguous.
	ErrDuplicateTaskID = errors.New("task id already belongs to another history entry")
)

// Bucket names and meta keys. Strings, not []byte vars, so nothing mutable
// lives at package level.
const (
	bTasks    = "tasks"    // localID -> Task JSON
	bTime     = "time"     // be64(createdAt) + localID -> localID \0 status \0 kind
	bTaskID   = "taskid"   // service task id -> localID
	bActive   = "active"   // localID -> empty (submitting, running, unknown)
	bChildren = "children" // parentTaskID \0 localID -> empty
	bSearch   = "search"   // time key -> lowercased prompt \0 taskID \0 localID \0 watermark
	bPrompts  = "prompts"  // be64(sequence) -> prompt JSON string
	bMeta     = "meta"     // version, app, counts

	metaVersion = "version"
	metaApp     = "app"
	metaCounts  = "counts"
	appMagic    = "veox"
)

func allBuckets() []string {
	return []string{bTasks, bTime, bTaskID, bActive, bChildren, bSearch, bPrompts, bMeta}
}

// Options configure Open.
type Options struct {
	ReadOnly bool
	Timeout  time.Duration    // how long to wait for the file lock; default 1s
	Now      func() time.Time // default time.Now
}

// Store is the history. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	snapshot string // temp copy being browsed because another veox writes the real file
	now      func() time.Time

	readSince atomic.Int64 // index entries read since the mapped pages were dropped

	idMu   sync.Mutex
	lastID int64 // last unix-nano used by NewLocalID, so ids stay unique and ordered

	closeOnce sync.Once
	closeErr  error
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

// Open opens (creating if needed) the history at path. A second read-write
// Open of the same file fails with ErrLocked within Options.Timeout instead
// of hanging. A read-only Open while another veox writes browses a
// snapshot copy of the file.
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
	s := &Store{path: abs, readOnly: o.ReadOnly, now: o.Now}
	if o.ReadOnly {
		err = s.openReadOnly(o.Timeout)
	} else {
		err = s.openReadWrite(o.Timeout)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) openReadWrite(timeout time.Duration) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create the history folder: %w", err)
	}
	// The history holds prompts and result URLs: private to the user even if
	// an older version or a copy left it world-readable.
	if info, err := os.Stat(s.path); err == nil && info.Mode().IsRegular() && info.Mode().Perm() != 0o600 {
		if err := os.Chmod(s.path, 0o600); err != nil {
			return fmt.Errorf("restrict %s to its owner: %w", s.path, err)
		}
	}
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return s.openError(err)
	}
	s.db = db
	if err := s.prepare(); err != nil {
		_ = db.Close()
		return err
	}
	return nil
}

// openError turns bbolt's open failures into errors a user can act on.
func (s *Store) openError(err error) error {
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return newUserError(fmt.Sprintf("another veox is using %s: close it, or browse read-only with --read-only", s.path), ErrLocked, err)
	case errors.As(err, new(*fs.PathError)):
		// The file system refused (missing, permissions, a folder): not
		// damage, and 'veox doctor' could not help.
		return fmt.Errorf("open history: %w", err)
	default:
		return s.corrupt(err)
	}
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

// inspect reads what kind of file this is. It recovers panics because a
// damaged file can make bbolt panic on its first page read.
func (s *Store) inspect() (state dbState, version int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt(fmt.Errorf("reading the file panicked: %v", r))
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bMeta))
		tasks := tx.Bucket([]byte(bTasks))
		switch {
		case meta != nil && meta.Get([]byte(metaVersion)) != nil:
			var app string
			if err := getJSON(meta, metaApp, &app); err != nil || app != appMagic {
				return s.corrupt(errors.New("wrong magic"))
			}
			state = stateVersion
			return getJSON(meta, metaVersion, &version)
		case tasks != nil:
			// Version 0 predates the meta bucket: only tasks (and maybe prompts).
			state, version = stateVersion, 0
			return nil
		}
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			state = stateForeign
		}
		return nil
	})
	return state, version, err
}

// prepare initialises a new file or migrates an old one.
func (s *Store) prepare() error {
	state, version, err := s.inspect()
	if err != nil {
		return err
	}
	switch state {
	case stateForeign:
		return s.corrupt(errors.New("no veox buckets"))
	case stateFresh:
		return s.db.Update(initSchema)
	}
	if version > currentSchema {
		return newUserError(fmt.Sprintf("%s was written by a newer veox (schema v%d, this one knows v%d): upgrade veox", s.path, version, currentSchema), ErrTooNew)
	}
	return s.migrate(version)
}

// initSchema creates every bucket of the current schema in a new file.
func initSchema(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
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

// Close closes the database and removes the snapshot copy, if any. Calling
// it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.db.Close()
		if s.snapshot != "" {
			if err := os.Remove(s.snapshot); err != nil && s.closeErr == nil {
				s.closeErr = err
			}
		}
	})
	return s.closeErr
}

// Path is the absolute path of the history file (the real one, even when a
// snapshot is being browsed).
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether writes are refused.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Snapshot reports whether this read-only store browses a copy taken
// because another veox was writing the file: it will not see new changes.
func (s *Store) Snapshot() bool { return s.snapshot != "" }

// SchemaVersion reads the schema version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
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
		return newUserError(fmt.Sprintf("%s is open read-only: close the other veox to make changes", s.path), ErrReadOnly)
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

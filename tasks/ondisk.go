package tasks

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/veox/veox/store"
)

// OnDisk tells whether recorded files are still on disk, as MissingFiles
// does, for commands that go through a whole history: it lists each
// folder once instead of asking about every file (100,000 tasks keep most
// of their files in one folder). A file counts as there when it is a
// regular file, or a link to one. Not safe for concurrent use; what it
// learned of a folder stays for its life, so keep it for one command.
type OnDisk struct {
	dirs map[string]map[string]fs.FileMode // nil: the folder cannot be listed, ask per file
}

// MissingFiles marks which of t's files are gone, into missing (created
// when nil; entries are only ever set to true), and returns it.
func (d *OnDisk) MissingFiles(t *store.Task, missing map[string]bool) map[string]bool {
	if missing == nil {
		missing = map[string]bool{}
	}
	for _, f := range t.Files {
		if !d.there(f.Path) {
			missing[f.Path] = true
		}
	}
	return missing
}

func (d *OnDisk) there(path string) bool {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return regular(path) // "..", "." or doubled slashes: let the kernel resolve them
	}
	dir, name := filepath.Split(path)
	entries, seen := d.dirs[dir]
	if !seen {
		entries = list(dir)
		if d.dirs == nil {
			d.dirs = map[string]map[string]fs.FileMode{}
		}
		d.dirs[dir] = entries
	}
	if entries == nil {
		return regular(path)
	}
	mode, ok := entries[name]
	switch {
	case !ok:
		return false
	case mode.IsRegular():
		return true
	case mode&fs.ModeSymlink != 0:
		return regular(path) // where it points decides
	}
	return false // a folder, a device, a pipe
}

// list names dir's entries with their types; empty when dir does not exist
// (nothing in it is there), nil when it cannot be listed (a folder one may
// enter but not read, say): then each file is asked about on its own.
func list(dir string) map[string]fs.FileMode {
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return map[string]fs.FileMode{}
		}
		return nil
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		if isNotDir(err) {
			return map[string]fs.FileMode{}
		}
		return nil
	}
	out := make(map[string]fs.FileMode, len(entries))
	for _, e := range entries {
		out[e.Name()] = e.Type()
	}
	return out
}

func regular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// isNotDir: a path through a file, not a folder.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

package sim

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// snapshot is the state file: everything a new process needs to answer
// as the old one would (task progress follows from the times in it).
type snapshot struct {
	Version int     `json:"version"`
	Balance float64 `json:"balance"`
	SignKey string  `json:"signKey"` // so links handed out earlier still verify
	URLGen  int     `json:"urlGen"`
	Seq     uint64  `json:"seq"`
	Tasks   []*task `json:"tasks"`
}

const stateVersion = 1

// load reads StatePath; false means start fresh (none configured, none
// there yet, or unreadable, which is logged and then overwritten).
func (s *Sim) load() bool {
	if s.o.StatePath == "" {
		return false
	}
	b, err := os.ReadFile(s.o.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	var snap snapshot
	if err == nil {
		err = json.Unmarshal(b, &snap)
	}
	key, kerr := hex.DecodeString(snap.SignKey)
	if err != nil || kerr != nil || len(key) == 0 || snap.Version != stateVersion {
		s.logf("sim: ignoring unreadable state %s: %v", s.o.StatePath, errors.Join(err, kerr))
		return false
	}
	s.balance, s.signKey, s.urlGen, s.seq = snap.Balance, key, snap.URLGen, snap.Seq
	s.tasks, s.pending = map[string]*task{}, map[string]bool{}
	for _, t := range snap.Tasks {
		s.tasks[t.ID] = t
		if !t.Settled {
			s.pending[t.ID] = true
		}
	}
	s.stamp = stampOf(s.o.StatePath)
	return true
}

// fileStamp identifies a version of the state file.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

// refreshLocked reloads the state file if another process (a second veox
// command in demo mode) wrote it since we last did, so sequential commands
// see each other's tasks instead of overwriting them.
func (s *Sim) refreshLocked() {
	if s.o.StatePath == "" || stampOf(s.o.StatePath) == s.stamp {
		return
	}
	s.load()
}

// saveLocked writes the state atomically (temp file, fsync, rename) with
// mode 0600, so a crash never leaves half a file behind.
func (s *Sim) saveLocked() {
	if s.o.StatePath == "" {
		return
	}
	if err := writeAtomic(s.o.StatePath, s.snapshotLocked()); err != nil {
		s.logf("sim: saving state: %v", err)
		return
	}
	s.stamp = stampOf(s.o.StatePath)
}

func (s *Sim) snapshotLocked() snapshot {
	snap := snapshot{Version: stateVersion, Balance: s.balance,
		SignKey: hex.EncodeToString(s.signKey), URLGen: s.urlGen, Seq: s.seq}
	for _, t := range s.tasks {
		snap.Tasks = append(snap.Tasks, t)
	}
	sort.Slice(snap.Tasks, func(i, j int) bool {
		a, b := snap.Tasks[i], snap.Tasks[j]
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID < b.ID
	})
	return snap
}

func writeAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".sim-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

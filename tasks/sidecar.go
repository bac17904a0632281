package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// Sidecars: beside every video veox downloads lies "<video>.json", the
// task that made it (tasks/archive's task object with the video's own
// size, hash and length, and its place in a story), so the folder
// describes itself: lose the history and 'veox import --from-folder'
// brings it back; hand the files to someone and the prompts, seeds and
// lineage go with them. A sidecar is written once the video is verified
// and recorded, and again whenever the task's record changes (fresh links,
// a settle, a charge): every write goes through history below. A sidecar
// that cannot be written never touches the video; the failure is logged
// and, for a download, told with the file and kept in the task's events.

// eventSidecar is the event status of a sidecar that could not be written.
const eventSidecar = "sidecar"

// history is the store as the Service writes it: a write that changes a
// task with files on disk rewrites their sidecars after it commits (never
// inside the transaction). Every other method is the store's own.
type history struct {
	*store.Store
	changed func(*store.Task)
}

// Update is store.Update, then the sidecars of the task it changed.
func (h history) Update(id string, fn func(*store.Task) error) (*store.Task, error) {
	res, err := h.UpdateMany([]store.Edit{{ID: id, Fn: fn}})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	return res[0].Task, nil
}

// UpdateMany is store.UpdateMany, then the sidecars of the tasks it changed.
func (h history) UpdateMany(edits []store.Edit) ([]store.EditResult, error) {
	res, err := h.Store.UpdateMany(edits)
	if err == nil && h.changed != nil {
		for _, r := range res {
			if r.Changed && r.Task != nil && len(r.Task.Files) > 0 {
				h.changed(r.Task)
			}
		}
	}
	return res, err
}

// SetSidecars turns the writing of sidecars on or off (the 'sidecars'
// config key sets it when the Service is built).
func (s *Service) SetSidecars(on bool) { s.sidecars.Store(on) }

// Sidecars reports whether sidecars are written.
func (s *Service) Sidecars() bool { return s.sidecars.Load() }

// recordChanged rewrites the sidecars of a task whose record changed. A
// failure is logged: the change itself is in the history, and the next
// download or 'veox export --sidecars' writes the sidecar again.
func (s *Service) recordChanged(t *store.Task) {
	if err := s.WriteSidecars(t); err != nil {
		s.log.Warn("a sidecar could not be written", "task", t.LocalID, "err", err)
	}
}

// WriteSidecars writes (or brings up to date) the sidecar beside each of
// t's files that is on disk as recorded, inside the download folder.
// Files that are gone, or no longer the size recorded (replaced by
// something else), get none; nor do files elsewhere: a path in the history
// may have come from an export or a sidecar, and veox writes nothing
// outside its folders. Nothing is written when sidecars are off, or when a
// sidecar already says the same.
func (s *Service) WriteSidecars(t *store.Task) error {
	return s.writeSidecarsUnder(t, s.dir)
}

// writeSidecarsUnder is WriteSidecars for the files inside top (the
// download folder, or a folder the history is being rebuilt from).
func (s *Service) writeSidecarsUnder(t *store.Task, top string) error {
	if !s.sidecars.Load() || len(t.Files) == 0 {
		return nil
	}
	ref := s.storyRef(t)
	var errs []error
	for _, f := range t.Files {
		if err := s.writeSidecar(t, f, ref, top); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeSidecar writes the sidecar of one file, inside the file's own
// folder through an os.Root, when that folder is top or below it.
func (s *Service) writeSidecar(t *store.Task, f store.File, ref *archive.StoryRef, top string) error {
	dir, name := filepath.Split(f.Path)
	if name == "" || !filepath.IsAbs(f.Path) || filepath.Clean(f.Path) != f.Path || !within(top, dir) {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the folder went away with the video
	} else if err != nil {
		return fmt.Errorf("the sidecar of %s: %w", name, err)
	}
	defer root.Close()
	st, err := root.Lstat(name)
	if err != nil || !st.Mode().IsRegular() || st.Size() != f.Size {
		return nil // gone, or not the video recorded: describe nothing
	}
	if newerSidecar(root, name, t) {
		return nil // another veox wrote a later state of the task
	}
	data, err := archive.Sidecar(t, f, name, ref)
	if err != nil {
		return err
	}
	return download.WriteSidecar(root, name, data)
}

// within: dir is top or inside it (both absolute; "" top holds nothing).
func within(top, dir string) bool {
	if top == "" {
		return false
	}
	top, err := filepath.Abs(top)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(top, filepath.Clean(dir))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// newerSidecar: the sidecar already there describes a later state of the
// same task, written by another veox a moment ago.
func newerSidecar(root *os.Root, video string, t *store.Task) bool {
	b, err := download.ReadSidecar(root, download.SidecarName(video))
	if err != nil {
		return false
	}
	var old struct {
		LocalID   string    `json:"localId"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	if json.Unmarshal(b, &old) != nil || old.LocalID != t.LocalID {
		return false
	}
	return old.UpdatedAt.After(t.UpdatedAt)
}

// storyRef places t in a story, nil when it is no story's step. Stories
// are few, so they are read whole.
func (s *Service) storyRef(t *store.Task) *archive.StoryRef {
	stories, err := s.store.Stories()
	if err != nil {
		return nil
	}
	for _, st := range stories {
		for i, step := range st.Steps {
			switch {
			case step.LocalID == t.LocalID:
				return &archive.StoryRef{ID: st.ID, Step: i + 1}
			case slices.Contains(step.Tried, t.LocalID):
				return &archive.StoryRef{ID: st.ID, Step: i + 1, Try: true}
			}
		}
	}
	return nil
}

// sidecarAfterDownload writes the sidecar of a file just recorded. The
// write that recorded it has tried already; this tries once more, and a
// failure is told with the file and kept in the task's events. The video
// stays as it is: verified, named, recorded.
func (s *Service) sidecarAfterDownload(t *store.Task, f *Fetched) *store.Task {
	if !s.sidecars.Load() {
		return t
	}
	var file store.File
	for _, rf := range t.Files {
		if rf.Path == f.File.Path {
			file = rf
		}
	}
	if file.Path == "" {
		return t
	}
	err := s.writeSidecar(t, file, s.storyRef(t), s.dir)
	if err == nil {
		return t
	}
	s.log.Warn("a sidecar could not be written", "task", t.LocalID, "file", file.Path, "err", err)
	msg := fmt.Sprintf("the video is saved and verified, but its description %s could not be written: %v", download.SidecarName(filepath.Base(file.Path)), err)
	f.Note = joinNotes(f.Note, msg)
	if s.store.ReadOnly() {
		return t
	}
	nt, uerr := s.store.Store.Update(t.LocalID, func(t *store.Task) error {
		t.Events = append(t.Events, store.Event{At: s.now(), Status: eventSidecar, Note: msg})
		return nil
	})
	if uerr != nil {
		return t
	}
	return nt
}

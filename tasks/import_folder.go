package tasks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// retention is how long the service keeps a task (and answers about it).
// A video whose name dates it further back is not asked about: a day is
// added for the time zone of the date in its name.
const retention = 14 * 24 * time.Hour

// ImportFolder puts back in the history every task the videos in dir (and
// its subfolders) describe: from each video's sidecar, or, for a video
// without one, from the task id in its file name, asking the service
// when ask is true and the task is young enough for it to remember. Tasks
// go in parents first, whatever order the files are in; a task the
// history already holds (by local or service id) is not added again, but
// a video of it that the history does not know, or knows at a path that
// is gone, is recorded where it was found. Running it twice adds nothing.
// The files' paths in the history are those found.
func (s *Service) ImportFolder(ctx context.Context, dir string, ask bool) (*ImportReport, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	found, skipped, err := archive.Scan(root)
	if err != nil {
		return nil, err
	}
	b := &rebuild{s: s, root: root, dir: abs, rep: &ImportReport{}, byKey: map[string]*rebuilt{}}
	for _, p := range skipped {
		b.rep.problem(p, "this folder could not be read")
	}
	var bare []archive.Found
	for _, f := range found {
		if f.Video != "" {
			b.rep.Videos++
		}
		if f.Sidecar == "" || !b.fromSidecar(f) {
			if f.Video != "" {
				bare = append(bare, f)
			}
		}
	}
	if err := b.fromNames(ctx, bare, ask); err != nil {
		return b.rep, err
	}
	return b.rep, b.save()
}

// rebuild is one ImportFolder run.
type rebuild struct {
	s     *Service
	root  *os.Root
	dir   string
	rep   *ImportReport
	byKey map[string]*rebuilt
	order []*rebuilt
}

// rebuilt is one task and the videos found for it.
type rebuilt struct {
	task  *store.Task // its newest description
	found []store.File
	asked bool // described by the service, not by a sidecar
}

func taskKey(t *store.Task) string {
	if t.TaskID != "" {
		return "t:" + t.TaskID
	}
	return "l:" + t.LocalID
}

// entry is the task's entry, made or updated with a newer description.
func (b *rebuild) entry(t *store.Task) *rebuilt {
	e := b.byKey[taskKey(t)]
	if e == nil {
		e = &rebuilt{task: t}
		b.byKey[taskKey(t)] = e
		b.order = append(b.order, e)
	} else if t.UpdatedAt.After(e.task.UpdatedAt) {
		e.task = t
	}
	return e
}

// fromSidecar reads a video's description and records the video for its
// task. false: the description cannot be used for this video (damaged,
// or it describes another video); the caller tries the video's name.
// A sidecar comes from outside: its ids are checked, and it is believed
// about a video only when the video is the one it describes.
func (b *rebuild) fromSidecar(f archive.Found) bool {
	data, err := download.ReadSidecar(b.root, f.Sidecar)
	if err != nil {
		b.rep.problem(f.Sidecar, "cannot be read: "+api.Sanitize(err.Error()))
		return b.byNameInstead(f)
	}
	obj, err := archive.DecodeTask(data)
	if err == nil {
		err = checkOutsideTask(obj.Task)
	}
	if err != nil {
		b.rep.problem(f.Sidecar, "is not a description veox can read ("+api.Sanitize(err.Error())+")")
		return b.byNameInstead(f)
	}
	if f.Video == "" {
		b.entry(obj.Task)
		b.rep.note(f.Sidecar, "its video is not beside it: the task is back, without the file")
		return true
	}
	file, v := b.described(f, obj)
	switch v {
	case videoOther:
		b.rep.problem(f.Sidecar, fmt.Sprintf("describes task %s, but %s is another video (its name or its bytes say so): the sidecar is passed over",
			api.Sanitize(displayID(obj.Task)), path.Base(f.Video)))
		return false
	case videoBroken:
		b.entry(obj.Task) // the task is back; the damaged file is listed
	default:
		e := b.entry(obj.Task)
		e.found = append(e.found, file)
	}
	return true
}

// byNameInstead: a damaged sidecar still leaves its video, which the name
// may bring back.
func (b *rebuild) byNameInstead(f archive.Found) bool {
	if f.Video != "" {
		b.rep.note(f.Video, "its sidecar cannot be used: veox tries the task id in its name")
	}
	return false
}

// checkOutsideTask refuses ids that came from outside veox and could not
// be the service's or veox's: empty, too long, spaces, control characters
// or path separators.
func checkOutsideTask(t *store.Task) error {
	for _, id := range []string{t.TaskID, t.ParentID} {
		if id == "" {
			continue
		}
		if err := CheckTaskID(id); err != nil {
			return err
		}
		if strings.ContainsAny(id, `/\`) {
			return fmt.Errorf("task id %q has a path separator", api.Sanitize(id))
		}
	}
	return nil
}

// What a video is to the sidecar beside it.
type videoVerdict int

const (
	videoDescribed videoVerdict = iota // the video it describes (as it is now)
	videoBroken                        // not a complete video: listed, not recorded
	videoOther                         // another video: the sidecar is not about it
)

// described is the file record of a video with a sidecar. The name and
// size the sidecar records are believed (veox wrote both); otherwise the
// video is checked and hashed: the same bytes as recorded (a renamed
// file) or, under the name recorded, other bytes (recorded as it is now,
// with a note). A video whose name is another task's, or that is neither
// named nor hashed as recorded, is another video.
func (b *rebuild) described(f archive.Found, obj *archive.Task) (store.File, videoVerdict) {
	abs := filepath.Join(b.dir, filepath.FromSlash(f.Video))
	name := path.Base(f.Video)
	if !nameAgrees(name, obj.Task) {
		return store.File{}, videoOther
	}
	recs := slices.Clone(obj.Files)
	if v := obj.Video; v != nil {
		recs = append(recs, store.File{Path: v.File, URL: v.URL, Size: v.Size, SHA256: v.SHA256,
			Duration: time.Duration(v.Seconds * float64(time.Second)), DownloadedAt: v.DownloadedAt, Part: v.Part})
	}
	byName := slices.IndexFunc(recs, func(r store.File) bool { return filepath.Base(r.Path) == name })
	if byName >= 0 && recs[byName].Size == f.Size && len(recs[byName].SHA256) == 64 {
		file := recs[byName]
		file.Path = abs
		return file, videoDescribed
	}
	file, err := b.inspect(f)
	if err != nil {
		return file, videoBroken
	}
	same := slices.IndexFunc(recs, func(r store.File) bool { return r.SHA256 == file.SHA256 })
	switch {
	case same >= 0:
		r := recs[same]
		file.URL, file.Part, file.DownloadedAt = r.URL, r.Part, r.DownloadedAt
	case byName >= 0:
		r := recs[byName]
		file.URL, file.Part, file.DownloadedAt = r.URL, r.Part, r.DownloadedAt
		b.rep.note(f.Video, fmt.Sprintf("is %d bytes, its description says %d: recorded as it is now", f.Size, r.Size))
	default:
		return store.File{}, videoOther
	}
	return file, videoDescribed
}

// nameAgrees: a name veox gives names t (its id, or for an upscale its
// source's); a name veox does not give (renamed by hand) claims nothing.
func nameAgrees(name string, t *store.Task) bool {
	info, ok := download.ParseFileName(name)
	if !ok {
		return true
	}
	want := download.NameTaskID(nameID(t))
	return slices.ContainsFunc(info.IDs, func(c download.NameID) bool { return c.ID == want })
}

// inspect checks and hashes a video veox finds, as a download's last
// check does; a video that fails is listed.
func (b *rebuild) inspect(f archive.Found) (store.File, error) {
	res, err := download.Inspect(b.root, f.Video)
	if err != nil {
		b.rep.problem(f.Video, "is not a complete video ("+api.Sanitize(err.Error())+"): not recorded")
		return store.File{}, err
	}
	at := b.s.now()
	if st, err := b.root.Stat(f.Video); err == nil {
		at = st.ModTime().UTC()
	}
	return store.File{Path: filepath.Join(b.dir, filepath.FromSlash(f.Video)), Size: res.Size, SHA256: res.SHA256,
		Duration: res.Duration, DownloadedAt: at}, nil
}

// fromNames brings back the tasks of videos without a sidecar by the id in
// their names: a task described by another video's sidecar, one the
// history holds, or one the service still knows.
func (b *rebuild) fromNames(ctx context.Context, bare []archive.Found, ask bool) error {
	type named struct {
		f    archive.Found
		info download.NameInfo
	}
	var list []named
	var ids []string
	for _, f := range bare {
		info, ok := download.ParseFileName(path.Base(f.Video))
		if !ok {
			b.rep.Ignored = append(b.rep.Ignored, f.Video)
			continue
		}
		list = append(list, named{f, info})
		for _, c := range info.IDs {
			ids = append(ids, c.ID)
		}
	}
	if len(list) == 0 {
		return nil
	}
	known, err := b.s.store.Resolve(ids)
	if err != nil {
		return err
	}
	for _, n := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, why := b.byName(ctx, n.info, known, ask)
		if e == nil {
			b.rep.problem(n.f.Video, why)
			continue
		}
		file, err := b.inspect(n.f)
		if err != nil {
			continue
		}
		file.Part = n.info.Part
		if urls := e.task.BestURLs(); !file.Part && len(n.info.IDs) > 0 {
			if i := n.info.IDs[0].Index; i < len(urls) {
				file.URL = urls[i]
			}
		}
		e.found = append(e.found, file)
	}
	return nil
}

// byName finds the task a file name names, or says why there is none.
func (b *rebuild) byName(ctx context.Context, info download.NameInfo, known map[string]string, ask bool) (*rebuilt, string) {
	for _, c := range info.IDs {
		if e := cmp.Or(b.byKey["t:"+c.ID], b.byKey["l:"+c.ID]); e != nil {
			return e, ""
		}
		if local, ok := known[c.ID]; ok {
			t, err := b.s.store.Get(local)
			if err != nil {
				return nil, "its task is in the history but cannot be read: " + err.Error()
			}
			return b.entry(t), ""
		}
	}
	switch {
	case info.UpscaleOf != "":
		return nil, fmt.Sprintf("no sidecar, and an upscale's name holds only its source's id (%s), not its own", info.UpscaleOf)
	case !info.Date.IsZero() && b.s.now().Sub(info.Date) > retention+24*time.Hour:
		return nil, fmt.Sprintf("no sidecar, and its task (%s) is from %s: the service keeps tasks 14 days, so only a sidecar could describe it",
			info.IDs[0].ID, info.Date.Format("2006-01-02"))
	case !ask:
		return nil, fmt.Sprintf("no sidecar; with an API key veox would ask the service about task %s", info.IDs[0].ID)
	}
	var last error
	for _, c := range info.IDs {
		t, err := b.s.lookup(ctx, c.ID)
		if err == nil {
			e := b.entry(t)
			e.asked = true
			return e, ""
		}
		last = err
		if api.KindOf(err) != api.KindNotFound {
			break // the network or the key: asking about the other reading will not go better
		}
	}
	if api.KindOf(last) == api.KindNotFound {
		return nil, fmt.Sprintf("no usable sidecar, and the service no longer knows task %s (it keeps tasks 14 days)", info.IDs[0].ID)
	}
	return nil, "no sidecar, and asking the service about it failed: " + api.Sanitize(last.Error())
}

// lookup is the entry for a task the service knows, not yet written.
func (s *Service) lookup(ctx context.Context, id string) (*store.Task, error) {
	if err := CheckTaskID(id); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	rec, err := s.api.RecordInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	t := importedTask(id, rec, s.now(), "brought back from the download folder: the service still knew it")
	t.LocalID = s.store.NewLocalID()
	return t, nil
}

// save writes the tasks the history lacks, parents first, with the files
// found, then records the files found for the tasks it held already.
func (b *rebuild) save() error {
	var fresh []store.Task
	var freshOf []*rebuilt
	for _, e := range b.order {
		if localIDShape.MatchString(e.task.LocalID) {
			if _, err := b.s.store.Get(e.task.LocalID); err == nil {
				b.rep.Existing++
				if err := b.relink(e, e.task.LocalID); err != nil {
					return err
				}
				continue
			}
		}
		t := *e.task
		t.Files = withFound(t.Files, e.found, nil)
		fresh, freshOf = append(fresh, t), append(freshOf, e)
	}
	for start := 0; start < len(fresh); start += importBatch {
		end := min(start+importBatch, len(fresh))
		batch, of := fresh[start:end], freshOf[start:end]
		// addBatch orders the batch parents first: find each task's entry
		// by its ids.
		keyed := make(map[string]*rebuilt, len(batch))
		for i := range batch {
			keyed[taskKey(&batch[i])] = of[i]
		}
		res, err := b.s.addBatch(batch, b.rep)
		if err != nil {
			return err
		}
		for i, r := range res {
			e := keyed[taskKey(&batch[i])]
			switch {
			case r.Added:
				if e != nil && e.asked {
					b.rep.Asked++
				}
				b.sidecars(&batch[i]) // a video found bare gets its sidecar now
			case e != nil:
				if err := b.relink(e, r.Existing); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// importBatch is how many tasks one write transaction adds.
const importBatch = 500

// relink records the videos found for a task the history holds (as
// localID).
func (b *rebuild) relink(e *rebuilt, localID string) error {
	if len(e.found) == 0 {
		return nil
	}
	changed := false
	_, err := b.s.store.Update(localID, func(t *store.Task) error {
		before := slices.Clone(t.Files)
		t.Files = withFound(t.Files, e.found, onDisk)
		changed = !slices.Equal(before, t.Files)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		b.rep.problem(localID, "was in the history a moment ago and is not now: run the import again")
		return nil
	}
	if err == nil && changed {
		b.rep.Relinked++
		if t, gerr := b.s.store.Get(localID); gerr == nil {
			b.sidecars(t)
		}
	}
	return err
}

// sidecars writes the sidecars of a task brought back, beside the videos
// found in the folder (which may be outside the download folder).
func (b *rebuild) sidecars(t *store.Task) {
	if err := b.s.writeSidecarsUnder(t, b.dir); err != nil {
		b.s.log.Warn("a sidecar could not be written", "task", t.LocalID, "err", err)
	}
}

// withFound records the videos found in a task's file list: a file of the
// same name takes the found path (with keep, only when keep says the path
// recorded should not stay: it is gone); any other is added. Recorded files
// not found stay as they were.
func withFound(files, found []store.File, keep func(string) bool) []store.File {
	out := append([]store.File(nil), files...)
	for _, f := range found {
		i := indexByName(out, filepath.Base(f.Path))
		switch {
		case i < 0:
			out = append(out, f)
		case out[i].Path == f.Path:
		case keep == nil || !keep(out[i].Path):
			rec := out[i]
			out[i] = f
			if rec.SHA256 == f.SHA256 {
				out[i].URL, out[i].DownloadedAt, out[i].Duration = rec.URL, rec.DownloadedAt, rec.Duration
			}
		}
	}
	return out
}

func indexByName(files []store.File, name string) int {
	for i, f := range files {
		if filepath.Base(f.Path) == name {
			return i
		}
	}
	return -1
}

// onDisk: a recorded path that is still there keeps its place.
func onDisk(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/store"
)

// MaxFilesPerTask bounds the files one task may bring: Veo makes one video
// per task; a record listing thousands of links must not fill the disk.
const MaxFilesPerTask = 4

// ProgressFunc hands the caller the progress of each file as it starts; the
// caller reads it on its own schedule (the TUI's ~10 Hz tick), never per
// chunk.
type ProgressFunc func(t *store.Task, index int, p *download.Progress)

// Fetched is what a download did with one result file, so a face says
// "saved" only for a file it wrote.
type Fetched struct {
	File store.File
	// Wrote: this download wrote the file. Otherwise it found a verified
	// file already there (without --force), or one another veox finished
	// while it waited.
	Wrote  bool
	Waited bool   // another veox was downloading the file; this one waited for it
	Note   string // what else the user should know ("the service listed 12 files; …")
}

// Download fetches (or fetches again, with force) the result files of a
// finished task into the download folder and records them in the history.
func (s *Service) Download(ctx context.Context, id string, force bool, progress ProgressFunc) (*store.Task, error) {
	t, _, err := s.DownloadFiles(ctx, id, force, progress)
	return t, err
}

// DownloadFiles is Download telling what it did with each file.
//
// A task stored as running is asked about first. An extension's file is
// its whole stitched video: when its record lists only the new part, the
// service is asked again for a while (WholeWait); if the whole still is
// not to be had, the part is saved under its own name and marked as such,
// and the next download fetches the whole beside it. With force every
// file is fetched anew (from a fresh link when the stored one fails).
func (s *Service) DownloadFiles(ctx context.Context, id string, force bool, progress ProgressFunc) (*store.Task, []Fetched, error) {
	t, err := s.downloadable(ctx, id)
	if err != nil {
		return t, nil, err
	}
	t = s.awaitWhole(ctx, t)
	root, err := s.openDir()
	if err != nil {
		return t, nil, err
	}
	defer root.Close()
	var done []Fetched
	tg, note := s.targets(t)
	if len(tg) > 0 && tg[0].part && hasWhole(t) && !force {
		// The whole video is on disk already; the record just does not
		// list it now. Nothing to fetch, and nothing was written.
		for _, f := range t.Files {
			if !f.Part {
				done = append(done, Fetched{File: f})
			}
		}
		return t, done, nil
	}
	for i, g := range tg {
		f, err := s.fetchTarget(ctx, t, root, g, force, progress)
		if err != nil {
			return t, done, err
		}
		if i == 0 {
			f.Note = joinNotes(note, f.Note)
		}
		if t, err = s.recordFile(t, f.File); err != nil {
			return t, done, err
		}
		t = s.sidecarAfterDownload(t, &f)
		done = append(done, f)
	}
	return t, done, nil
}

// downloadable is the task with links to fetch: a task stored as running
// may have ended since (veox was stopped while it ran), and a finished one
// whose links are missing asks for them.
func (s *Service) downloadable(ctx context.Context, id string) (*store.Task, error) {
	t, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if t.Status == store.StatusRunning || (t.Status == store.StatusSucceeded && len(t.BestURLs()) == 0) {
		if t, err = s.Refresh(ctx, t.LocalID); err != nil {
			return t, err
		}
	}
	switch {
	case t.Status == store.StatusRunning:
		return t, fmt.Errorf("%w: task %s is still running at the service; 'veox wait %s --download' fetches its file when it is done",
			ErrNotFinished, displayID(t), displayID(t))
	case t.Status != store.StatusSucceeded:
		return t, fmt.Errorf("%w: task %s is %s: only finished videos have files to download", ErrNotFinished, displayID(t), t.Status)
	case len(t.BestURLs()) == 0:
		return t, fmt.Errorf("the service lists no result files for task %s", displayID(t))
	}
	return t, nil
}

// ErrNotFinished: the task has no video (yet) to download.
var ErrNotFinished = errors.New("nothing to download")

func (s *Service) openDir() (*os.Root, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the download folder %s: %w (set another with --download-dir)", s.dir, err)
	}
	return os.OpenRoot(s.dir)
}

// target is one file to fetch: the index-th link of the whole videos (or,
// with part, of the new parts alone).
type target struct {
	index int
	part  bool
}

func (g target) urls(t *store.Task) []string {
	switch {
	case g.part:
		return t.ResultURLs
	case isExtension(t):
		return t.FullResultURLs // never the part's link in the whole video's place
	}
	return t.BestURLs()
}

func (g target) name(t *store.Task) string {
	name := download.FileName(t.CreatedAt, nameID(t), t.Request.Prompt, g.index)
	if g.part {
		return download.PartName(name)
	}
	return name
}

// targets lists the files to fetch, at most MaxFilesPerTask. An extension
// whose record lists no whole video gets its new parts, as parts.
func (s *Service) targets(t *store.Task) ([]target, string) {
	part := isExtension(t) && len(t.FullResultURLs) == 0
	n := len(t.BestURLs())
	var note string
	if n > MaxFilesPerTask {
		note = fmt.Sprintf("the service lists %d files for this task; veox takes the first %d", n, MaxFilesPerTask)
		s.log.Warn("too many result files", "task", t.TaskID, "listed", n)
		n = MaxFilesPerTask
	}
	out := make([]target, n)
	for i := range out {
		out[i] = target{index: i, part: part}
	}
	return out, note
}

// fetchTarget downloads one file. A whole video that turns out to be the
// new part alone is not kept as the whole (it is fetched as the part
// instead); a part that turns out to be the whole is kept as the whole.
func (s *Service) fetchTarget(ctx context.Context, t *store.Task, root *os.Root, g target, force bool, progress ProgressFunc) (Fetched, error) {
	// One Progress per file the user sees, even when it is fetched twice.
	p := &download.Progress{}
	if progress != nil {
		progress(t, g.index, p)
	}
	if !isExtension(t) {
		return s.fetch(ctx, t, root, g, force, p, nil)
	}
	parent := s.parentDuration(t)
	if !g.part {
		f, err := s.fetch(ctx, t, root, g, force, p, wholeCheck(parent))
		var nw *notWholeError
		if !errors.As(err, &nw) || len(t.ResultURLs) <= g.index {
			return f, err
		}
		s.log.Warn("the whole-video link gave the new part alone", "task", t.TaskID, "err", err)
		g.part = true
		if f, err = s.fetch(ctx, t, root, g, force, p, nil); err != nil {
			return f, err
		}
		f.Note = joinNotes(nw.Error()+"; saved as the new part only", f.Note)
		return s.promote(root, t, g, f, parent), nil
	}
	f, err := s.fetch(ctx, t, root, g, force, p, nil)
	if err != nil {
		return f, err
	}
	return s.promote(root, t, g, f, parent), nil
}

// fetch downloads one file. When the stored link fails in a way the
// downloader cannot mend (a host that is gone, not just an expired link)
// it asks the service for fresh links once and tries again, with the same
// force: a re-download always writes fresh bytes.
func (s *Service) fetch(ctx context.Context, t *store.Task, root *os.Root, g target, force bool, p *download.Progress, check func(mp4.Info) error) (Fetched, error) {
	urls := g.urls(t)
	if g.index >= len(urls) {
		return Fetched{}, fmt.Errorf("the service no longer lists result file %d of task %s", g.index+1, displayID(t))
	}
	fresh := func(ctx context.Context) (string, error) { return s.freshURL(ctx, t.LocalID, g) }
	req := download.Request{URL: urls[g.index], Root: root, Name: g.name(t), Progress: p, Force: force, Check: check, Refresh: fresh}
	res, err := s.dl.Download(ctx, req)
	if err != nil && retryWithFreshURL(ctx, err) {
		s.log.Info("download failed; asking for a fresh link", "task", t.TaskID, "err", err)
		if req.URL, err = fresh(ctx); err == nil {
			res, err = s.dl.Download(ctx, req)
		}
	}
	if err != nil {
		return Fetched{}, err
	}
	if res.URL != "" {
		req.URL = res.URL
	}
	return Fetched{File: store.File{Path: filepath.Join(s.dir, res.Name), URL: req.URL, Size: res.Size, SHA256: res.SHA256,
		Duration: res.Duration, DownloadedAt: s.now(), Part: g.part}, Wrote: res.Fetched, Waited: res.Waited}, nil
}

func retryWithFreshURL(ctx context.Context, err error) bool {
	var nw *notWholeError
	return ctx.Err() == nil && !errors.Is(err, download.ErrDiskFull) && !errors.Is(err, download.ErrNotMP4) &&
		!errors.Is(err, download.ErrTooLarge) && !errors.As(err, &nw)
}

// freshURL asks the service for the task's links again (recording them)
// and returns the one for g. An answer in the older shape lists no whole
// video: then the service is asked again, within the WholeWait bound.
func (s *Service) freshURL(ctx context.Context, localID string, g target) (string, error) {
	var t *store.Task
	var err error
	for i := range max(1, int(s.whole.wait/s.whole.every)) {
		if i > 0 {
			if err := sleep(ctx, s.whole.every); err != nil {
				return "", err
			}
		}
		if t, err = s.Refresh(ctx, localID); err != nil {
			continue
		}
		if urls := g.urls(t); g.index < len(urls) {
			return urls[g.index], nil
		}
	}
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("the service lists no link for result file %d of task %s right now; try again in a moment", g.index+1, displayID(t))
}

func (s *Service) recordFile(t *store.Task, f store.File) (*store.Task, error) {
	if s.store.ReadOnly() {
		// A history that cannot be written (read-only media): the file
		// is on disk and verified; only the record cannot be kept.
		c := *t
		c.Files = append([]store.File(nil), t.Files...)
		addFile(&c, f)
		return &c, nil
	}
	return s.store.Update(t.LocalID, func(t *store.Task) error {
		addFile(t, f)
		return nil
	})
}

func addFile(t *store.Task, f store.File) {
	for i := range t.Files {
		if t.Files[i].Path == f.Path {
			t.Files[i] = f
			return
		}
	}
	t.Files = append(t.Files, f)
}

// nameID is the id that goes into file names: an upscale is named after its
// source and resolution, so it sorts beside it.
func nameID(t *store.Task) string {
	if t.Kind == store.KindUpscale {
		return t.ParentID + "-" + t.Request.UpscaleTo
	}
	return displayID(t)
}

func displayID(t *store.Task) string {
	if t.TaskID != "" {
		return t.TaskID
	}
	return t.LocalID
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// NeedsDownload reports whether a finished task has files to fetch: none
// yet, or (an extension) only its new part while the service now lists the
// whole video.
func NeedsDownload(t *store.Task) bool {
	if t.Status != store.StatusSucceeded {
		return false
	}
	if isExtension(t) && len(t.FullResultURLs) == 0 {
		return !hasWhole(t) && !hasPart(t) && len(t.ResultURLs) > 0
	}
	return wholeFiles(t) < min(len(t.BestURLs()), MaxFilesPerTask)
}

func wholeFiles(t *store.Task) int {
	n := 0
	for _, f := range t.Files {
		if !f.Part {
			n++
		}
	}
	return n
}

func hasWhole(t *store.Task) bool { return wholeFiles(t) > 0 }

func hasPart(t *store.Task) bool { return len(t.Files) > wholeFiles(t) }

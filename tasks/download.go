package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
)

// ProgressFunc hands the caller the progress of each file as it starts; the
// caller reads it on its own schedule (the TUI's ~10 Hz tick), never per
// chunk.
type ProgressFunc func(t *store.Task, index int, p *download.Progress)

// Download fetches (or fetches again, with force) every result file of a
// finished task into the download folder and records them in the history.
func (s *Service) Download(ctx context.Context, id string, force bool, progress ProgressFunc) (*store.Task, error) {
	t, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if t.Status != store.StatusSucceeded {
		return t, fmt.Errorf("task %s is %s: only finished videos have files to download", displayID(t), t.Status)
	}
	if len(t.BestURLs()) == 0 {
		if t, err = s.Refresh(ctx, t.LocalID); err != nil {
			return t, err
		}
		if len(t.BestURLs()) == 0 {
			return t, fmt.Errorf("the service lists no result files for task %s", displayID(t))
		}
	}
	root, err := s.openDir()
	if err != nil {
		return t, err
	}
	defer root.Close()
	for i, url := range t.BestURLs() {
		f, err := s.fetch(ctx, t, root, i, url, force, progress)
		if err != nil {
			return t, err
		}
		if t, err = s.recordFile(t, f); err != nil {
			return t, err
		}
	}
	return t, nil
}

func (s *Service) openDir() (*os.Root, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the download folder %s: %w (set another with --download-dir)", s.dir, err)
	}
	return os.OpenRoot(s.dir)
}

// fetch downloads one file. If the URL we hold is stale in a way the
// downloader cannot mend (a host that is gone, not just an expired link), it
// asks the service for fresh links once and starts again from the .part.
func (s *Service) fetch(ctx context.Context, t *store.Task, root *os.Root, i int, url string, force bool, progress ProgressFunc) (store.File, error) {
	name := download.FileName(t.CreatedAt, nameID(t), t.Request.Prompt, i)
	p := &download.Progress{}
	if progress != nil {
		progress(t, i, p)
	}
	req := download.Request{URL: url, Root: root, Name: name, Progress: p, Force: force,
		Refresh: func(ctx context.Context) (string, error) { return s.freshURL(ctx, t.LocalID, i) }}
	res, err := s.dl.Download(ctx, req)
	if err != nil && retryWithFreshURL(ctx, err) {
		s.log.Info("download failed; asking for a fresh link", "task", t.TaskID, "err", err)
		if req.URL, err = s.freshURL(ctx, t.LocalID, i); err == nil {
			req.Force = false // keep the .part we have
			res, err = s.dl.Download(ctx, req)
		}
	}
	if err != nil {
		return store.File{}, err
	}
	return store.File{Path: filepath.Join(s.dir, res.Name), URL: req.URL, Size: res.Size, SHA256: res.SHA256,
		Duration: res.Duration, DownloadedAt: s.now()}, nil
}

func retryWithFreshURL(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !errors.Is(err, download.ErrDiskFull) && !errors.Is(err, download.ErrNotMP4)
}

// freshURL asks the service for the task's links again and records them.
func (s *Service) freshURL(ctx context.Context, localID string, i int) (string, error) {
	t, err := s.Refresh(ctx, localID)
	if err != nil {
		return "", err
	}
	urls := t.BestURLs()
	if i >= len(urls) {
		return "", fmt.Errorf("the service no longer lists result file %d of task %s", i+1, displayID(t))
	}
	return urls[i], nil
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

// NeedsDownload reports whether a finished task has files not yet on disk.
func NeedsDownload(t *store.Task) bool {
	if t.Status != store.StatusSucceeded {
		return false
	}
	return len(t.Files) < len(t.BestURLs())
}

package tasks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/store"
)

// An extension's file is its whole stitched video. The service may answer
// a finished extension in the older, sparser shape, whose resultUrls are
// the new part alone; these rules keep a creator from ending up with the
// part where the whole should be.

// maxClip is the longest one clip can be (the service renders at most
// 8 s): a longer video is a stitched one.
const maxClip = 8*time.Second + 500*time.Millisecond

// wholeGain is how much longer than its source an extension's whole video
// must be: each extension adds about 7 s.
const wholeGain = 5 * time.Second

// wholeAsk bounds asking again for an extension's whole video.
type wholeAsk struct{ wait, every time.Duration }

func isExtension(t *store.Task) bool {
	return t.Kind == store.KindExtend || (t.Kind == store.KindImport && t.ParentID != "")
}

// isWhole judges a video's length: longer than a clip can be, and (when
// the source's length is known) at least wholeGain longer than the source.
func isWhole(d, parent time.Duration) bool {
	return d > maxClip && (parent == 0 || d >= parent+wholeGain)
}

// notWholeError: a file fetched as an extension's whole video is not.
type notWholeError struct{ got, parent time.Duration }

func (e *notWholeError) Error() string {
	if e.parent > 0 {
		return fmt.Sprintf("the service's whole-video link gave a %s video, not the whole (its source is %s)", secs(e.got), secs(e.parent))
	}
	return fmt.Sprintf("the service's whole-video link gave a %s video, no longer than one clip: the new part alone", secs(e.got))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// wholeCheck is the downloader's Check for an extension's whole video:
// a file that fails it never takes (or keeps) the whole video's name.
func wholeCheck(parent time.Duration) func(mp4.Info) error {
	return func(i mp4.Info) error {
		if i.Duration == 0 || isWhole(i.Duration, parent) {
			return nil // a file that does not say its length is judged by its link
		}
		return &notWholeError{got: i.Duration, parent: parent}
	}
}

// parentDuration is the length of the source's whole video when one of
// its files told us, else 0.
func (s *Service) parentDuration(t *store.Task) time.Duration {
	if t.ParentID == "" {
		return 0
	}
	p, err := s.store.Get(t.ParentID)
	if err != nil {
		return 0
	}
	return WholeDuration(p)
}

// WholeDuration is a task's video length from its files, leaving out an
// extension's new part saved alone: what "N s now" is about. 0 when no
// whole file told us.
func WholeDuration(t *store.Task) time.Duration {
	var d time.Duration
	for _, f := range t.Files {
		if !f.Part {
			d = max(d, f.Duration)
		}
	}
	return d
}

// awaitWhole asks again, for a while, for the whole video of an extension
// whose record lists only the new part. It returns the task as last known;
// asking failing is not an error here: the part is then what can be had.
func (s *Service) awaitWhole(ctx context.Context, t *store.Task) *store.Task {
	if !isExtension(t) || len(t.FullResultURLs) > 0 {
		return t
	}
	// A count, not a deadline: the injected clock may stand still in tests.
	for i := range max(1, int(s.whole.wait/s.whole.every)) {
		if i > 0 {
			if err := sleep(ctx, s.whole.every); err != nil {
				return t
			}
		}
		nt, err := s.Refresh(ctx, t.LocalID)
		if err != nil {
			s.log.Warn("asking again for the whole video failed", "task", t.TaskID, "err", err)
			continue
		}
		if t = nt; len(t.FullResultURLs) > 0 {
			return t
		}
	}
	s.log.Info("the service lists only the new part of this extension", "task", t.TaskID, "asked for", s.whole.wait)
	return t
}

// promote keeps a file fetched as the new part as the whole video when its
// length says it is one (the older answer shape can list the whole under
// resultUrls): it takes the whole video's name.
func (s *Service) promote(root *os.Root, t *store.Task, g target, f Fetched, parent time.Duration) Fetched {
	if !f.File.Part || !isWhole(f.File.Duration, parent) {
		return f
	}
	whole := target{index: g.index}.name(t)
	if err := root.Rename(g.name(t), whole); err != nil {
		s.log.Warn("could not give the whole video its name", "task", t.TaskID, "err", err)
		return f
	}
	f.File.Path, f.File.Part = filepath.Join(s.dir, whole), false
	return f
}

// MissingFiles tells which of a task's recorded files are gone from disk
// (deleted, moved, on a drive not mounted): they stay in the history,
// marked, so the record of what was fetched is not lost.
func MissingFiles(t *store.Task) map[string]bool {
	missing := map[string]bool{}
	for _, f := range t.Files {
		if st, err := os.Stat(f.Path); err != nil || !st.Mode().IsRegular() {
			missing[f.Path] = true
		}
	}
	return missing
}

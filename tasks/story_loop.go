package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/veox/veox/store"
)

// RunOptions shape RunStory for the face that runs it.
type RunOptions struct {
	// Download fetches each step's whole video as it finishes (the next
	// step is sent first: it is what takes minutes).
	Download bool
	// OnDrive sees every look at the story (may be nil).
	OnDrive func(*Drive)
	// OnTask sees every status change of the step being followed (may be
	// nil).
	OnTask func(*store.Task)
	// Progress hands over each download's progress (may be nil).
	Progress ProgressFunc
	// OnFetched sees what each download did (may be nil).
	OnFetched func(*store.Task, []Fetched)
}

// RunStory runs a story that was started (StartStory) until it is done or
// stops, or ctx ends: it drives it, follows each step's task to its end and,
// if asked, downloads each step's video. It returns the story as it stands.
// The error is ctx's, one no retry can mend (Fatal), or, once the story is
// done, a download that failed (the story itself is done then).
func (s *Service) RunStory(ctx context.Context, id string, o RunOptions) (*StoryView, error) {
	var last *StoryView
	var dlErr error
	backoff := time.Duration(0)
	for {
		d, err := s.Drive(ctx, id)
		if err != nil {
			if ctx.Err() != nil || Fatal(err) {
				return last, err
			}
			backoff = min(max(2*backoff, 5*time.Second), 2*time.Minute)
			s.log.Warn("story: could not go on; trying again", "story", id, "delay", backoff, "err", err)
			if err := sleep(ctx, backoff); err != nil {
				return last, err
			}
			continue
		}
		backoff, last = 0, d.View
		if o.OnDrive != nil {
			o.OnDrive(d)
		}
		if o.Download {
			if err := s.downloadSteps(ctx, d.View, o); err != nil {
				dlErr = err
			}
		}
		switch d.Action {
		case DriveSent, DriveWaiting:
			if _, err := s.Wait(ctx, d.Task.LocalID, o.OnTask); err != nil && (ctx.Err() != nil || Fatal(err)) {
				return last, err
			}
		case DriveBusy:
			if err := sleep(ctx, s.PollDelay(&store.Task{}, s.now())); err != nil {
				return last, err
			}
		case DriveDone:
			if o.Download {
				return s.storyAfterDownloads(id, last, dlErr)
			}
			return last, nil
		default:
			return last, nil
		}
	}
}

// storyAfterDownloads is the finished story as the history now holds it
// (with its files), and the download error if a step still lacks its video.
func (s *Service) storyAfterDownloads(id string, last *StoryView, dlErr error) (*StoryView, error) {
	v, err := s.LoadStory(id)
	if err != nil {
		return last, err
	}
	for _, sv := range v.Steps {
		if sv.Task != nil && NeedsDownload(sv.Task) {
			if dlErr == nil {
				dlErr = fmt.Errorf("step %d's video is not on disk", sv.N)
			}
			return v, fmt.Errorf("the story is done, but %w; 'veox download %s' fetches it", dlErr, displayID(sv.Task))
		}
	}
	return v, nil
}

// downloadSteps fetches the video of every step that succeeded and lacks
// it (a restart may have left several). Each is tried; the last error is
// returned.
func (s *Service) downloadSteps(ctx context.Context, v *StoryView, o RunOptions) error {
	var last error
	for _, sv := range v.Steps {
		if sv.Task == nil || !NeedsDownload(sv.Task) {
			continue
		}
		t, done, err := s.DownloadFiles(ctx, sv.Task.LocalID, false, o.Progress)
		if o.OnFetched != nil && t != nil {
			o.OnFetched(t, done)
		}
		if err != nil {
			s.log.Warn("story: a step's download failed", "story", v.Story.ID, "step", sv.N, "err", err)
			last = fmt.Errorf("step %d's download failed: %w", sv.N, err)
		}
	}
	return last
}

package tasks

import (
	"time"

	"github.com/veox/veox/store"
)

// An extension whose record listed only its new part ends up with the part
// saved alone (DownloadFiles). The service normally lists the stitched
// video on a later answer, so an open veox keeps asking, slowly, and
// fetches the whole video as soon as it is listed, keeping both files
// (issue 8: "fetch the stitched video as soon as the service lists it").

// AwaitsWhole reports whether t is an extension with only its new part on
// record and on disk, while the service may still list the whole video.
func AwaitsWhole(t *store.Task, now time.Time) bool {
	if t == nil || t.Status != store.StatusSucceeded || !isExtension(t) || t.TaskID == "" {
		return false
	}
	if len(t.FullResultURLs) > 0 || hasWhole(t) || !hasPart(t) {
		return false
	}
	exp := ExpiresAt(t)
	return exp.IsZero() || now.Before(exp)
}

// WholeDelay is how long to wait before asking again about a task that
// AwaitsWhole: soon after it ended, then rarer, since every ask is a call
// made with the user's key for a video that may never be listed.
func WholeDelay(t *store.Task, now time.Time) time.Duration {
	since := t.CompletedAt
	if since.IsZero() {
		since = t.CreatedAt
	}
	switch age := now.Sub(since); {
	case age < 10*time.Minute:
		return time.Minute
	case age < time.Hour:
		return 5 * time.Minute
	default:
		return 30 * time.Minute
	}
}

// AwaitingWhole lists the finished extensions that still AwaitsWhole, so
// a veox opened later keeps asking about parts an earlier one saved (a
// creator who closed veox right after the part came would otherwise have
// to press d on each). Only the last Retention of the history is read:
// the service forgets older tasks, so the walk stops at the first task
// created before that, however large the history.
func (s *Service) AwaitingWhole() ([]store.Task, error) {
	now := s.now()
	oldest := now.Add(-Retention)
	q := store.Query{Statuses: []string{store.StatusSucceeded},
		Kinds: []string{store.KindExtend, store.KindImport}, Limit: 200}
	var out []store.Task
	for {
		page, next, err := s.store.List(q)
		if err != nil {
			return out, err
		}
		for i := range page {
			t := &page[i]
			if !t.CreatedAt.IsZero() && t.CreatedAt.Before(oldest) {
				return out, nil
			}
			if AwaitsWhole(t, now) {
				out = append(out, *t)
			}
		}
		if next == "" {
			return out, nil
		}
		q.Cursor = next
	}
}

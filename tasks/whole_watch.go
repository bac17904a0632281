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

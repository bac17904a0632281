package format

import (
	"fmt"
	"time"

	"github.com/veox/veox/store"
)

// Glyph is a status's glyph; it reads without colour.
func Glyph(status string) string {
	switch status {
	case store.StatusSucceeded:
		return "✓"
	case store.StatusFailed:
		return "✗"
	case store.StatusRunning:
		return "●"
	case store.StatusSubmitting:
		return "↑"
	case store.StatusUnknown:
		return "?"
	case store.StatusRefused:
		return "⊘"
	}
	return "·"
}

// StatusWord is the short word shown beside the glyph, on every screen and
// in every command's readable output.
func StatusWord(status string) string {
	switch status {
	case store.StatusSucceeded:
		return "done"
	case store.StatusFailed:
		return "failed"
	case store.StatusRunning:
		return "running"
	case store.StatusSubmitting:
		return "sending"
	case store.StatusUnknown:
		return "unknown"
	case store.StatusRefused:
		return "refused"
	}
	return status
}

// Status is the glyph and the word together: "✓ done".
func Status(status string) string { return Glyph(status) + " " + StatusWord(status) }

// Timing is how long a task has taken and, while it runs, the estimate
// from past durations of its kind (est, 0 when none): "8s ~22s left", or
// "6m30s usually 6m" once past it, so a slow task reads as slow rather than
// as a wrong estimate; "took 1m15s" once it ended.
func Timing(t *store.Task, est time.Duration, now time.Time) string {
	switch t.Status {
	case store.StatusRunning:
		el := Elapsed(t, now)
		if est <= 0 {
			return Duration(el)
		}
		if left := est - el; left > 0 {
			return Duration(el) + " ~" + Rough(left) + " left"
		}
		return Duration(el) + " usually " + Rough(est)
	case store.StatusRefused:
		return "nothing charged" // never accepted: nothing ran
	case store.StatusSucceeded, store.StatusFailed:
		if t.SubmittedAt.IsZero() {
			return "refused" // a history from before the refused status
		}
		if t.CompletedAt.IsZero() {
			return ""
		}
		return "took " + Duration(Elapsed(t, now))
	case store.StatusUnknown:
		return "needs you"
	}
	return Rough(now.Sub(t.CreatedAt))
}

// Stamp is a full local date and time, for output that is read later or
// by scripts: "2026-11-23 14:05".
func Stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// Transfer is a download's progress, with what is known: "45%  4.2 MB of
// 9.1 MB  1.3 MB/s  6s left", or "812 kB  starting…" before the size is.
func Transfer(done, total int64, bytesPerSec float64, eta time.Duration) string {
	if total <= 0 {
		return Size(done) + "  starting…"
	}
	out := fmt.Sprintf("%3.0f%%  %s of %s  %s", 100*float64(done)/float64(total), Size(done), Size(total), Speed(bytesPerSec))
	if eta > 0 {
		out += "  " + Rough(eta) + " left"
	}
	return out
}

// Package rules holds the service's documented rules about videos that
// both the task lifecycle (tasks) and the simulator (api/sim) apply: how
// long the service keeps a video and which videos it extends. One rule,
// written once, so the client and its stand-in cannot disagree (veo-api.md
// is the source; where it is silent, the rule says so).
//
// It imports nothing of veox, so the simulator can use it without
// depending on the history or the client.
package rules

import (
	"fmt"
	"strings"
	"time"
)

// Retention is how long the service keeps records and media after a task
// was created (veo-api.md: "the service keeps records and media 14 days").
const Retention = 14 * 24 * time.Hour

// Status words the rule understands; any other status is "not finished".
const (
	Running   = "running"
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Video is what the extend rule needs to know about a video.
type Video struct {
	ID         string    // the service's task id; "" = the create was never confirmed
	Status     string    // Running, Succeeded, Failed or another word ("unknown", …)
	Upscale    bool      // a 1080p/4K version of another video, not a Veo render
	Created    time.Time // when the service made it; zero = not known
	Resolution string    // as rendered; "" = not known (the service's default is 720p)
	HDAsked    bool      // a 1080p version of it was requested and not refused
	FourKAsked bool      // a 4K version of it was requested and not refused
}

// Blocker is why the service would refuse to extend a video.
type Blocker int

const (
	None        Blocker = iota // it can be extended
	NoID                       // no service task id: nothing to extend
	IsUpscale                  // an upscaled version, not a Veo render
	NotDone                    // still running
	IsFailed                   // failed: no video
	NotFinal                   // another state (unknown, submitting, refused…)
	Expired                    // past the service's 14 days
	NativeHD                   // rendered at 1080p or 4k
	HDRequested                // its 1080p version was requested
)

// Check applies the rule: the video succeeded, the service still keeps it
// (14 days), it was rendered at 720p (a video generated at 1080p or 4k
// cannot be extended), and no 1080p version of it was requested. A 4K
// request does not block (undocumented: see Warning).
func Check(v Video, now time.Time) Blocker {
	switch {
	case v.ID == "":
		return NoID
	case v.Upscale:
		return IsUpscale
	case v.Status == Running:
		return NotDone
	case v.Status == Failed:
		return IsFailed
	case v.Status != Succeeded:
		return NotFinal
	case !v.Created.IsZero() && now.After(v.Created.Add(Retention)):
		return Expired
	case HighRes(v.Resolution):
		return NativeHD
	case v.HDAsked:
		return HDRequested
	}
	return None
}

// HighRes reports whether a rendered resolution is one the service will
// not extend (anything but 720p, which is also the default when absent).
func HighRes(resolution string) bool {
	r := strings.ToLower(strings.TrimSpace(resolution))
	return r != "" && r != "720p"
}

// Explain says in words why v cannot be extended ("" for None), for a
// sentence such as "cannot extend: …".
func (b Blocker) Explain(v Video) string {
	switch b {
	case None:
		return ""
	case NoID:
		return "it has no service task id yet (its create was never confirmed), so there is no video to extend"
	case IsUpscale:
		return "it is an upscaled (1080p/4K) version: extend the original video, upscale last"
	case NotDone:
		return "it is still running: wait until it has finished"
	case IsFailed:
		return "it failed, so there is no video to extend"
	case NotFinal:
		return fmt.Sprintf("it is %s; only finished videos can be extended", v.Status)
	case Expired:
		return fmt.Sprintf("it was made on %s, more than the service's 14 days ago, and the service no longer keeps it",
			v.Created.Format("Jan 2"))
	case NativeHD:
		return fmt.Sprintf("it was rendered at %s, and the service extends only 720p renders (1080p and 4k generations cannot be extended)",
			strings.ToLower(strings.TrimSpace(v.Resolution)))
	case HDRequested:
		return "its 1080p version was requested, and the service does not extend a video after that: extend first, upscale last"
	}
	return "it cannot be extended"
}

// Short is a few words for a narrow place (a list row, a status line).
func (b Blocker) Short(v Video) string {
	switch b {
	case None:
		return ""
	case NoID:
		return "no task id yet"
	case IsUpscale:
		return "upscaled version"
	case NotDone:
		return "still running"
	case IsFailed:
		return "failed"
	case NotFinal:
		return v.Status
	case Expired:
		return "past 14 days"
	case NativeHD:
		return "rendered at " + strings.ToLower(strings.TrimSpace(v.Resolution))
	case HDRequested:
		return "1080p requested"
	}
	return "not extendable"
}

// Warning is what the user should know before extending v, "" if nothing:
// whether a 4K request blocks extending is not documented, so it warns
// and does not block.
func Warning(v Video) string {
	if v.FourKAsked {
		return "its 4K version was requested; the service does not say whether it still extends a video after that, and may refuse (nothing is charged then)"
	}
	return ""
}

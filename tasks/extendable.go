package tasks

import (
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/rules"
)

// Retention is how long the service keeps records and media: 14 days.
const Retention = rules.Retention

// ExpiresAt is when the service forgets t: its records and media are kept
// 14 days from creation. Zero when the creation time is not known.
func ExpiresAt(t *store.Task) time.Time {
	if t.CreatedAt.IsZero() {
		return time.Time{}
	}
	return t.CreatedAt.Add(Retention)
}

// WhyNotExtendable says in words why the service would refuse to extend
// t, or "" when it can be extended. It is the one rule the TUI, the
// commands and the simulator apply (tasks/rules).
func WhyNotExtendable(t *store.Task, now time.Time) string {
	v := videoOf(t)
	return rules.Check(v, now).Explain(v)
}

// NotExtendableShort is WhyNotExtendable in a few words for a narrow place
// ("rendered at 4k", "1080p requested"), "" when t can be extended.
func NotExtendableShort(t *store.Task, now time.Time) string {
	v := videoOf(t)
	return rules.Check(v, now).Short(v)
}

// videoOf is what the rule needs to know of a task in the history. The
// resolution is what the service reported, else what was asked for.
func videoOf(t *store.Task) rules.Video {
	res := t.Resolution
	if res == "" {
		res = t.Request.Resolution
	}
	return rules.Video{ID: t.TaskID, Status: t.Status, Upscale: t.Kind == store.KindUpscale,
		Created: t.CreatedAt, Resolution: res, HDAsked: t.Upscaled1080}
}

// ExtendWarning is what the user should know before extending src ("" if
// nothing): a 4K version of it was requested, which the service does not
// document as blocking. It reads the history, never the service.
func (s *Service) ExtendWarning(src *store.Task) string {
	v := videoOf(src)
	v.FourKAsked = s.fourKAsked(src)
	return rules.Warning(v)
}

// fourKAsked: a 4K upscale of src is in the history and was not refused.
func (s *Service) fourKAsked(src *store.Task) bool {
	if src.TaskID == "" {
		return false
	}
	kids, err := s.store.Children(src.TaskID)
	if err != nil {
		return false
	}
	for _, k := range kids {
		if k.Kind == store.KindUpscale && k.Request.UpscaleTo == Upscale4K && !refused(&k) {
			return true
		}
	}
	return false
}

// refused: the service said no to the create, so nothing was made. A
// history from before the refused status holds such creates as failed
// ones that were never accepted.
func refused(t *store.Task) bool {
	legacy := t.Status == store.StatusFailed && t.SubmittedAt.IsZero() && t.TaskID == "" &&
		t.Error != nil && t.Error.Kind != "dismissed"
	return t.Status == store.StatusRefused || legacy
}

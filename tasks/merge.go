package tasks

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Merge, never erase. The service answers in several shapes, some sparser
// than others (the older one has no response object: no stitched video,
// no seeds, no resolution, no times), and answers can arrive out of order.
// So a later answer never replaces a known value with an empty or absent
// one; when two answers carry different values, the newer wins and the
// change is an event in the task's timeline, where the user can see it.

// changed is the Event status of a fact that changed between answers.
const changed = "changed"

// mergeURLs keeps what is known unless the answer has links. Links are
// signed afresh on every answer, so a new signature of the same file
// replaces the old one quietly; another file is an event.
func mergeURLs(t *store.Task, what string, dst *[]string, got []string, now time.Time) bool {
	if len(got) == 0 {
		return false
	}
	if len(*dst) > 0 && !slices.Equal(unsigned(*dst), unsigned(got)) {
		note(t, now, "%s now %s (was %s)", what, strings.Join(unsigned(got), " "), strings.Join(unsigned(*dst), " "))
	}
	*dst = slices.Clone(got)
	return true
}

// unsigned drops the query (signature, expiry) of each link: what stays
// names the file.
func unsigned(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		if p, err := url.Parse(u); err == nil {
			p.RawQuery, p.Fragment = "", ""
			u = p.String()
		}
		out[i] = u
	}
	return out
}

func mergeString(t *store.Task, what string, dst *string, got string, now time.Time) {
	if got == "" || got == *dst {
		return
	}
	if *dst != "" {
		note(t, now, "%s now %s (was %s)", what, got, *dst)
	}
	*dst = got
}

func mergeList[E comparable](t *store.Task, what string, dst *[]E, got []E, now time.Time) {
	if len(got) == 0 || slices.Equal(*dst, got) {
		return
	}
	if len(*dst) > 0 {
		note(t, now, "%s now %v (was %v)", what, got, *dst)
	}
	*dst = slices.Clone(got)
}

// mergeTime takes the service's time when it gives one. The shapes carry
// it in milliseconds or in whole seconds, so under a second apart is the
// same time (the more precise one stays).
func mergeTime(t *store.Task, what string, dst *time.Time, got time.Time, now time.Time) {
	if got.IsZero() {
		return
	}
	if !dst.IsZero() {
		if d := got.Sub(*dst); d > -time.Second && d < time.Second {
			return
		}
		note(t, now, "%s now %s (was %s)", what, got.UTC().Format(time.DateTime), dst.UTC().Format(time.DateTime))
	}
	*dst = got
}

func note(t *store.Task, now time.Time, format string, args ...any) {
	t.Events = append(t.Events, store.Event{At: now, Status: changed, Note: api.Sanitize(fmt.Sprintf(format, args...))})
}

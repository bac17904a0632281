package tasklist

import (
	"slices"
	"strings"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// query is the search field understood: words to find in any order
// (prompts, ids, seeds) and filters that narrow them, such as
// "fox snow kind:extend status:failed model:quality is:downloaded".
type query struct {
	words   []string // lowercased; also what the rows highlight
	find    store.Find
	none    bool   // the filters and the view exclude each other: nothing can match
	problem string // a filter veox does not understand, and what it takes
}

// The filters' values, as the list shows them.
var (
	kindValues   = []string{store.KindGenerate, store.KindExtend, store.KindUpscale, store.KindImport}
	statusValues = map[string]string{
		"done": store.StatusSucceeded, "succeeded": store.StatusSucceeded, "failed": store.StatusFailed,
		"running": store.StatusRunning, "sending": store.StatusSubmitting, "submitting": store.StatusSubmitting,
		"unknown": store.StatusUnknown, "refused": store.StatusRefused,
	}
	modelValues = []string{"fast", "quality", "lite", "1080p", "4k"}
)

// parseQuery reads the field within a view: the view's statuses narrow
// a status: filter (or stand for it), so a search survives switching views.
func parseQuery(text string, v View) query {
	var q query
	var models []string
	downloaded := false
	for _, f := range strings.Fields(strings.ToLower(text)) {
		name, val, ok := strings.Cut(f, ":")
		if !ok || val == "" {
			q.words = append(q.words, f)
			continue
		}
		switch name {
		case "kind":
			k := byPrefix(kindValues, val)
			if k == "" {
				q.problem = "kind: takes generate, extend, upscale or import"
				continue
			}
			q.find.Kinds = append(q.find.Kinds, k)
		case "status":
			s, ok := statusValues[val]
			if !ok {
				q.problem = "status: takes done, failed, running, sending, unknown or refused"
				continue
			}
			q.find.Statuses = append(q.find.Statuses, s)
		case "model":
			m := byPrefix(modelValues, strings.TrimPrefix(strings.TrimPrefix(val, "veo3_"), "veo3"))
			if val == "veo3" {
				m = "quality"
			}
			if m == "" {
				q.problem = "model: takes fast, quality, lite, 1080p or 4k"
				continue
			}
			models = append(models, m)
		case "is":
			if !strings.HasPrefix("downloaded", val) {
				q.problem = "is: takes downloaded"
				continue
			}
			downloaded = true
		default:
			q.words = append(q.words, f) // "9:16" or "pm:" are words, not filters
		}
	}
	q.find.Words = q.words
	q.find.Match = match(models, downloaded)
	q.find.Statuses, q.none = narrow(q.find.Statuses, v.statuses())
	return q
}

// byPrefix is the one value that starts with p ("ext" is extend).
func byPrefix(values []string, p string) string {
	if p == "" {
		return ""
	}
	for _, v := range values {
		if strings.HasPrefix(v, p) {
			return v
		}
	}
	return ""
}

// narrow intersects the filter's statuses with the view's (nil: all);
// none reports an empty intersection.
func narrow(filter, view []string) (out []string, none bool) {
	switch {
	case view == nil:
		return filter, false
	case filter == nil:
		return view, false
	}
	for _, s := range filter {
		if slices.Contains(view, s) {
			out = append(out, s)
		}
	}
	return out, len(out) == 0
}

// match is what the index cannot tell: the model family and whether the
// video was downloaded (nil when neither is asked).
func match(models []string, downloaded bool) func(*store.Task) bool {
	if len(models) == 0 && !downloaded {
		return nil
	}
	return func(t *store.Task) bool {
		if downloaded && len(t.Files) == 0 {
			return false
		}
		return len(models) == 0 || slices.Contains(models, tasks.ModelFamily(t))
	}
}

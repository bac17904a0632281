package cli

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// appendTaskElement appends t's --json shape (taskJSON) as an element of
// the array 'veox list --json' prints: byte for byte what writeJSON gives
// for toJSON(t) inside a slice, written straight into dst, indented as it
// goes. It exists for whole histories, where encoding/json's reflection,
// its indenting pass and a map per task were most of the cost; toJSON and
// writeJSON stay the shape's definition (taskjson_test.go holds one to the
// other). missing says which files are gone from disk.
func appendTaskElement(dst []byte, t *store.Task, now time.Time, missing func(path string) bool) ([]byte, error) {
	w := jw{b: dst}
	w.open('{')
	w.str("taskId", t.TaskID)
	w.str("localId", t.LocalID)
	w.str("kind", t.Kind)
	if t.ParentID != "" {
		w.str("parentTaskId", t.ParentID)
	} else {
		w.null("parentTaskId")
	}
	w.str("prompt", t.Request.Prompt)
	w.str("model", t.Request.Model)
	if seed := format.SeedValue(t); seed != 0 {
		w.int("seed", int64(seed))
	} else {
		w.null("seed")
	}
	w.str("watermark", t.Request.Watermark)
	w.str("callbackUrl", t.Request.CallbackURL)
	w.str("status", t.Status)
	if e := t.Error; e != nil {
		w.key("error")
		w.open('{')
		w.str("kind", e.Kind)
		if e.Code != 0 {
			w.int("code", int64(e.Code))
		} else {
			w.null("code")
		}
		w.str("message", api.Sanitize(e.Message))
		w.str("hint", api.Sanitize(e.Hint))
		w.close('}')
	} else {
		w.null("error")
	}
	w.strs("resultUrls", t.ResultURLs)
	w.strs("fullResultUrls", t.FullResultURLs)
	w.files(t.Files, missing)
	w.downloads(t.Files, missing)
	w.str("upscaleTo", t.Request.UpscaleTo)
	w.int("estimatedCredits", int64(tasks.EstimateFor(t)))
	charged, state, note := chargeJSON(t)
	w.floatPtr("charged", charged)
	w.str("chargeState", state)
	w.str("chargeNote", note)
	why := tasks.WhyNotExtendable(t, now)
	w.bool("extendable", why == "")
	if why != "" {
		w.str("whyNotExtendable", why)
	} else {
		w.null("whyNotExtendable")
	}
	w.floatPtr("creditsBefore", floatPtr(t.CreditsBefore))
	w.floatPtr("creditsAfter", floatPtr(t.CreditsAfter))
	w.time("createdAt", t.CreatedAt)
	w.timeOrNull("submittedAt", t.SubmittedAt)
	w.timeOrNull("completedAt", t.CompletedAt)
	w.key("events")
	if len(t.Events) == 0 {
		w.b = append(w.b, "[]"...)
	} else {
		w.open('[')
		for _, e := range t.Events {
			w.elem()
			w.open('{')
			w.time("at", e.At)
			w.str("status", e.Status)
			w.str("note", e.Note)
			w.close('}')
		}
		w.close(']')
	}
	w.close('}')
	return w.b, w.err
}

// files is "files": the paths on disk now, newest download first, each
// once (toJSON's loop over newestFirst).
func (w *jw) files(files []store.File, missing func(string) bool) {
	w.key("files")
	order := make([]int, 0, len(files))
	for i := range files {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return files[b].DownloadedAt.Compare(files[a].DownloadedAt) })
	n := 0
	for k, i := range order {
		p := files[i].Path
		if missing(p) || slices.ContainsFunc(order[:k], func(j int) bool { return files[j].Path == p }) {
			continue // gone, or listed already (missing depends on the path alone)
		}
		if n == 0 {
			w.open('[')
		}
		n++
		w.elem()
		w.quote(p)
	}
	if n == 0 {
		w.b = append(w.b, "[]"...)
		return
	}
	w.close(']')
}

// downloads is "downloads": every file ever downloaded (fileJSON).
func (w *jw) downloads(files []store.File, missing func(string) bool) {
	w.key("downloads")
	if len(files) == 0 {
		w.b = append(w.b, "[]"...)
		return
	}
	w.open('[')
	for i := range files {
		f := &files[i]
		w.elem()
		w.open('{')
		w.str("path", f.Path)
		w.int("size", f.Size)
		w.str("sha256", f.SHA256)
		w.float("durationSeconds", f.Duration.Seconds())
		w.str("url", f.URL)
		w.str("downloadedAt", f.DownloadedAt.Format(time.RFC3339))
		w.bool("part", f.Part)
		w.bool("missing", missing(f.Path))
		w.close('}')
	}
	w.close(']')
}

// jw appends indented JSON: an object's or array's members each on a line
// of their own, two spaces deeper per level, starting inside the array
// writeJSON opens (depth 1).
type jw struct {
	b     []byte
	depth int
	first bool // the next member is the first of its object or array
	err   error
}

func (w *jw) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
	w.first = true
}

func (w *jw) close(c byte) {
	w.depth--
	w.newline()
	w.b = append(w.b, c)
	w.first = false
}

func (w *jw) newline() {
	w.b = append(w.b, '\n')
	for range w.depth + 1 {
		w.b = append(w.b, ' ', ' ')
	}
}

// elem starts a member: the comma after the one before, the line break.
func (w *jw) elem() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.newline()
}

func (w *jw) key(k string) {
	w.elem()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...) // keys are ours: plain ASCII
	w.b = append(w.b, '"', ':', ' ')
}

func (w *jw) null(k string) { w.key(k); w.b = append(w.b, "null"...) }

func (w *jw) str(k, v string) { w.key(k); w.quote(v) }

func (w *jw) int(k string, v int64) { w.key(k); w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jw) bool(k string, v bool) { w.key(k); w.b = strconv.AppendBool(w.b, v) }

func (w *jw) strs(k string, vs []string) {
	w.key(k)
	if len(vs) == 0 {
		w.b = append(w.b, "[]"...)
		return
	}
	w.open('[')
	for _, v := range vs {
		w.elem()
		w.quote(v)
	}
	w.close(']')
}

func (w *jw) floatPtr(k string, v *float64) {
	if v == nil {
		w.null(k)
		return
	}
	w.float(k, *v)
}

// float writes f as encoding/json does: like ES6, shortest form, exponent
// only for very small or large values; NaN and infinities are an error.
func (w *jw) float(k string, f float64) {
	w.key(k)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.fail(errors.New("json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64)))
		w.b = append(w.b, '0')
		return
	}
	fmt := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	start := len(w.b)
	w.b = strconv.AppendFloat(w.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(w.b) - start
		if s := w.b[start:]; n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s[n-2] = s[n-1]
			w.b = w.b[:len(w.b)-1]
		}
	}
}

func (w *jw) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	var err error
	if w.b, err = t.AppendText(w.b); err != nil {
		w.fail(errors.New("json: error calling MarshalJSON for type time.Time: " + err.Error()))
	}
	w.b = append(w.b, '"')
}

func (w *jw) timeOrNull(k string, t time.Time) {
	if t.IsZero() {
		w.null(k)
		return
	}
	w.time(k, t)
}

func (w *jw) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

const hexDigits = "0123456789abcdef"

// quote appends s as a JSON string the way encoding/json's default
// encoder writes it: <, > and & escaped for HTML, control characters as
// \uXXXX (or their short forms), invalid UTF-8 as U+FFFD, and U+2028 and
// U+2029 escaped.
func (w *jw) quote(s string) {
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}

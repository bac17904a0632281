package store

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastRecord decodes a record as encoding/json would, four to five times
// faster: decoding was most of the cost of reading tasks (a page of the
// list, a search's results, 'veox list --all', doctor's check). It handles
// exactly the record's own fields and plain JSON; anything else — an
// unknown or repeated key, a surrogate escape, invalid UTF-8, a number
// encoding/json would round or refuse — makes it give up (false), and the
// caller decodes with encoding/json, which has the last word. FuzzFastRecord
// holds it to giving encoding/json's result whenever it does not give up.
func fastRecord(data []byte, r *record) bool {
	// One copy of the whole text: the record's plain strings are slices of
	// it instead of a copy each (a page of the list decodes 100 records, and
	// their 30-odd allocations each were as costly as reading them: issue 17).
	d := &jd{b: data, text: string(data)}
	ok := d.object(func(key []byte) bool {
		switch string(key) {
		case "localId":
			return d.str(&r.LocalID)
		case "taskId":
			return d.str(&r.TaskID)
		case "kind":
			return d.str(&r.Kind)
		case "parentTaskId":
			return d.str(&r.ParentID)
		case "request":
			return d.request(&r.Request)
		case "status":
			return d.str(&r.Status)
		case "events":
			return d.events(&r.Events)
		case "resultUrls":
			return d.strs(&r.ResultURLs)
		case "fullResultUrls":
			return d.strs(&r.FullResultURLs)
		case "originUrls":
			return d.strs(&r.OriginURLs)
		case "urlsAt":
			return d.intPtr(&r.URLsAt)
		case "resolution":
			return d.str(&r.Resolution)
		case "seeds":
			return d.ints(&r.Seeds)
		case "hasAudio":
			return d.bools(&r.HasAudio)
		case "upscaled1080":
			return d.boolean(&r.Upscaled1080)
		case "creditsBefore":
			return d.float(&r.CreditsBefore)
		case "creditsAfter":
			return d.float(&r.CreditsAfter)
		case "charge":
			return d.charge(&r.Charge)
		case "files":
			return d.files(&r.Files)
		case "error":
			return d.taskError(&r.Error)
		case "createdAt":
			return d.int64(&r.CreatedAt)
		case "submittedAt":
			return d.intPtr(&r.SubmittedAt)
		case "completedAt":
			return d.intPtr(&r.CompletedAt)
		case "updatedAt":
			return d.int64(&r.UpdatedAt)
		case "polledAt":
			return d.intPtr(&r.PolledAt)
		}
		return false
	})
	d.space()
	return ok && d.i == len(d.b)
}

func (d *jd) request(q *Request) bool {
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "prompt":
			return d.str(&q.Prompt)
		case "model":
			return d.str(&q.Model)
		case "seed":
			return d.intN(&q.Seed)
		case "watermark":
			return d.str(&q.Watermark)
		case "callbackUrl":
			return d.str(&q.CallbackURL)
		case "generationType":
			return d.str(&q.GenerationType)
		case "imageUrls":
			return d.strs(&q.ImageURLs)
		case "aspectRatio":
			return d.str(&q.AspectRatio)
		case "resolution":
			return d.str(&q.Resolution)
		case "duration":
			return d.intN(&q.Duration)
		case "upscaleTo":
			return d.str(&q.UpscaleTo)
		case "index":
			return d.intN(&q.Index)
		}
		return false
	})
}

func (d *jd) events(out *[]rEvent) bool {
	return d.array(func() { *out = nil }, func() { *out = d.evbuf[:0] }, func() bool {
		var e rEvent
		ok := d.object(func(key []byte) bool {
			switch string(key) {
			case "at":
				return d.int64(&e.At)
			case "status":
				return d.str(&e.Status)
			case "note":
				return d.str(&e.Note)
			}
			return false
		})
		*out = append(*out, e)
		return ok
	})
}

func (d *jd) files(out *[]rFile) bool {
	return d.array(func() { *out = nil }, func() { *out = []rFile{} }, func() bool {
		var f rFile
		ok := d.object(func(key []byte) bool {
			switch string(key) {
			case "path":
				return d.str(&f.Path)
			case "url":
				return d.str(&f.URL)
			case "urlOf":
				return d.str(&f.SameAs)
			case "size":
				return d.int64(&f.Size)
			case "sha256":
				return d.str(&f.SHA256)
			case "duration":
				return d.int64((*int64)(&f.Duration))
			case "downloadedAt":
				return d.int64(&f.DownloadedAt)
			case "part":
				return d.boolean(&f.Part)
			}
			return false
		})
		*out = append(*out, f)
		return ok
	})
}

func (d *jd) taskError(out **TaskError) bool {
	if d.null() {
		*out = nil
		return true
	}
	e := new(TaskError)
	*out = e
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "code":
			return d.intN(&e.Code)
		case "kind":
			return d.str(&e.Kind)
		case "message":
			return d.str(&e.Message)
		case "hint":
			return d.str(&e.Hint)
		}
		return false
	})
}

// jd is the cursor of fastRecord over one JSON text.
type jd struct {
	b    []byte
	text string // b as a string, for str to slice from ("": str copies)
	i    int
	// times holds the optional times intPtr points to (a record has four),
	// and evbuf the first events, so they cost no allocation each: the
	// record they belong to lives as long as the decoder.
	times [4]int64
	used  int
	evbuf [6]rEvent
}

func (d *jd) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (d *jd) next(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *jd) null() bool {
	d.space()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// object reads {"key": value, …}, handing each key to field, which reads
// the value. A key seen twice gives up (encoding/json merges repeats), and
// so does a key with an escape (none of the record's has one).
func (d *jd) object(field func(key []byte) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	var seenArr [32][]byte
	seen := seenArr[:0]
	for {
		key, ok := d.key()
		if !ok || !d.next(':') {
			return false
		}
		for _, k := range seen {
			if string(k) == string(key) {
				return false
			}
		}
		seen = append(seen, key)
		if !field(key) {
			return false
		}
		if d.next(',') {
			continue
		}
		return d.next('}')
	}
}

// key reads an object key without copying it: plain ASCII only.
func (d *jd) key() ([]byte, bool) {
	if !d.next('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			d.i++
			return d.b[start : d.i-1], true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
		d.i++
	}
	return nil, false
}

// array reads null (setNil), [] (setEmpty) or [v, …] (elem reads each).
func (d *jd) array(setNil, setEmpty func(), elem func() bool) bool {
	if d.null() {
		setNil()
		return true
	}
	if !d.next('[') {
		return false
	}
	setEmpty()
	if d.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if d.next(',') {
			continue
		}
		return d.next(']')
	}
}

// str reads a string (null leaves *s as it is, as encoding/json does); a
// nil s checks the string without keeping it.
func (d *jd) str(s *string) bool {
	if d.null() {
		return true
	}
	if !d.next('"') {
		return false
	}
	b, start := d.b, d.i
	plain, ascii := true, true
	for i := start; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			raw := b[start:i]
			d.i = i + 1
			if !ascii && !utf8.Valid(raw) {
				return false // encoding/json would replace it
			}
			if plain {
				switch {
				case s == nil:
				case d.text != "":
					*s = d.text[start:i]
				default: // a decoder that keeps few strings copies each
					*s = string(raw)
				}
				return true
			}
			return d.unescape(raw, s) // (a multi-byte character escaped is refused there)
		case c == '\\':
			plain = false
			i += 2
		case c < 0x20:
			return false
		default:
			ascii = ascii && c < utf8.RuneSelf
			i++
		}
	}
	return false
}

// unescape decodes a string's escapes; a surrogate pair gives up.
func (d *jd) unescape(raw []byte, s *string) bool {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(raw) {
			return false
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(raw) {
				return false
			}
			v, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
			if err != nil || (v >= 0xD800 && v < 0xE000) {
				return false
			}
			out = utf8.AppendRune(out, rune(v))
			i += 4
		default:
			return false
		}
	}
	if s != nil {
		*s = string(out)
	}
	return true
}

// number returns the next JSON number's text and whether it is an integer
// (no fraction, no exponent).
func (d *jd) number() (text []byte, integer bool, ok bool) {
	d.space()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || (d.b[digits] == '0' && d.i-digits > 1) {
		return nil, false, false
	}
	integer = true
	if d.i < len(d.b) && d.b[d.i] == '.' {
		integer = false
		d.i++
		frac := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		if d.i == frac {
			return nil, false, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		integer = false
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		exp := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		if d.i == exp {
			return nil, false, false
		}
	}
	return d.b[start:d.i], integer, true
}

func (d *jd) int64(v *int64) bool {
	if d.null() {
		return true
	}
	text, integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	n, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		return false
	}
	*v = n
	return true
}

func (d *jd) intN(v *int) bool {
	var n int64
	if !d.int64(&n) || int64(int(n)) != n {
		return false
	}
	*v = int(n)
	return true
}

func (d *jd) intPtr(v **int64) bool {
	if d.null() {
		*v = nil
		return true
	}
	var n *int64
	if d.used < len(d.times) {
		n = &d.times[d.used]
		d.used++
	} else {
		n = new(int64)
	}
	*v = n
	return d.int64(n)
}

func (d *jd) float(v *float64) bool {
	if d.null() {
		return true
	}
	text, _, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return false
	}
	*v = f
	return true
}

func (d *jd) boolean(v *bool) bool {
	if d.null() {
		return true
	}
	d.space()
	switch {
	case len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "true":
		*v, d.i = true, d.i+4
		return true
	case len(d.b)-d.i >= 5 && string(d.b[d.i:d.i+5]) == "false":
		*v, d.i = false, d.i+5
		return true
	}
	return false
}

func (d *jd) strs(out *[]string) bool {
	return d.array(func() { *out = nil }, func() { *out = []string{} }, func() bool {
		if d.null() {
			return false // encoding/json keeps a zero element; not worth the case
		}
		var s string
		ok := d.str(&s)
		*out = append(*out, s)
		return ok
	})
}

func (d *jd) ints(out *[]int) bool {
	return d.array(func() { *out = nil }, func() { *out = []int{} }, func() bool {
		if d.null() {
			return false
		}
		var n int
		ok := d.intN(&n)
		*out = append(*out, n)
		return ok
	})
}

func (d *jd) bools(out *[]bool) bool {
	return d.array(func() { *out = nil }, func() { *out = []bool{} }, func() bool {
		if d.null() {
			return false
		}
		var b bool
		ok := d.boolean(&b)
		*out = append(*out, b)
		return ok
	})
}

// fastIndexFields decodes only what the indexes are made of (check.go),
// skipping the rest of the record after checking its syntax: the values
// that make most of a record's bytes are never turned into strings.
func fastIndexFields(data []byte, t *Task) bool {
	d := &jd{b: data}
	var created int64
	var submitted, completed *int64
	var files []rFile
	ok := d.object(func(key []byte) bool {
		switch string(key) {
		case "localId":
			// A record that names another id than its key does not decode
			// (decodeTask says why): leave it to the full decoder.
			var id string
			return d.str(&id) && (id == "" || id == t.LocalID)
		case "taskId":
			return d.str(&t.TaskID)
		case "kind":
			return d.str(&t.Kind)
		case "parentTaskId":
			return d.str(&t.ParentID)
		case "status":
			return d.str(&t.Status)
		case "seeds":
			return d.ints(&t.Seeds)
		case "createdAt":
			return d.int64(&created)
		case "submittedAt":
			return d.intPtr(&submitted)
		case "completedAt":
			return d.intPtr(&completed)
		case "files":
			return d.files(&files)
		case "request":
			return d.request(&t.Request) // small: read whole, as the full decoder does
		}
		// The other fields are skipped whatever their spelling; only one
		// that encoding/json would take, ignoring case, for a field read
		// above makes the full decoder decide (exact names were read).
		return (otherRecordKey(key) || !foldsTo(key, indexRecordKeys())) && d.skip(0)
	})
	d.space()
	t.CreatedAt = fromMS(created)
	t.SubmittedAt, t.CompletedAt = sinceOpt(submitted, created), sinceOpt(completed, created)
	for _, f := range files { // what the row facts read of them
		t.Files = append(t.Files, File{Duration: f.Duration, Part: f.Part})
	}
	return ok && d.i == len(d.b)
}

// skip passes over one value, checking its syntax.
func (d *jd) skip(depth int) bool {
	if depth > 64 {
		return false
	}
	d.space()
	if d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return d.str(nil)
	case c == '{':
		return d.object(func([]byte) bool { return d.skip(depth + 1) })
	case c == '[':
		return d.array(func() {}, func() {}, func() bool { return d.skip(depth + 1) })
	case c == 't':
		var b bool
		return d.boolean(&b)
	case c == 'f':
		var b bool
		return d.boolean(&b)
	case c == 'n':
		return d.null()
	default:
		_, _, ok := d.number()
		return ok
	}
}

// foldsTo reports whether key matches one of keys ignoring case: where
// encoding/json would take it for that field, skipping it would differ.
func foldsTo(key []byte, keys []string) bool {
	for _, k := range keys {
		if strings.EqualFold(string(key), k) {
			return true
		}
	}
	return false
}

// otherRecordKey: key is exactly one of recordKeys that fastIndexFields
// skips, so it cannot be taken for one it reads (a struct's JSON names
// differ ignoring case); the spelling of most keys skipped is decided
// without folding it against each name read.
func otherRecordKey(key []byte) bool {
	switch string(key) {
	case "events", "resultUrls", "fullResultUrls", "originUrls", "urlsAt", "resolution", "hasAudio", "upscaled1080",
		"creditsBefore", "creditsAfter", "charge", "error", "updatedAt", "polledAt":
		return true
	}
	return false
}

// indexRecordKeys are the record's keys fastIndexFields reads.
func indexRecordKeys() []string {
	return []string{"localId", "taskId", "kind", "parentTaskId", "status", "seeds", "createdAt", "submittedAt", "completedAt", "files", "request"}
}

// recordKeys and requestKeys are the JSON names of record's and Request's
// fields (TestFastKeyListsMatchTheStructs keeps them in step).
func recordKeys() []string {
	return []string{"localId", "taskId", "kind", "parentTaskId", "request", "status", "events", "resultUrls",
		"fullResultUrls", "originUrls", "urlsAt", "resolution", "seeds", "hasAudio", "upscaled1080", "creditsBefore",
		"creditsAfter", "charge", "files", "error", "createdAt", "submittedAt", "completedAt", "updatedAt", "polledAt"}
}

func requestKeys() []string {
	return []string{"prompt", "model", "seed", "watermark", "callbackUrl", "generationType", "imageUrls",
		"aspectRatio", "resolution", "duration", "upscaleTo", "index"}
}

package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// A list row's facts, kept in the time index (issue 17).
//
// The TUI's list shows 200 tasks a page read, and a row needs a dozen of a
// task's fields. Read from the records, a page at 100,000 tasks touched
// about 180 KB of JSON on 45 pages of the file and cost 2-5 ms in the
// program. That is most of what a held page key cost more there than in
// a short history. So the time index entry, which List walks anyway,
// also holds what a row shows and the search entry does not: the seed, the
// length, the model and upscale target, the asked duration and the two
// times. The prompt and the service id come from the search entry, which
// has them lowercased. A few bytes that put their case back (a "case
// patch") cost much less room than a second copy of the prompt. The file
// grows by about 25 bytes a task where a copy would have added 130.
//
// The facts are derived from the record in the same transaction as the
// other indexes (appendIndexEntries), so they cannot disagree with it;
// 'veox doctor' compares them like any index entry and Reindex rebuilds
// them. A reader that cannot make a row from them (no facts, a missing
// or different search entry) decodes the record as before. A task read as
// a row carries Row and cannot be written back (encodeTask refuses it).
// Rows do not read the records, so a record damaged or lost under its
// index entries still shows as its row; reading it whole then fails and
// says so, and 'veox doctor' reports it, as before.

// RowFacts is what a row shows beyond a task's plain fields: set on the
// tasks List returns for Query.Rows, nil on a whole task.
type RowFacts struct {
	// Seed is the seed to show: the first the service reported, else the
	// one asked for, else 0.
	Seed int
	// Length is the duration of the last whole file on disk, 0 if none.
	Length time.Duration
}

// The flags byte that starts the facts.
const (
	factSubmitted = 1 << iota // SubmittedAt follows
	factCompleted             // CompletedAt follows
	factLength                // Length follows
	factInline                // the prompt and service id follow as is, not as a case patch
)

// errNoRow: the entry cannot give the row; read the record.
var errNoRow = errors.New("no row facts")

// appendRowFacts appends t's row facts; low is t's search text
// (appendSearchValue), whose first two fields the case patch restores.
func appendRowFacts(dst []byte, t *Task, low []byte) []byte {
	c := ms(t.CreatedAt)
	var flags byte
	if !t.SubmittedAt.IsZero() {
		flags |= factSubmitted
	}
	if !t.CompletedAt.IsZero() {
		flags |= factCompleted
	}
	length := wholeLength(t)
	if length > 0 {
		flags |= factLength
	}
	prompt, taskID := asStored(t.Request.Prompt), asStored(t.TaskID)
	patch, ok := appendCasePatch(nil, prompt+"\x00"+taskID, low)
	if !ok {
		flags |= factInline
	}
	dst = append(dst, flags)
	dst = binary.AppendVarint(dst, int64(seedOf(t)))
	dst = binary.AppendVarint(dst, int64(t.Request.Duration))
	if flags&factLength != 0 {
		dst = binary.AppendVarint(dst, int64(length/time.Millisecond))
	}
	if flags&factSubmitted != 0 {
		dst = binary.AppendVarint(dst, after(t.SubmittedAt, c))
	}
	if flags&factCompleted != 0 {
		dst = binary.AppendVarint(dst, after(t.CompletedAt, c))
	}
	dst = appendField(dst, t.Request.Model)
	dst = appendField(dst, t.Request.UpscaleTo)
	if flags&factInline != 0 {
		return appendField(appendField(dst, prompt), taskID)
	}
	dst = binary.AppendUvarint(dst, uint64(len(prompt)))
	dst = binary.AppendUvarint(dst, uint64(len(taskID)))
	return append(dst, patch...)
}

// seedOf is the seed a row shows: the service's, else the one asked for.
func seedOf(t *Task) int {
	if len(t.Seeds) > 0 && t.Seeds[0] != 0 {
		return t.Seeds[0]
	}
	return t.Request.Seed
}

// wholeLength is the duration of the last file on disk that is not an
// extension's part alone.
func wholeLength(t *Task) time.Duration {
	for i := len(t.Files) - 1; i >= 0; i-- {
		if f := t.Files[i]; !f.Part && f.Duration > 0 {
			return f.Duration.Truncate(time.Millisecond)
		}
	}
	return 0
}

// appendField appends s, as stored, after its length.
func appendField(dst []byte, s string) []byte {
	s = asStored(s)
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// asStored is s as the record gives it back: encoding/json writes each
// byte that is not UTF-8 as U+FFFD, and the facts must agree with the
// record, from which 'veox doctor' derives them.
func asStored(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for a byte that is not UTF-8
		i += size
	}
	return b.String()
}

// appendCasePatch appends what turns the first len(orig) bytes of low
// back into orig: a count, then per rune that differs its offset after the
// last one and the rune. ok is false when no patch can: low does not start
// with orig lowered rune for rune in the same number of bytes (a rune
// whose lower case is longer or shorter, invalid UTF-8), or a patch does
// not give orig back.
func appendCasePatch(dst []byte, orig string, low []byte) ([]byte, bool) {
	if len(low) < len(orig) {
		return dst, false
	}
	var pairs []byte
	n, last := 0, 0
	for i := 0; i < len(orig); {
		ro, so := utf8.DecodeRuneInString(orig[i:])
		rl, sl := utf8.DecodeRune(low[i:])
		if so != sl || (ro == utf8.RuneError && so == 1) {
			return dst, false
		}
		if ro != rl {
			pairs = binary.AppendUvarint(pairs, uint64(i-last))
			pairs = binary.AppendUvarint(pairs, uint64(ro))
			n, last = n+1, i
		}
		i += so
	}
	patch := append(binary.AppendUvarint(nil, uint64(n)), pairs...)
	if got, err := applyCasePatch(nil, low[:len(orig)], patch); err != nil || string(got) != orig {
		return dst, false
	}
	return append(dst, patch...), true
}

// applyCasePatch appends low with patch applied.
func applyCasePatch(dst, low, patch []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, low...)
	n, w := binary.Uvarint(patch)
	if w <= 0 {
		return dst, errNoRow
	}
	patch = patch[w:]
	at := 0
	for range n {
		d, w1 := binary.Uvarint(patch)
		if w1 <= 0 {
			return dst, errNoRow
		}
		r, w2 := binary.Uvarint(patch[w1:])
		if w2 <= 0 || r > utf8.MaxRune {
			return dst, errNoRow
		}
		patch = patch[w1+w2:]
		at += int(d)
		if at >= len(low) {
			return dst, errNoRow
		}
		_, size := utf8.DecodeRune(low[at:])
		if utf8.RuneLen(rune(r)) != size {
			return dst, errNoRow
		}
		utf8.EncodeRune(dst[start+at:], rune(r))
	}
	if len(patch) != 0 {
		return dst, errNoRow
	}
	return dst, nil
}

// factsReader reads varints and fields off the facts, remembering the
// first failure.
type factsReader struct {
	b   []byte
	bad bool
}

func (r *factsReader) varint() int64 {
	v, w := binary.Varint(r.b)
	if w <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[w:]
	return v
}

func (r *factsReader) uvarint() int {
	v, w := binary.Uvarint(r.b)
	if w <= 0 || v > uint64(len(r.b)+1<<20) {
		r.bad = true
		return 0
	}
	r.b = r.b[w:]
	return int(v)
}

func (r *factsReader) field() []byte {
	n := r.uvarint()
	if r.bad || n > len(r.b) {
		r.bad = true
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}

// rowInto fills t, a zero task, with the row that the time index entry
// (key k, facts) and the search text give; errNoRow when they cannot (the
// caller reads the record instead). The strings are slices of one copy,
// made in scratch: they outlive the transaction.
func rowInto(t *Task, k []byte, status, kind, facts []byte, texts *searchTexts, scratch *[]byte) error {
	if len(k) <= 8 || len(facts) == 0 {
		return errNoRow
	}
	n := int64(binary.BigEndian.Uint64(k))
	if n <= 0 {
		return errNoRow // a time before 1970 is filed under 0: only the record knows it
	}
	r := factsReader{b: facts[1:]}
	flags := facts[0]
	row := &RowFacts{Seed: int(r.varint())}
	t.Request.Duration = int(r.varint())
	if flags&factLength != 0 {
		row.Length = time.Duration(r.varint()) * time.Millisecond
	}
	t.CreatedAt = time.Unix(0, n).UTC()
	created := ms(t.CreatedAt)
	if flags&factSubmitted != 0 {
		t.SubmittedAt = since(r.varint(), created)
	}
	if flags&factCompleted != 0 {
		t.CompletedAt = since(r.varint(), created)
	}
	model, upscale := r.field(), r.field()
	b := append((*scratch)[:0], k[8:]...)
	b = append(append(append(append(b, status...), kind...), model...), upscale...)
	var lp int
	if flags&factInline != 0 {
		prompt := r.field()
		lp = len(prompt)
		b = append(append(append(b, prompt...), 0), r.field()...)
	} else {
		var lt int
		lp, lt = r.uvarint(), r.uvarint()
		low := texts.get(k)
		if r.bad || lp+1+lt > len(low) || low[lp] != 0 {
			return errNoRow
		}
		var err error
		if b, err = applyCasePatch(b, low[:lp+1+lt], r.b); err != nil {
			return errNoRow
		}
		r.b = nil
	}
	*scratch = b
	if r.bad || len(r.b) != 0 {
		return errNoRow
	}
	all := string(b) // local id, status, kind, model, upscale target, prompt, NUL, service id
	next := func(n int) string { s := all[:n]; all = all[n:]; return s }
	t.LocalID, t.Status, t.Kind = next(len(k)-8), next(len(status)), next(len(kind))
	t.Request.Model, t.Request.UpscaleTo, t.Request.Prompt = next(len(model)), next(len(upscale)), next(lp)
	t.TaskID = all[1:]
	t.Row = row
	return nil
}

// searchTexts finds the search text of time keys given newest first, as a
// page of the list asks for them: from bSearch above the pack's edge, from
// the pack's chunks below it, each chunk parsed once.
type searchTexts struct {
	edge    []byte
	search  *bolt.Cursor // one cursor for every lookup: a Get makes one each time
	pack    *bolt.Bucket
	first   []byte      // the key the parsed chunk is filed under
	entries [][2][]byte // its entries, in key order
}

func newSearchTexts(tx *bolt.Tx) *searchTexts {
	s := &searchTexts{edge: packEdge(tx), pack: tx.Bucket([]byte(bPack))}
	if b := tx.Bucket([]byte(bSearch)); b != nil {
		s.search = b.Cursor()
	}
	return s
}

// get is the search text under k, nil if none.
func (s *searchTexts) get(k []byte) []byte {
	if !packed(s.edge, k) || s.pack == nil {
		if s.search == nil {
			return nil
		}
		if got, v := s.search.Seek(k); bytes.Equal(got, k) {
			return v
		}
		return nil
	}
	if s.first == nil || string(k) < string(s.first) || !s.covers(k) {
		s.load(k)
	}
	lo, hi := 0, len(s.entries)
	for lo < hi {
		mid := (lo + hi) / 2
		if string(s.entries[mid][0]) < string(k) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(s.entries) && string(s.entries[lo][0]) == string(k) {
		return s.entries[lo][1]
	}
	return nil
}

// covers: k is not past the parsed chunk's last entry (a later chunk's).
func (s *searchTexts) covers(k []byte) bool {
	return len(s.entries) > 0 && string(k) <= string(s.entries[len(s.entries)-1][0])
}

// load parses the chunk that would hold k.
func (s *searchTexts) load(k []byte) {
	s.first = chunkOf(s.pack, k)
	s.entries = s.entries[:0]
	if s.first == nil {
		return
	}
	_ = eachEntry(s.pack.Get(s.first), func(key, text []byte) {
		s.entries = append(s.entries, [2][]byte{key, text})
	})
}

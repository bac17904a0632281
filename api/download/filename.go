package download

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the parts of a file name. With the date (10), separators and
// the largest index suffix the whole name stays under 120 bytes, well
// inside every filesystem's 255.
const (
	maxTaskIDLen = 40
	maxSlugLen   = 40
	maxSlugWords = 6
)

// FileName names a result file from our own data only (never from the
// server's URL or headers): "2026-11-23_<taskid>_<slug>.mp4", with "_2",
// "_3", … for index 1, 2, … of a task's results. The name has no path
// separators, no leading dot or dash, no control characters, and is at
// most 120 bytes.
func FileName(created time.Time, taskID, prompt string, index int) string {
	var b strings.Builder
	b.WriteString(fileDateStamp(created))
	b.WriteByte('_')
	b.WriteString(safeTaskID(taskID))
	b.WriteByte('_')
	b.WriteString(Slug(prompt))
	if index > 0 {
		// uint64 so that index+1 cannot overflow.
		fmt.Fprintf(&b, "_%d", uint64(index)+1)
	}
	b.WriteString(".mp4")
	return b.String()
}

// PartName is the name of an extension's new part saved on its own,
// beside its whole video's name: "…_slug.mp4" becomes "…_slug_part.mp4".
func PartName(name string) string {
	return strings.TrimSuffix(name, ".mp4") + "_part.mp4"
}

// fileDateStamp keeps the year to four digits: Go would print a leading '-'
// for years before 1 and five digits after 9999.
func fileDateStamp(t time.Time) string {
	if y := t.Year(); y < 1 || y > 9999 {
		return "undated"
	}
	return t.Format("2006-01-02")
}

func safeTaskID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id) && b.Len() < maxTaskIDLen; i++ {
		if c := id[i]; isASCIIAlnum(c) || c == '_' || c == '-' {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "task"
	}
	return b.String()
}

// Slug turns a prompt into at most six lowercase ASCII words joined by '-'
// (40 bytes at most), "video" if nothing is left. Accented Latin letters
// become their base letter; other scripts are dropped rather than guessed.
// A word that no longer fits ends the slug, except the first, which is cut.
func Slug(prompt string) string {
	sl := slugger{}
	for _, r := range prompt {
		if sl.done {
			break
		}
		t, sep := slugFold(r)
		if sep {
			sl.endWord()
		} else if len(sl.word)+len(t) <= maxSlugLen {
			sl.word = append(sl.word, t...)
		}
	}
	sl.endWord()
	if len(sl.out) == 0 {
		return "video"
	}
	return string(sl.out)
}

// slugger collects words into out; its buffers never exceed maxSlugLen, so
// a huge prompt costs time proportional to the runes read, not memory.
type slugger struct {
	out, word []byte
	words     int
	done      bool
}

func (s *slugger) endWord() {
	if len(s.word) == 0 || s.done {
		return
	}
	switch {
	case s.words == maxSlugWords:
		s.done = true
	case len(s.out) == 0:
		s.out = append(s.out, s.word...)
		s.words++
	case len(s.out)+1+len(s.word) <= maxSlugLen:
		s.out = append(append(s.out, '-'), s.word...)
		s.words++
	default:
		s.done = true
	}
	s.word = s.word[:0]
}

// slugFold maps a rune to the lowercase ASCII it contributes to a slug. sep is
// true for runes that end a word; ("", false) means "drop it but stay in
// the word": apostrophes ("don't" → "dont") and combining accents.
func slugFold(r rune) (t string, sep bool) {
	switch {
	case r < utf8.RuneSelf && isASCIIAlnum(byte(r)):
		return strings.ToLower(string(r)), false
	case r == '\'' || r == '\u2019' || (r >= 0x300 && r <= 0x36f):
		return "", false
	case r == '×' || r == '÷':
		return "", true
	case r >= 0xc0 && r <= 0x17f:
		return latinBase(r), false
	}
	return "", true
}

// latin1 and latinExtA give the base letter of U+00C0…U+00FF and
// U+0100…U+017F; '.' marks a rune with no one-letter base, handled in
// latinBase.
const (
	latin1    = "aaaaaa.ceeeeiiiidnooooo.ouuuuy..aaaaaa.ceeeeiiiidnooooo.ouuuuy.y"
	latinExtA = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii..jjkkkllllllllllnnnnnnnnnoooooo..rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"
)

func latinBase(r rune) string {
	switch r {
	case 'Æ', 'æ':
		return "ae"
	case 'Þ', 'þ':
		return "th"
	case 'ß':
		return "ss"
	case 'Ĳ', 'ĳ':
		return "ij"
	case 'Œ', 'œ':
		return "oe"
	}
	var c byte
	if r < 0x100 {
		c = latin1[r-0xc0]
	} else {
		c = latinExtA[r-0x100]
	}
	if c == '.' {
		return ""
	}
	return string(c)
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// NameInfo is what a result file's name says of it (FileName's parts read
// back): a file found without its sidecar still names its task.
type NameInfo struct {
	Date time.Time // the task's creation date (UTC midnight); zero for "undated"
	// IDs are the task ids the name can hold, likeliest first: a task id
	// may itself contain '_', so "…_<slug>_2.mp4" is either index 1 of one
	// id or index 0 of a longer one (whose prompt's slug is "2"). An id
	// longer than 40 characters was cut to its first 40 in the name.
	IDs []NameID
	// Part: "…_part.mp4", an extension's new part alone.
	Part bool
	// UpscaleOf is the source's id when the name is an upscale's
	// ("<source>-1080p" or "<source>-4k"): the upscale's own id is not in it.
	UpscaleOf string
	Slug      string
}

// NameID is one reading of the id and index in a file name.
type NameID struct {
	ID    string
	Index int // 0 for the first (or only) result
}

// ParseFileName reads a name FileName (or PartName) made. ok is false for
// any other name.
func ParseFileName(name string) (NameInfo, bool) {
	var n NameInfo
	stem, ok := strings.CutSuffix(name, ".mp4")
	if !ok {
		return n, false
	}
	stem, n.Part = strings.CutSuffix(stem, "_part")
	date, rest, ok := strings.Cut(stem, "_")
	if !ok {
		return n, false
	}
	if date != "undated" {
		d, err := time.Parse("2006-01-02", date)
		if err != nil {
			return n, false
		}
		n.Date = d
	}
	tokens := strings.Split(rest, "_")
	if len(tokens) < 2 {
		return n, false
	}
	last := len(tokens) - 1
	if idx, ok := indexSuffix(tokens[last]); ok && len(tokens) >= 3 && slugShaped(tokens[last-1]) {
		n.IDs = append(n.IDs, NameID{ID: strings.Join(tokens[:last-1], "_"), Index: idx})
		n.Slug = tokens[last-1]
	}
	if slugShaped(tokens[last]) {
		n.IDs = append(n.IDs, NameID{ID: strings.Join(tokens[:last], "_")})
		if n.Slug == "" {
			n.Slug = tokens[last]
		}
	}
	n.IDs = slices.DeleteFunc(n.IDs, func(c NameID) bool { return !idShaped(c.ID) })
	if len(n.IDs) == 0 {
		return n, false
	}
	for _, to := range []string{"-1080p", "-4k"} {
		if src, ok := strings.CutSuffix(n.IDs[0].ID, to); ok && src != "" {
			n.UpscaleOf = src
		}
	}
	return n, true
}

// indexSuffix reads FileName's "_2", "_3", … (index 1, 2, …).
func indexSuffix(s string) (int, bool) {
	if s == "" || s[0] == '0' || len(s) > 9 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v - 1, v >= 2
}

func slugShaped(s string) bool {
	if s == "" || len(s) > maxSlugLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func idShaped(s string) bool {
	return s != "" && len(s) <= maxTaskIDLen && safeTaskID(s) == s
}

// NameTaskID is id as FileName writes it into a name (what ParseFileName
// reads back as an id).
func NameTaskID(id string) string { return safeTaskID(id) }

package download

import (
	"fmt"
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

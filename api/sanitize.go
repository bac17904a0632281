package api

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text from the service safe to print on the terminal the TUI
// owns: a message carrying escape sequences could recolour the screen, set
// the clipboard (OSC 52), plant hyperlinks (OSC 8) or move the cursor over
// other rows. Escape sequences (7-bit and C1 forms) are removed whole, other
// control characters are dropped, a tab becomes a space so words stay apart,
// only \n survives, and invalid UTF-8 becomes U+FFFD.
func Sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // DCS SOS OSC PM APC
			i = skipControlString(s, i+size)
			continue
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			// dropped: C0 (incl. \r, which would let text overwrite a row), DEL, C1
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// skipEscape returns the index after the escape sequence whose ESC ended
// just before i. The forms follow ECMA-48, which is what terminals parse.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipControlString(s, i+1)
	case c >= 0x20 && c <= 0x2f: // intermediates, then one final byte
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1
	}
	// A lone ESC before something a terminal would not combine with it.
	return i
}

// skipCSI skips parameters and intermediates up to the final byte. A byte
// that cannot belong to a CSI ends it early and is then handled as text.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipControlString skips an OSC/DCS/SOS/PM/APC body. Terminals end it at
// BEL, ST (ESC \ or C1 U+009C), CAN or SUB; any other ESC aborts it and
// starts a new sequence, so that ESC is left for the caller. An
// unterminated string swallows the rest, as it would on a terminal.
func skipControlString(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case 0x07, 0x18, 0x1a:
			return i + 1
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xc2:
			if i+1 < len(s) && s[i+1] == 0x9c {
				return i + 2
			}
		}
		i++
	}
	return i
}

package tasklist

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/format"
)

// cell is a column of a row: plain text, cut or padded to width as it is
// drawn; find marks the columns where the search's words are highlighted.
type cell struct {
	text  string
	width int
	find  bool
}

// renderCells writes a row's columns to b in base (nil: unstyled), the
// search's words in each findable column in match on top of it. Each run
// is styled on its own, so a highlight never ends the selected row's
// background. An unstyled column is padded as it is written: most rows
// of a frame are those, and a held page key draws 29 of them a press.
func renderCells(b *strings.Builder, cells []cell, words []string, base *lipgloss.Style, match lipgloss.Style) {
	for _, c := range cells {
		if base == nil && (!c.find || len(words) == 0) {
			format.WritePadded(b, c.text, c.width)
			continue
		}
		text := format.Pad(c.text, c.width)
		if !c.find || len(words) == 0 {
			b.WriteString(styled(base, text))
			continue
		}
		hit := marks(text, words)
		runes := []rune(text)
		for i := 0; i < len(runes); {
			j := i
			for j < len(runes) && hit[j] == hit[i] {
				j++
			}
			if hit[i] {
				st := match
				if base != nil {
					st = match.Inherit(*base)
				}
				b.WriteString(st.Render(string(runes[i:j])))
			} else {
				b.WriteString(styled(base, string(runes[i:j])))
			}
			i = j
		}
	}
}

func styled(st *lipgloss.Style, s string) string {
	if st == nil {
		return s
	}
	return st.Render(s)
}

// marks flags the runes of text inside any occurrence of a word, ignoring
// case (rune by rune, so positions stay those of text).
func marks(text string, words []string) []bool {
	low := []rune(text)
	for i, r := range low {
		low[i] = unicode.ToLower(r)
	}
	hit := make([]bool, len(low))
	for _, w := range words {
		wr := []rune(w)
		if len(wr) == 0 {
			continue
		}
		for i := 0; i+len(wr) <= len(low); i++ {
			if string(low[i:i+len(wr)]) == string(wr) {
				for k := i; k < i+len(wr); k++ {
					hit[k] = true
				}
			}
		}
	}
	return hit
}

package tasklist

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/lipgloss"
)

// cell is a column of a row, as drawn: plain text, padded to its width;
// find marks the columns where the search's words are highlighted.
type cell struct {
	text string
	find bool
}

// renderCells draws a row's columns in base (nil: unstyled), the search's
// words in each findable column in match on top of it. Each run is styled
// on its own, so a highlight never ends the selected row's background.
func renderCells(cells []cell, words []string, base *lipgloss.Style, match lipgloss.Style) string {
	var b strings.Builder
	n := 0
	for _, c := range cells {
		n += len(c.text)
	}
	b.Grow(n + 32*len(cells)) // the text, and room for a style's sequences
	for _, c := range cells {
		if !c.find || len(words) == 0 {
			b.WriteString(styled(base, c.text))
			continue
		}
		hit := marks(c.text, words)
		runes := []rune(c.text)
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
	return b.String()
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

package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The root fits each frame's screen and footer to their place (View). It
// did so with lipgloss (Height, MaxHeight, MaxWidth), which measures the
// width of every line of every frame: at 30 frames a second for a held key
// that was a sixth of veox's work, for lines that mostly had not changed.
// fitter gives the same bytes as lipgloss, and keeps the widths of the
// lines of the last two frames (issue 17).
type fitter struct {
	cur, prev map[string]int
}

func newFitter() *fitter {
	return &fitter{cur: map[string]int{}, prev: map[string]int{}}
}

// frame starts a frame: widths of two frames ago are let go.
func (f *fitter) frame() {
	f.prev, f.cur = f.cur, f.prev
	clear(f.cur)
}

// width is the line's width in cells, as ansi.StringWidth counts it.
func (f *fitter) width(line string) int {
	if w, ok := f.cur[line]; ok {
		return w
	}
	w, ok := f.prev[line]
	if !ok {
		w = ansi.StringWidth(line)
	}
	f.cur[line] = w
	return w
}

// block is lipgloss.NewStyle().Height(h).MaxHeight(h).MaxWidth(w).Render(s)
// (h = 0: neither Height nor MaxHeight): tabs made four spaces, at least h
// lines, each padded with spaces to the widest, cut to w cells, and no
// more than h lines.
func (f *fitter) block(s string, w, h int) string {
	s = strings.ReplaceAll(s, "\t", "    ")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	widths := make([]int, len(lines))
	widest := 0
	for i, l := range lines {
		widths[i] = f.width(l)
		widest = max(widest, widths[i])
	}
	if h > 0 {
		lines, widths = lines[:min(h, len(lines))], widths[:min(h, len(widths))]
	}
	fill := min(widest, w)
	var b strings.Builder
	b.Grow(len(s) + len(lines)*(fill+1))
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		lw := widths[i]
		if lw > w {
			l, lw = ansi.Truncate(l, w, ""), w
		}
		b.WriteString(l)
		if lw < fill {
			b.WriteString(strings.Repeat(" ", fill-lw))
		}
	}
	return b.String()
}

package ui

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// The fitter gives the bytes lipgloss gave, frame after frame (widths
// kept from the frames before): plain, styled, wide and tabbed lines,
// lines wider than the place, fewer and more lines than it has.
func TestFitIsWhatLipglossDrew(t *testing.T) {
	t.Parallel()
	pieces := []string{"", "a", "hello world", "\x1b[1mbold\x1b[0m", "\x1b[38;5;202mcolour\x1b[m", "日本語", "🦊", "e\u0301", "\t", "\r\n", "\n", "…", " ", "wide日本語text"}
	r := rand.New(rand.NewPCG(1, 2))
	f := newFitter()
	for i := range 3000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s, w, h := b.String(), 1+r.IntN(30), r.IntN(8)
		want := lipgloss.NewStyle().MaxWidth(w).Render(s)
		if h > 0 {
			want = lipgloss.NewStyle().Height(h).MaxHeight(h).MaxWidth(w).Render(s)
		}
		f.frame()
		if got := f.block(s, w, h); got != want {
			t.Fatalf("case %d: %q at %d×%d:\n got %q\nwant %q", i, s, w, h, got, want)
		}
	}
}

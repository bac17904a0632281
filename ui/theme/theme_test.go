package theme

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Colours are resolved for the terminal once, when the styles are built,
// and draw as lipgloss would have drawn the adaptive hex colours: a
// 256-colour terminal gets the nearest of its palette, a 16-colour one
// the nearest of its 16, NO_COLOR none, and the dark side on a dark
// background.
func TestColoursResolvedOnceDrawAsBefore(t *testing.T) {
	for _, prof := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, dark := range []bool{false, true} {
			r := lipgloss.NewRenderer(io.Discard)
			r.SetColorProfile(prof)
			r.SetHasDarkBackground(dark)
			got := New(r).Title.Render("veox")
			want := r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D8CFF"}).Render("veox")
			if got != want {
				t.Errorf("profile %v, dark %v: %q; lipgloss draws %q", prof, dark, got, want)
			}
			if prof == termenv.Ascii && strings.Contains(got, "\x1b[3") {
				t.Errorf("a colour under NO_COLOR: %q", got)
			}
		}
	}
}

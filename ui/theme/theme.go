// Package theme holds veox's styles; the status glyphs and words are in
// ui/format, shared with the commands. Styles are built once in ui/cli
// (after the terminal's background is known) and passed down; no state
// lives at package level.
package theme

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/store"
)

// Styles is every style the screens use, shared: it points at one Set
// built once, so each screen's copy of it is a pointer, not 14 KB of
// lipgloss styles. Bubble Tea copies the root model (and every screen in
// it) on each message; with the set held by value in eight screens that
// was 110 KB copied several times per key. The fields read as before
// (st.Title); nothing changes a Set once built.
type Styles struct{ *Set }

// Set is the styles themselves. Colours are adaptive (light and dark
// terminals); meaning never rides on colour alone: each status also has a
// word and a glyph that read under NO_COLOR.
type Set struct {
	App, Title, Subtitle, Faint, Bold, Selected, Cursor  lipgloss.Style
	Label, Value, FieldFocused, FieldBlurred, FieldError lipgloss.Style
	Error, Warning, Success, Running, Info               lipgloss.Style
	StatusBar, StatusKey, DemoBadge, ReadOnlyBadge       lipgloss.Style
	Border, Panel, HelpKey, HelpDesc                     lipgloss.Style
}

var (
	accent  = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D8CFF"}
	faint   = lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
	red     = lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF6B6B"}
	amber   = lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#FFC857"}
	green   = lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"}
	blue    = lipgloss.AdaptiveColor{Light: "#0B5CAD", Dark: "#6CB6FF"}
	barBg   = lipgloss.AdaptiveColor{Light: "#E4E4EE", Dark: "#2A2A3A"}
	barFg   = lipgloss.AdaptiveColor{Light: "#222222", Dark: "#DDDDDD"}
	selBg   = lipgloss.AdaptiveColor{Light: "#DCD6FF", Dark: "#3B3363"}
	badgeBg = lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#FFC857"}
	badgeFg = lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#1A1A1A"}
)

// New builds the styles with the given renderer (lipgloss.DefaultRenderer()
// in the program; a renderer with the Ascii profile in golden tests).
func New(r *lipgloss.Renderer) Styles {
	st := r.NewStyle
	return Styles{&Set{
		App:           st(),
		Title:         st().Bold(true).Foreground(accent),
		Subtitle:      st().Foreground(faint),
		Faint:         st().Foreground(faint),
		Bold:          st().Bold(true),
		Selected:      st().Background(selBg).Bold(true),
		Cursor:        st().Foreground(accent).Bold(true),
		Label:         st().Foreground(faint),
		Value:         st(),
		FieldFocused:  st().Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(accent).PaddingLeft(1),
		FieldBlurred:  st().Border(lipgloss.HiddenBorder(), false, false, false, true).PaddingLeft(1),
		FieldError:    st().Foreground(red),
		Error:         st().Foreground(red).Bold(true),
		Warning:       st().Foreground(amber),
		Success:       st().Foreground(green),
		Running:       st().Foreground(blue),
		Info:          st().Foreground(accent),
		StatusBar:     st().Background(barBg).Foreground(barFg),
		StatusKey:     st().Background(barBg).Foreground(accent).Bold(true),
		DemoBadge:     st().Background(badgeBg).Foreground(badgeFg).Bold(true).Padding(0, 1),
		ReadOnlyBadge: st().Background(red).Foreground(badgeFg).Bold(true).Padding(0, 1),
		Border:        st().Foreground(faint),
		Panel:         st().Border(lipgloss.RoundedBorder()).BorderForeground(faint).Padding(0, 1),
		HelpKey:       st().Foreground(accent),
		HelpDesc:      st().Foreground(faint),
	}}
}

// ForStatus picks the style for a status.
func (s Styles) ForStatus(status string) lipgloss.Style {
	switch status {
	case store.StatusSucceeded:
		return s.Success
	case store.StatusFailed:
		return s.Error
	case store.StatusRunning, store.StatusSubmitting:
		return s.Running
	case store.StatusUnknown:
		return s.Warning
	}
	return s.Faint
}

// Package theme holds veox's styles; the status glyphs and words are in
// ui/format, shared with the commands. Styles are built once in ui/cli
// (after the terminal's background is known) and passed down; no state
// lives at package level.
package theme

import (
	"strconv"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

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

// palette is veox's colours, each resolved for one renderer.
type palette struct {
	accent, faint, red, amber, green, blue, barBg, barFg, selBg, badgeBg, badgeFg lipgloss.TerminalColor
}

// paletteFor gives each colour its light and dark terminal sides.
func paletteFor(r *lipgloss.Renderer) palette {
	c := func(light, dark string) lipgloss.TerminalColor { return resolve(r, light, dark) }
	return palette{
		accent: c("#5A3FC0", "#9D8CFF"), faint: c("#6B6B6B", "#8A8A8A"), red: c("#B00020", "#FF6B6B"),
		amber: c("#8A5A00", "#FFC857"), green: c("#1B7F3B", "#5FD787"), blue: c("#0B5CAD", "#6CB6FF"),
		barBg: c("#E4E4EE", "#2A2A3A"), barFg: c("#222222", "#DDDDDD"), selBg: c("#DCD6FF", "#3B3363"),
		badgeBg: c("#8A5A00", "#FFC857"), badgeFg: c("#FFFFFF", "#1A1A1A"),
	}
}

// resolve picks a colour's side for the terminal's background and turns
// it into the renderer's profile once, here. Given an adaptive hex colour,
// lipgloss does both at every Render, and for a 256-colour terminal (tmux,
// screen) that is a nearest-colour search through the palette in HSLuv:
// a fifth of the CPU of drawing a frame.
func resolve(r *lipgloss.Renderer, light, dark string) lipgloss.TerminalColor {
	hex := light
	if r.HasDarkBackground() {
		hex = dark
	}
	switch p := r.ColorProfile(); p {
	case termenv.TrueColor:
		return lipgloss.Color(hex)
	case termenv.Ascii:
		return lipgloss.NoColor{}
	default:
		switch tc := p.Convert(termenv.RGBColor(hex)).(type) {
		case termenv.ANSI256Color:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		case termenv.ANSIColor:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		}
		return lipgloss.Color(hex)
	}
}

// New builds the styles with the given renderer (lipgloss.DefaultRenderer()
// in the program; a renderer with the Ascii profile in golden tests).
func New(r *lipgloss.Renderer) Styles {
	st := r.NewStyle
	p := paletteFor(r)
	return Styles{&Set{
		App:           st(),
		Title:         st().Bold(true).Foreground(p.accent),
		Subtitle:      st().Foreground(p.faint),
		Faint:         st().Foreground(p.faint),
		Bold:          st().Bold(true),
		Selected:      st().Background(p.selBg).Bold(true),
		Cursor:        st().Foreground(p.accent).Bold(true),
		Label:         st().Foreground(p.faint),
		Value:         st(),
		FieldFocused:  st().Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(p.accent).PaddingLeft(1),
		FieldBlurred:  st().Border(lipgloss.HiddenBorder(), false, false, false, true).PaddingLeft(1),
		FieldError:    st().Foreground(p.red),
		Error:         st().Foreground(p.red).Bold(true),
		Warning:       st().Foreground(p.amber),
		Success:       st().Foreground(p.green),
		Running:       st().Foreground(p.blue),
		Info:          st().Foreground(p.accent),
		StatusBar:     st().Background(p.barBg).Foreground(p.barFg),
		StatusKey:     st().Background(p.barBg).Foreground(p.accent).Bold(true),
		DemoBadge:     st().Background(p.badgeBg).Foreground(p.badgeFg).Bold(true).Padding(0, 1),
		ReadOnlyBadge: st().Background(p.red).Foreground(p.badgeFg).Bold(true).Padding(0, 1),
		Border:        st().Foreground(p.faint),
		Panel:         st().Border(lipgloss.RoundedBorder()).BorderForeground(p.faint).Padding(0, 1),
		HelpKey:       st().Foreground(p.accent),
		HelpDesc:      st().Foreground(p.faint),
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

// Package statusbar renders the bottom line: badges, credits, what runs,
// the last poll and the message or error of the moment.
package statusbar

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/theme"
)

// State is everything the bar shows; the root keeps it and renders it with
// View, so the bar has no behaviour of its own.
type State struct {
	Demo, ReadOnly bool
	Credits        float64
	CreditsKnown   bool
	CreditsErr     string
	Running        int
	Downloading    int
	LastPoll       time.Time
	Message        string // the latest news ("extension accepted…")
	Error          string // the error of the moment, shown in place of Message
}

// View renders the bar at width w. Badges and the error come first: they
// are what the user must not miss.
func View(s State, st theme.Styles, w int, now time.Time) string {
	var left []string
	if s.Demo {
		left = append(left, st.DemoBadge.Render("DEMO"))
	}
	if s.ReadOnly {
		left = append(left, st.ReadOnlyBadge.Render("READ-ONLY"))
	}
	right := st.StatusBar.Render(" " + facts(s, now) + " ")
	badges := strings.Join(left, "")
	room := w - lipgloss.Width(badges) - lipgloss.Width(right)
	msg := news(s, st, room)
	gap := max(0, room-lipgloss.Width(msg))
	line := badges + msg + st.StatusBar.Render(strings.Repeat(" ", gap)) + right
	return ansi.Truncate(line, w, "")
}

func news(s State, st theme.Styles, room int) string {
	switch {
	case room < 4:
		return ""
	case s.Error != "":
		return st.StatusBar.Inherit(st.Error).Render(" ! " + format.Line(s.Error, room-4))
	case s.Message != "":
		return st.StatusBar.Render(" " + format.Line(s.Message, room-2))
	case s.ReadOnly:
		return st.StatusBar.Render(" " + format.Line("another veox holds the history: browse and re-download only", room-2))
	}
	return ""
}

// facts is "running 2 · ↓1 · polled 10:04:05 · 4,830 credits".
func facts(s State, now time.Time) string {
	var parts []string
	if s.Running > 0 {
		parts = append(parts, fmt.Sprintf("running %d", s.Running))
	}
	if s.Downloading > 0 {
		parts = append(parts, fmt.Sprintf("↓%d", s.Downloading))
	}
	if !s.LastPoll.IsZero() {
		parts = append(parts, "polled "+format.Clock(s.LastPoll, now))
	}
	switch {
	case s.CreditsKnown:
		parts = append(parts, format.Credits(s.Credits)+" credits")
	case s.CreditsErr != "":
		parts = append(parts, "credits ?")
	default:
		parts = append(parts, "credits …")
	}
	return strings.Join(parts, " · ")
}

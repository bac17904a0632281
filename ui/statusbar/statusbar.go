// Package statusbar renders the bottom line: badges, credits, what runs,
// the last poll and the message or error of the moment.
package statusbar

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/theme"
)

// DefaultReadOnlyWhy is the reason shown when the root gives none.
const DefaultReadOnlyWhy = "this history cannot be written here"

// State is everything the bar shows; the root keeps it and renders it with
// View, so the bar has no behaviour of its own.
type State struct {
	Demo, ReadOnly bool
	ReadOnlyWhy    string // why the history is read-only ("" = DefaultReadOnlyWhy)
	Credits        float64
	CreditsKnown   bool
	CreditsErr     string
	Running        int // tasks being polled (and creates being sent)
	NeedYou        int // unknown creates waiting to be settled or dismissed
	Downloading    int
	LastPoll       time.Time
	Message        string // the latest news ("extension accepted…")
	Error          string // the error of the moment, shown in place of Message
}

// minNews is the room the message keeps before the facts give up detail.
const minNews = 30

// View renders the bar at width w. Badges and the error come first: they
// are what the user must not miss; the facts drop the time of the last
// poll, then shorten, before the message loses its room.
func View(s State, st theme.Styles, w int, now time.Time) string {
	badges := badges(s, st)
	var right string
	for detail := full; detail <= terse; detail++ {
		right = renderFacts(s, st, now, detail)
		if w-lipgloss.Width(badges)-lipgloss.Width(right) >= minNews {
			break
		}
	}
	room := w - lipgloss.Width(badges) - lipgloss.Width(right)
	msg := news(s, st, room)
	gap := max(0, room-lipgloss.Width(msg))
	line := badges + msg + st.StatusBar.Render(strings.Repeat(" ", gap)) + right
	return ansi.Truncate(line, w, "")
}

func badges(s State, st theme.Styles) string {
	var b string
	if s.Demo {
		b += st.DemoBadge.Render("DEMO")
	}
	if s.ReadOnly {
		b += st.ReadOnlyBadge.Render("READ-ONLY")
	}
	return b
}

func news(s State, st theme.Styles, room int) string {
	switch {
	case room < 4:
		return ""
	case s.Error != "":
		return st.StatusBar.Inherit(st.Error).Render(" ! " + fit(s.Error, room-4))
	case s.Message != "":
		return st.StatusBar.Render(" " + fit(s.Message, room-2))
	case s.ReadOnly:
		return st.StatusBar.Render(" " + format.Line("read-only: "+readOnlyWhy(s), room-2))
	}
	return ""
}

// more ends a message the bar had to cut: the whole one is in the log.
const more = "… (m: all)"

// fit puts a message on one line of width cells; when it must cut, it
// says where the whole message is.
func fit(text string, width int) string {
	flat := format.Line(text, 1<<20)
	if ansi.StringWidth(flat) <= width || width < 3*len(more) {
		return format.Line(flat, width)
	}
	return strings.TrimRight(ansi.Truncate(flat, width-ansi.StringWidth(more), ""), " ") + more
}

func readOnlyWhy(s State) string {
	if s.ReadOnlyWhy != "" {
		return s.ReadOnlyWhy
	}
	return DefaultReadOnlyWhy
}

type detail int

const (
	full  detail = iota // running 2 · 2 need you · ↓1 · polled 10:04:05 · 4830 credits
	brief               // without the time of the last poll
	terse               // numbers only where words are not needed to read them
)

// renderFacts styles the facts; a low balance is a warning in words, so it
// reads without colour.
func renderFacts(s State, st theme.Styles, now time.Time, d detail) string {
	parts := facts(s, now, d)
	if low(s) {
		last := len(parts) - 1
		parts[last] = st.StatusBar.Inherit(st.Warning).Render(parts[last])
		return st.StatusBar.Render(" "+strings.Join(parts[:last], " · ")+sepIf(last > 0)) + parts[last] + st.StatusBar.Render(" ")
	}
	return st.StatusBar.Render(" " + strings.Join(parts, " · ") + " ")
}

func sepIf(ok bool) string {
	if ok {
		return " · "
	}
	return ""
}

// low: not even one extension (the usual next step) can be paid; the
// threshold comes from the price table in tasks.
func low(s State) bool { return s.CreditsKnown && tasks.LowBalance(s.Credits) }

// facts is what runs, what needs the user, the last poll and the balance.
// "running" counts like the Tasks screen's Running view, with the unknown
// creates named apart since they wait for the user, not the service.
func facts(s State, now time.Time, d detail) []string {
	var parts []string
	if s.Running > 0 {
		parts = append(parts, fmt.Sprintf("running %d", s.Running))
	}
	if s.NeedYou > 0 {
		parts = append(parts, fmt.Sprintf("%d need you", s.NeedYou))
	}
	if s.Downloading > 0 {
		parts = append(parts, fmt.Sprintf("↓%d", s.Downloading))
	}
	if !s.LastPoll.IsZero() && d == full {
		parts = append(parts, "polled "+format.Clock(s.LastPoll, now))
	}
	return append(parts, credits(s, d))
}

func credits(s State, d detail) string {
	switch {
	case low(s) && d == terse:
		return "low: " + format.Credits(s.Credits)
	case low(s):
		return fmt.Sprintf("low balance: %s credits", format.Credits(s.Credits))
	case s.CreditsKnown:
		return format.Credits(s.Credits) + " credits"
	case s.CreditsErr != "":
		return "credits ?"
	}
	return "credits …"
}

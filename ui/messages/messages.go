// Package messages keeps what the status bar said, with times, and is the
// screen that shows it whole: the bar has one line and cuts what does not
// fit, so every message also lands here, wrapped, newest first.
package messages

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/theme"
)

// Limit is how many messages the log keeps; older ones drop off.
const Limit = 200

// Entry is one message as the bar showed it. The same message again (a
// poll failing in a row) bumps Repeats and Last instead of a new line.
type Entry struct {
	At      time.Time
	Text    string
	Err     bool
	Repeats int       // times it was said again after the first
	Last    time.Time // when it was last said again
}

// Log is the last Limit messages, oldest first. It is a value: Add returns
// the next log and never changes the entries an earlier one holds.
type Log struct{ entries []Entry }

// Add appends a message, dropping the oldest past Limit.
func (l Log) Add(e Entry) Log {
	if k := len(l.entries) - 1; k >= 0 && l.entries[k].Text == e.Text && l.entries[k].Err == e.Err {
		next := append([]Entry(nil), l.entries...)
		next[k].Last, next[k].Repeats = e.At, next[k].Repeats+1
		return Log{entries: next}
	}
	n := min(len(l.entries), Limit-1)
	next := make([]Entry, 0, n+1)
	next = append(next, l.entries[len(l.entries)-n:]...)
	return Log{entries: append(next, e)}
}

// Len is how many messages the log holds.
func (l Log) Len() int { return len(l.entries) }

// Entries are the messages, oldest first (a copy).
func (l Log) Entries() []Entry { return append([]Entry(nil), l.entries...) }

type keyMap struct{ Up, Down, PageUp, PageDown, Back key.Binding }

func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.PageDown, k.Back} }
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Back}}
}

// Model is the Messages screen.
type Model struct {
	styles        theme.Styles
	now           func() time.Time
	keys          keyMap
	log           Log
	vp            viewport.Model
	width, height int
}

// BackMsg asks the root to close the screen.
type BackMsg struct{}

// New builds the screen.
func New(st theme.Styles, now func() time.Time) Model {
	k := keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", " "), key.WithHelp("pgdn", "page down")),
		Back:     key.NewBinding(key.WithKeys("esc", "m"), key.WithHelp("esc", "back")),
	}
	vp := viewport.New(0, 0)
	off := key.NewBinding(key.WithDisabled())
	vp.KeyMap = viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown,
		HalfPageUp: off, HalfPageDown: off, Left: off, Right: off}
	return Model{styles: st, now: now, keys: k, vp: vp}
}

// KeyMap is the screen's help.
func (m Model) KeyMap() help.KeyMap { return m.keys }

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.vp.Width, m.vp.Height = w, max(1, h-1)
	return m.render()
}

// Show replaces the log shown (the root hands it the latest); the view
// stays where the user scrolled to.
func (m Model) Show(l Log) Model {
	m.log = l
	return m.render()
}

// Update scrolls, or asks to go back.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	if key.Matches(k, m.keys.Back) {
		return m, func() tea.Msg { return BackMsg{} }
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(k)
	return m, cmd
}

// View is the title line and the messages.
func (m Model) View() string {
	title := m.styles.Title.Render("Messages") + m.styles.Faint.Render(fmt.Sprintf("  the last %d, newest first", Limit))
	return title + "\n" + m.vp.View()
}

// render lays the messages out for the width: the time, a mark that reads
// without colour (! for an error), then the whole text wrapped under it.
func (m Model) render() Model {
	if m.log.Len() == 0 {
		m.vp.SetContent(m.styles.Faint.Render("no messages yet"))
		return m
	}
	now := m.now()
	es := m.log.entries
	clockW := 0 // "15:04:05" today, "Jan 12 15:04" before
	for _, e := range es {
		clockW = max(clockW, ansi.StringWidth(format.Clock(e.At, now)))
	}
	gutter := clockW + 4 // clock, two spaces, the mark and a space
	w := max(20, m.width-gutter)
	pad := strings.Repeat(" ", gutter)
	var lines []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		mark, st := "  ", m.styles.Value
		if e.Err {
			mark, st = "! ", m.styles.Error
		}
		head := format.Clock(e.At, now)
		head += strings.Repeat(" ", clockW+2-ansi.StringWidth(head)) + mark
		text := e.Text
		if e.Repeats > 0 {
			text += fmt.Sprintf(" (%d times, the last at %s)", e.Repeats+1, format.Clock(e.Last, now))
		}
		text = strings.ReplaceAll(format.Wrap(text, w), "\n", "\n"+pad)
		lines = append(lines, head+st.Render(text))
	}
	m.vp.SetContent(strings.Join(lines, "\n"))
	return m
}

package tasklist

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/request"
)

// doubleClick is the longest pause between two clicks on the same row
// that still opens it, as desktop file lists do.
const doubleClick = 500 * time.Millisecond

// Screen lines above the first row: the tabs (or search) and the column
// titles.
const (
	lineHeader = 0
	firstRow   = 2
)

// click is the last press on a row, to tell a double click.
type click struct {
	id string
	at time.Time
}

// Mouse handles the wheel and the left button; x and y are relative to the
// screen's top left. The wheel moves the selection a row per step (terminals
// send several steps per notch), a click selects a row or a tab, a second
// click on the same row soon after opens its Details. A click on the
// search line focuses the field.
func (m Model) Mouse(msg tea.MouseMsg) (Model, tea.Cmd) {
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		m.moveBy(-1) // a turning wheel is a held key: the chain is read when it rests
		return m, m.follow(true)
	case msg.Button == tea.MouseButtonWheelDown:
		m.moveBy(1)
		return m, m.follow(true)
	case msg.Button != tea.MouseButtonLeft || msg.Action != tea.MouseActionPress:
		return m, nil
	case msg.Y == lineHeader:
		return m.clickHeader(msg.X)
	case msg.Y >= firstRow && msg.Y < firstRow+m.rowsVisible() && msg.X < m.width-m.previewWidth():
		return m.clickRow(m.offset + msg.Y - firstRow)
	}
	return m, nil
}

func (m Model) clickRow(i int) (Model, tea.Cmd) {
	if i < 0 || i >= len(m.rows) {
		return m, nil
	}
	if m.searching { // a click on the results leaves the field, as enter does
		m.searching = false
		m.input.Blur()
	}
	m.cursor, m.owed = i, 0
	m.clamp()
	id, now := m.rows[i].LocalID, m.deps.Now()
	if m.lastClick.id == id && now.Sub(m.lastClick.at) <= doubleClick {
		m.lastClick = click{}
		return m, request.Cmd(request.OpenDetails{ID: id})
	}
	m.lastClick = click{id: id, at: now}
	return m, m.selectionChanged()
}

// clickHeader switches to the tab under x, or focuses the search field
// when the line shows the search.
func (m Model) clickHeader(x int) (Model, tea.Cmd) {
	if m.searching || m.query != "" {
		if m.searching {
			return m, nil
		}
		m.searching = true
		m.input.SetValue(m.query)
		return m, m.input.Focus()
	}
	for _, t := range m.tabs() {
		if x >= t.from && x < t.to {
			return m.SetView(t.v)
		}
	}
	return m, nil
}

// tabSpan is where a view's tab is drawn on the header line.
type tabSpan struct {
	v        View
	text     string // as drawn
	from, to int
}

// tabs lays out the header's tabs: the brand, then the views, the active
// one bracketed so it reads without colour.
func (m Model) tabs() []tabSpan {
	st := m.deps.Styles
	labels := m.tabLabels()
	x := lipgloss.Width(st.Title.Render("veox")) + 2
	out := make([]tabSpan, len(labels))
	for i, l := range labels {
		text := st.Faint.Render(" " + l.label + " ")
		if l.v == m.view {
			text = st.Title.Render("[" + l.label + "]")
		}
		w := lipgloss.Width(text)
		out[i] = tabSpan{v: l.v, text: text, from: x, to: x + w}
		x += w + 1
	}
	return out
}

package tasklist

import (
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/place"
)

// The list reopens where the user left it (ui/place): the view, the search,
// and the selected task, read from its own place in the history rather than
// from the top, so a task deep in 100,000 costs a page read like any other.

var viewNames = []string{Running: "running", All: "all", Failed: "failed"}

// Place is where the list is: what the next start reopens.
func (m Model) Place() place.Place {
	p := place.Place{View: viewNames[m.view], Query: m.query}
	if sel := m.Selected(); sel != nil {
		p.ID, p.At = sel.LocalID, sel.CreatedAt
	}
	return p
}

// Reopen sets the view, search and selection to come back to; Start then
// reads them. An unknown view name leaves the All view.
func (m Model) Reopen(p place.Place) Model {
	if v := slices.Index(viewNames, p.View); v >= 0 {
		m.view = View(v)
	}
	if q := strings.TrimSpace(p.Query); q != "" {
		m.query = q
		m.input.SetValue(q)
	}
	if p.ID != "" || !p.At.IsZero() {
		m.want = &p
	}
	return m
}

// Start is Init for the live model: the search or the page the place
// asks for, else the view's newest page.
func (m Model) Start() (Model, tea.Cmd) {
	s := m.deps.Service.Store()
	side := tea.Batch(loadEstimates(s), loadCounts(s))
	switch {
	case m.query != "":
		m.gen++
		m.loading = true
		return m, tea.Batch(m.startSearch(), side)
	case m.want != nil && !m.want.At.IsZero():
		m.loading = true
		// The page that starts at the task, or at the next older one of
		// the view when it is gone (hidden, removed, or of another status now).
		q := m.pageQuery()
		q.Cursor = store.CursorBefore(m.want.At.Add(time.Nanosecond))
		cmd := func() tea.Msg {
			ts, next, err := s.List(q)
			return pageMsg{gen: m.gen, at: true, from: q.Cursor, next: next, tasks: ts, err: err}
		}
		return m, tea.Batch(cmd, side)
	}
	m.want = nil
	return m, m.Init()
}

// onPageAt places the page read at the saved task as the whole window; the
// pages above it are read as the cursor nears the top (store.Above).
func (m Model) onPageAt(msg pageMsg) (Model, tea.Cmd) {
	m.remember(msg)
	m.rows, m.first, m.last, m.offset = rowsOf(msg.tasks), 0, 1, 0
	m.topKnown, m.midway = false, true
	m.cursor = m.wanted()
	m.clamp()
	return m, tea.Batch(m.selectionChanged(), m.spinIfNeeded())
}

// wanted is the row of the task to come back to (its local id, else the
// newest row created no later than it), once: the place is then spent.
func (m *Model) wanted() int {
	w := m.want
	m.want = nil
	if w == nil {
		return m.cursor
	}
	if i := slices.IndexFunc(m.rows, func(t *store.Task) bool { return t.LocalID == w.ID }); i >= 0 {
		return i
	}
	if i := slices.IndexFunc(m.rows, func(t *store.Task) bool { return !t.CreatedAt.After(w.At) }); i >= 0 {
		return i
	}
	return max(0, len(m.rows)-1)
}

package tasklist

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
)

// The list keeps a window of at most maxPages pages of the history around
// the cursor: far pages are dropped and read again from their cursors when
// the user scrolls back, so paging across 100,000 tasks holds a few hundred
// rows, not all of them.
//
// pages remembers every page boundary met in this view (two cursors each,
// a few dozen bytes); rows holds pages[first:last] end to end, and cursor
// and offset index rows. pages[0] is the newest page of the view unless
// the user jumped to the oldest end (end, G): pages then start there and
// grow upwards (store.Above) as the cursor nears the top, until topKnown.

// maxPages bounds the rows held: 5 pages of PageSize.
const maxPages = 5

// rereadLimit caps a page read again between its two cursors: it normally
// holds PageSize rows, a few more if tasks were added on top since.
const rereadLimit = 4 * PageSize

// pageRef is where a page of the view starts and where the next one does
// (next "" on the history's last page).
type pageRef struct {
	from, next string
	n          int // rows it held when last read
}

// moveBy moves the cursor d rows, with the moves still owed. A move past
// the loaded rows while more are to come is owed, not lost: the cursor
// waits at the edge and goes on when the page arrives (onPage). Held-down
// page keys outran the page reads and lost presses there (issue 17).
func (m *Model) moveBy(d int) {
	to := m.cursor + m.owed + d
	m.owed = 0
	switch {
	case m.query != "":
	case to > len(m.rows)-1 && m.hasAfter():
		m.owed, to = to-(len(m.rows)-1), len(m.rows)-1
	case to < 0 && m.hasBefore():
		m.owed, to = to, 0
	}
	m.cursor = to
	m.clamp()
}

// hasBefore: there are rows before the window, read before or not yet.
func (m Model) hasBefore() bool { return m.first > 0 || !m.topKnown }

// hasAfter: there are rows past the window, read before or not yet.
func (m Model) hasAfter() bool {
	if m.last < len(m.pages) {
		return true
	}
	return len(m.pages) > 0 && m.pages[len(m.pages)-1].next != ""
}

// pageLoad reads the page next to the edge of the window the cursor is
// near, one read at a time. "Near" is half a page rather than a screen, so
// a burst of page-downs more often finds the next page in before it
// reaches the edge, where the cursor waits for the read; a whole page
// would read a second page at start-up.
func (m *Model) pageLoad() tea.Cmd {
	if m.loading || m.query != "" {
		return nil
	}
	near := max(m.rowsVisible(), PageSize/2)
	switch {
	case m.cursor >= len(m.rows)-near && m.hasAfter():
		return m.readPage(m.last, false)
	case m.cursor < near && m.first > 0:
		return m.readPage(m.first-1, false)
	case m.cursor < near && !m.topKnown && len(m.pages) > 0:
		m.loading = true
		q := m.pageQuery()
		return loadAbove(m.deps.Service.Store(), m.gen, q, m.pages[0].from)
	}
	return nil
}

// readPage reads page i of the view: a new page after the last one met, or
// a known one between its two cursors (see store.Query.Until).
func (m *Model) readPage(i int, reset bool) tea.Cmd {
	m.loading = true
	q := m.pageQuery()
	switch {
	case i == len(m.pages) && i > 0:
		q.Cursor = m.pages[i-1].next
	case i < len(m.pages):
		q.Cursor = m.pages[i].from
		if m.pages[i].next != "" {
			q.Until, q.Limit = m.pages[i].next, rereadLimit
		}
	}
	return loadPage(m.deps.Service.Store(), m.gen, i, reset, q)
}

// onPage places a page: after the window, before it, or (the first page
// read, home) as the whole window. Anything else is an answer the window has
// moved past.
func (m Model) onPage(msg pageMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.query != "" {
		return m, nil
	}
	m.loading, m.err = false, msg.err
	if msg.err != nil {
		return m, nil
	}
	if msg.above {
		return m.onPageAbove(msg)
	}
	if msg.at {
		return m.onPageAt(msg)
	}
	m.remember(msg)
	switch {
	case msg.oldest:
		// The oldest end of the view, as the whole window.
		m.rows, m.first, m.last, m.offset = rowsOf(msg.tasks), 0, 1, 0
		m.cursor, m.topKnown = len(msg.tasks)-1, msg.from == ""
	case msg.reset || m.first == m.last:
		// The window's first page (a task that arrived before it is in it).
		m.rows, m.first, m.last, m.cursor, m.offset = rowsOf(msg.tasks), msg.index, msg.index+1, 0, 0
	case msg.index == m.last:
		m.rows = append(m.rows, rowsOf(msg.tasks)...)
		m.last++
		m.dropFirst()
	case msg.index == m.first-1:
		m.rows = append(rowsOf(msg.tasks), m.rows...)
		m.first--
		m.cursor += len(msg.tasks)
		m.offset += len(msg.tasks)
		m.dropLast()
	}
	m.moveBy(0) // the moves owed while the page was read
	return m, tea.Batch(m.selectionChanged(), m.spinIfNeeded())
}

// onPageAbove puts a page read upwards from the oldest end before the
// window, whose first page is the first known.
func (m Model) onPageAbove(msg pageMsg) (Model, tea.Cmd) {
	if m.topKnown || m.first != 0 || len(m.pages) == 0 || msg.next != m.pages[0].from {
		return m, nil // the window moved on meanwhile
	}
	m.pages = append([]pageRef{{from: msg.from, next: msg.next, n: len(msg.tasks)}}, m.pages...)
	m.last++
	m.topKnown = msg.from == ""
	m.rows = append(rowsOf(msg.tasks), m.rows...)
	m.cursor += len(msg.tasks)
	m.offset += len(msg.tasks)
	m.dropLast()
	m.moveBy(0)
	return m, tea.Batch(m.selectionChanged(), m.spinIfNeeded())
}

// remember records the page's boundaries: a new page's, or a known last
// page's next cursor once more rows have appeared past it.
func (m *Model) remember(msg pageMsg) {
	if msg.index == len(m.pages) {
		m.pages = append(m.pages, pageRef{from: msg.from, next: msg.next, n: len(msg.tasks)})
		return
	}
	p := &m.pages[msg.index]
	p.n = len(msg.tasks)
	if p.next == "" {
		p.next = msg.next
	}
}

// rowsOf is a page's tasks as rows: pointers into the page as read, so a
// page joins or leaves the window without copying its tasks (at 100,000
// tasks a held page key copied 500 tasks of 600 bytes twice a page: issue
// 17). A page's tasks are collected together once no row points into it.
func rowsOf(tasks []store.Task) []*store.Task {
	rows := make([]*store.Task, len(tasks))
	for i := range tasks {
		rows[i] = &tasks[i]
	}
	return rows
}

// dropFirst lets go of the window's first page once it holds too many. The
// rows are copied so the dropped tasks can be collected.
func (m *Model) dropFirst() {
	if m.last-m.first <= maxPages {
		return
	}
	n := min(m.pages[m.first].n, len(m.rows))
	m.rows = slices.Clone(m.rows[n:])
	m.first++
	m.cursor -= n
	m.offset -= n
}

// dropLast lets go of the window's last page once it holds too many.
func (m *Model) dropLast() {
	if m.last-m.first <= maxPages {
		return
	}
	m.last--
	n := min(m.pages[m.last].n, len(m.rows))
	m.rows = slices.Clone(m.rows[:len(m.rows)-n])
}

// home puts the cursor on the newest task, reading the first page again
// when the window has moved past it (or never held it: after end).
func (m Model) home() (Model, tea.Cmd) {
	m.cursor, m.owed = 0, 0
	if (m.first == 0 && m.topKnown) || m.query != "" {
		m.clamp()
		return m, m.selectionChanged()
	}
	m.gen++ // whatever page is on its way belongs to the old window
	m.clamp()
	if !m.topKnown {
		m.forgetPages() // the pages met belong to the oldest end; start over from the top
	}
	return m, m.readPage(0, true)
}

// end puts the cursor on the oldest task of the view: at once when the
// window holds the view's last page, else after reading the oldest page
// from the store's index (store.Oldest), whatever the size of the history.
func (m Model) end() (Model, tea.Cmd) {
	m.owed = 0
	if m.query != "" || m.holdsLast() {
		m.cursor = len(m.rows) - 1
		m.clamp()
		return m, m.selectionChanged()
	}
	m.gen++
	m.forgetPages()
	m.loading = true
	q := m.pageQuery()
	return m, loadOldest(m.deps.Service.Store(), m.gen, q)
}

// holdsLast: the window's last page is the view's last.
func (m Model) holdsLast() bool {
	return m.last > 0 && m.last == len(m.pages) && m.pages[m.last-1].next == ""
}

// forgetPages forgets every boundary met, keeping the rows on screen
// until the page asked for replaces them.
func (m *Model) forgetPages() {
	m.pages, m.first, m.last, m.topKnown, m.midway, m.owed = nil, 0, 0, true, false, 0
}

// resetPages forgets the window and every boundary: a new view or search.
func (m *Model) resetPages() {
	m.rows, m.pages, m.first, m.last = nil, nil, 0, 0
	m.cursor, m.offset, m.topKnown, m.midway, m.owed = 0, 0, true, false, 0
	m.want = nil
}

// position is the selected row's place in the view, counted from the
// newest (1 = newest), and how many tasks the view holds; 0, 0 when there
// is nothing to count. Above a window read from the oldest end it counts
// up from the view's size, since the pages below the window are known.
func (m Model) position() (int, int) {
	if len(m.rows) == 0 || len(m.pages) == 0 && m.query == "" || m.midway && !m.topKnown {
		return 0, 0
	}
	if m.query != "" {
		return m.cursor + 1, len(m.rows)
	}
	total := m.viewTotal()
	pos := m.absCursor() + 1
	if !m.topKnown {
		below := len(m.rows) - 1 - m.cursor
		for _, p := range m.pages[m.last:] {
			below += p.n
		}
		pos = total - below
	}
	pos = max(pos, 1)
	return pos, max(total, pos)
}

// viewTotal is how many tasks the view holds, from the counters.
func (m Model) viewTotal() int {
	if m.view == All {
		return m.total
	}
	n := 0
	for _, s := range m.view.statuses() {
		n += m.byStatus[s]
	}
	return n
}

// absCursor is the cursor's position in the whole view (tests and
// benchmarks check paging with it).
func (m Model) absCursor() int {
	n := m.cursor
	for _, p := range m.pages[:m.first] {
		n += p.n
	}
	return n
}

// Remove drops a task that left the history (x on a refused entry) from
// the window, keeping the cursor on the row that took its place.
func (m Model) Remove(localID string) (Model, tea.Cmd) {
	delete(m.marks, localID)
	i := slices.IndexFunc(m.rows, func(t *store.Task) bool { return t.LocalID == localID })
	if i < 0 {
		return m, loadCounts(m.deps.Service.Store())
	}
	m.rows = slices.Delete(m.rows, i, i+1)
	if m.query == "" {
		at := 0
		for p := m.first; p < m.last && p < len(m.pages); p++ {
			if i < at+m.pages[p].n {
				m.pages[p].n--
				break
			}
			at += m.pages[p].n
		}
	}
	if m.cursor > i {
		m.cursor--
	}
	m.clamp()
	m.chainFor = ""
	return m, tea.Batch(loadCounts(m.deps.Service.Store()), m.selectionChanged())
}

// Package tasklist is the Tasks screen, the home of the TUI: the history
// newest first, paged out of bbolt, with live statuses, estimates, views,
// search over the whole history and the selected task's chain.
package tasklist

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/act"
	"github.com/veox/veox/ui/picture"
	"github.com/veox/veox/ui/place"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
	Ctx     context.Context
	Tick    timer.Func // starts the spinner's frames and the search debounce; nil = tea.Tick
	// Frames decodes the preview pane's last frames (nil: no pane);
	// Painter draws them in the terminal's colours.
	Frames  *frames.Extractor
	Painter picture.Painter
	// Output is where OSC 52 goes (the terminal); Opener hands files and
	// folders to the system (nil: xdg-open or open).
	Output io.Writer
	Opener act.Opener
}

// View is one of the list's filters.
type View int

// The views, in tab order.
const (
	Running View = iota
	All
	Failed
)

func (v View) statuses() []string {
	switch v {
	case Running:
		return []string{store.StatusSubmitting, store.StatusRunning, store.StatusUnknown}
	case Failed:
		return []string{store.StatusFailed}
	}
	return nil
}

func (v View) has(status string) bool {
	ss := v.statuses()
	if ss == nil {
		return true
	}
	for _, s := range ss {
		if s == status {
			return true
		}
	}
	return false
}

// Model is the Tasks screen.
type Model struct {
	deps Deps
	keys keyMap

	view View
	rows []*store.Task // the loaded window of the view, or the search results
	// pages are the view's page boundaries met so far; rows holds
	// pages[first:last] (see window.go).
	pages       []pageRef
	first, last int
	topKnown    bool // pages[0] is the view's newest page (window.go)
	// midway: the window was opened at a saved place (reopen.go), so
	// neither end of the view is known and the position is not shown
	// until the top is reached.
	midway bool
	// want is the task the list reopens on, until the first page or
	// search results place the cursor on it (reopen.go).
	want    *place.Place
	gen     int // bumps when the view, search or window changes: stale pages drop
	loading bool
	err     error

	cursor, offset int
	// owed: rows the cursor was moved past the loaded ones, to go on with
	// when the page being read arrives (window.go, moveBy).
	owed int

	input     textinput.Model
	searching bool   // the search field has focus
	query     string // the search whose results are shown ("" = the view)
	parsed    query  // query understood (query.go): its words are highlighted
	// stopSearch cancels the search under way, so one the user no longer
	// wants (a newer query, esc, another view) stops reading the history.
	stopSearch context.CancelFunc

	frame    int  // of the running glyph's animation
	spinning bool // its timer chain runs

	estimates map[string]time.Duration
	// estimating: a read of the estimates is under way; reestimate asks for
	// one more after it, so a wave of tasks ending costs two reads, not one
	// per task.
	estimating, reestimate bool
	total                  int
	byStatus               map[string]int
	counted                bool // the counts were read at least once

	chainFor string // the row the chain fields are about
	// whole is the chain's row as a whole task (its chain's last), for
	// Selected when the row was read as a row only (store.Query.Rows).
	whole *store.Task
	// chainAsked: the row whose chain was read (or is being read);
	// chainRest waits for the cursor to rest (chain.go).
	chainAsked string
	chainRest  rest
	chain      []store.Task
	children   []store.Task
	kept       []store.Task // the kept line after the selected task (tasks.KeptLine)

	pv preview   // the pane beside the list in wide terminals (preview.go)
	rc *rowCache // rows as drawn in the last frames (rowcache.go)

	lastClick click // the last click on a row, to tell a double click (mouse.go)

	// marks are the rows marked with space, by local id, as they were
	// when marked: they outlive the window's pages (actions.go).
	marks   map[string]store.Task
	copying bool // c was pressed: the next key says what to copy

	width, height int
}

// New builds the screen on the All view.
func New(d Deps) Model {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "words, ids, seeds; kind: status: model: is:downloaded"
	in.CharLimit = 1000 // a paste is kept whole; what is wrong with it is said, not cut
	in.Cursor.SetMode(timer.SteadyCursor)
	return Model{deps: d, keys: newKeys(), view: All, input: in, topKnown: true,
		estimates: map[string]time.Duration{}, byStatus: map[string]int{}, pv: newPreview(d), rc: newRowCache()}
}

// Init loads the first page, the estimates and the counts.
func (m Model) Init() tea.Cmd {
	s := m.deps.Service.Store()
	return tea.Batch(loadPage(s, m.gen, 0, false, m.pageQuery()), loadEstimates(s), loadCounts(s))
}

// pageQuery reads a page of the view as rows: what a row shows, from the
// history's indexes, without decoding each task (store.Query.Rows). The
// selected row's whole task comes with its chain (chain.go), or is read
// before an action that needs it (whole.go).
func (m Model) pageQuery() store.Query {
	return store.Query{Statuses: m.view.statuses(), Limit: PageSize, Rows: true}
}

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.input.Width = max(10, w-20)
	m.clamp()
	return m
}

// Typing reports whether the search field has focus: the root then sends
// every key here, and runes are the query.
func (m Model) Typing() bool { return m.searching }

// KeyMap is the help of the screen's current state.
func (m Model) KeyMap() help.KeyMap {
	return m.keys.help(m.searching, m.query != "", len(m.marks), m.copying)
}

// Selected is the task under the cursor, nil if the list is empty.
func (m Model) Selected() *store.Task {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return nil
	}
	t := *m.rows[m.cursor] // a copy: the row is shared with earlier models
	if t.Row != nil && m.whole != nil && m.whole.LocalID == t.LocalID {
		t = *m.whole
	}
	return &t
}

// Count is how many tasks of the history have status, from the counters
// the header shows (0 until they are read).
func (m Model) Count(status string) int { return m.byStatus[status] }

// Counted reports whether the counters were read yet.
func (m Model) Counted() bool { return m.counted }

// CurrentView is the filter shown.
func (m Model) CurrentView() View { return m.view }

// Select moves the cursor to a task if it is loaded.
func (m Model) Select(localID string) (Model, tea.Cmd) {
	for i := range m.rows {
		if m.rows[i].LocalID == localID {
			m.cursor, m.owed = i, 0
			m.clamp()
			return m, m.selectionChanged()
		}
	}
	return m, nil
}

// rowsVisible is how many task rows fit: the screen less the header, the
// column titles and the chain line.
func (m Model) rowsVisible() int { return max(1, m.height-5) }

// clamp keeps the cursor in the list and on screen.
func (m *Model) clamp() {
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	n := m.rowsVisible()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+n {
		m.offset = m.cursor - n + 1
	}
	m.offset = max(0, min(m.offset, max(0, len(m.rows)-n)))
}

// anyRunning decides whether the spinner turns: no timer fires when idle.
func (m Model) anyRunning() bool {
	for i := range m.rows {
		if s := m.rows[i].Status; s == store.StatusRunning || s == store.StatusSubmitting {
			return true
		}
	}
	return false
}

// spinIfNeeded starts the spinner's tick chain when something runs and it
// is not turning yet; the chain stops itself in Update when all is idle.
func (m *Model) spinIfNeeded() tea.Cmd {
	if m.spinning || !m.anyRunning() {
		return nil
	}
	m.spinning = true
	return m.nextFrame()
}

// spinFrames is the running glyph's animation.
var spinFrames = spinner.MiniDot

// spinMsg advances the running glyph by a frame.
type spinMsg struct{}

func (m Model) nextFrame() tea.Cmd {
	return timer.After(m.deps.Tick, spinFrames.FPS, func(time.Time) tea.Msg { return spinMsg{} })
}

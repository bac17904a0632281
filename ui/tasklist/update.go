package tasklist

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/request"
)

// Update handles keys (when the screen is active) and the screen's own
// results (always, even when hidden).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m2, cmd, ok := m.onPreview(msg); ok {
		return m2, cmd
	}
	switch msg := msg.(type) {
	case pageMsg:
		return m.onPage(msg)
	case searchTickMsg:
		if msg.gen != m.gen || m.query == "" {
			return m, nil
		}
		return m, m.startSearch()
	case searchMsg:
		return m.onSearch(msg)
	case chainTickMsg:
		return m.onChainTick(msg)
	case chainMsg:
		return m.onChain(msg), nil
	case wholeMsg:
		return m.onWhole(msg)
	case estimatesMsg:
		m.estimates, m.estimating = msg, false
		return m, m.estimateAgain()
	case countsMsg:
		m.total, m.byStatus, m.counted = msg.total, msg.by, true
		return m, nil
	case request.TaskChanged:
		return m.onTaskChanged(msg.Task)
	case spinMsg:
		if !m.anyRunning() {
			m.spinning = false // let the chain end: nothing to animate
			return m, nil
		}
		m.frame = (m.frame + 1) % len(spinFrames.Frames)
		return m, m.nextFrame()
	case tea.KeyMsg:
		if m.searching {
			return m.onSearchKey(msg)
		}
		if read, ok := m.wholeFirst(msg); ok {
			return m, read
		}
		if m.copying {
			return m.onCopyKey(msg)
		}
		return m.onKey(msg)
	}
	if m.searching {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg) // cursor blink
		return m, cmd
	}
	return m, nil
}

// startSearch runs the query in a context of its own, cancelling the one
// before it.
func (m *Model) startSearch() tea.Cmd {
	m.cancelSearch()
	parent := m.deps.Ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	m.stopSearch = cancel
	m.parsed = parseQuery(m.query, m.view)
	return search(ctx, m.deps.Service.Store(), m.gen, m.parsed)
}

// cancelSearch stops the search under way, if any.
func (m *Model) cancelSearch() {
	if m.stopSearch != nil {
		m.stopSearch()
		m.stopSearch = nil
	}
}

func (m Model) onSearch(msg searchMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.query == "" {
		return m, nil
	}
	m.cancelSearch() // done: release its context
	m.loading, m.err = false, msg.err
	want := m.want
	m.resetPages()
	m.rows, m.want = rowsOf(msg.tasks), want
	m.cursor = m.wanted()
	m.clamp()
	return m, tea.Batch(m.selectionChanged(), m.spinIfNeeded())
}

// onTaskChanged patches a row in place, or puts a new task on top when it
// belongs to the view, so a poll never reloads the history.
func (m Model) onTaskChanged(t store.Task) (Model, tea.Cmd) {
	for i := range m.rows {
		if m.rows[i].LocalID == t.LocalID && m.rows[i].UpdatedAt.After(t.UpdatedAt) {
			// An older read arriving late (the watch of the history and a
			// poll can cross): the row already shows a newer state.
			return m, nil
		}
	}
	cmds := []tea.Cmd{loadCounts(m.deps.Service.Store())}
	if store.Finished(t.Status) {
		m.reestimate = true
		cmds = append(cmds, m.estimateAgain())
	}
	found := false
	for i := range m.rows {
		if m.rows[i].LocalID == t.LocalID {
			m.rows[i], found = &t, true
		}
	}
	// On top only while the window holds the top: a page read again later
	// picks the task up (see store.Query.Until).
	if !found && m.query == "" && m.first == 0 && m.topKnown && m.view.has(t.Status) && m.newest(t) {
		m.rows = append([]*store.Task{&t}, m.rows...)
		if len(m.pages) > 0 {
			m.pages[0].n++
		}
		if len(m.rows) > 1 {
			m.cursor++ // keep the cursor on the task the user was looking at
		}
		m.clamp()
	}
	if sel := m.Selected(); sel != nil && (sel.LocalID == t.LocalID || sel.TaskID == t.ParentID) {
		m.chainFor = "" // its chain or children changed: read again
		cmds = append(cmds, m.selectionChanged())
	}
	cmds = append(cmds, m.spinIfNeeded())
	return m, tea.Batch(cmds...)
}

// estimateAgain reads the estimates when a task ended since the last read
// began, unless a read is under way (its answer asks again).
func (m *Model) estimateAgain() tea.Cmd {
	if !m.reestimate || m.estimating {
		return nil
	}
	m.reestimate, m.estimating = false, true
	return loadEstimates(m.deps.Service.Store())
}

func (m Model) newest(t store.Task) bool {
	return len(m.rows) == 0 || !t.CreatedAt.Before(m.rows[0].CreatedAt)
}

// selectionChanged reads the chain of the row under the cursor once it
// rests (chain.go), and the next page when the cursor nears either end of
// what is loaded.
func (m *Model) selectionChanged() tea.Cmd { return m.follow(false) }

// follow is selectionChanged; byKey: a key moved the cursor, so the chain
// of the rows it passes is read only when it rests (chain.go).
func (m *Model) follow(byKey bool) tea.Cmd {
	var cmds []tea.Cmd
	if sel := m.Selected(); sel != nil && sel.LocalID != m.chainFor {
		m.chainFor, m.chainAsked, m.chain, m.children, m.kept, m.whole = sel.LocalID, "", nil, nil, nil, nil
		cmds = append(cmds, m.askChain(byKey))
	}
	return tea.Batch(append(cmds, m.pageLoad(), m.schedulePreview())...)
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	if m2, cmd, ok := m.onMoveKey(msg); ok {
		return m2, cmd
	}
	if m2, cmd, ok := m.onViewKey(msg); ok {
		return m2, cmd
	}
	return m.onActionKey(msg)
}

func (m Model) onMoveKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	page := m.rowsVisible()
	var d int
	switch {
	case key.Matches(msg, m.keys.Up):
		d = -1
	case key.Matches(msg, m.keys.Down):
		d = 1
	case key.Matches(msg, m.keys.PageUp):
		d = -page
	case key.Matches(msg, m.keys.PageDown):
		d = page
	case key.Matches(msg, m.keys.HalfUp):
		d = -max(1, page/2)
	case key.Matches(msg, m.keys.HalfDown):
		d = max(1, page/2)
	case key.Matches(msg, m.keys.Top):
		m2, cmd := m.home()
		return m2, cmd, true
	case key.Matches(msg, m.keys.Bottom):
		m2, cmd := m.end()
		return m2, cmd, true
	default:
		return m, nil, false
	}
	m.moveBy(d)
	return m, m.follow(true), true
}

func (m Model) onViewKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	v := m.view
	switch {
	case key.Matches(msg, m.keys.NextView):
		v = (v + 1) % 3
	case key.Matches(msg, m.keys.PrevView):
		v = (v + 2) % 3
	case key.Matches(msg, m.keys.Running):
		v = Running
	case key.Matches(msg, m.keys.All):
		v = All
	case key.Matches(msg, m.keys.Failed):
		v = Failed
	case key.Matches(msg, m.keys.Search):
		m.searching = true
		m.input.SetValue(m.query)
		return m, m.input.Focus(), true
	case key.Matches(msg, m.keys.ClearSearch) && m.query != "":
		m2, cmd := m.SetView(m.view)
		return m2, cmd, true
	default:
		return m, nil, false
	}
	if m.query != "" && v != m.view {
		// The search stays: the same words and filters within the new view.
		m.view, m.gen, m.loading, m.chainFor = v, m.gen+1, true, ""
		return m, m.startSearch(), true
	}
	m2, cmd := m.SetView(v)
	return m2, cmd, true
}

// SetView shows a view from its newest task, leaving any search.
func (m Model) SetView(v View) (Model, tea.Cmd) {
	m.cancelSearch()
	m.view, m.query, m.gen = v, "", m.gen+1
	m.input.SetValue("")
	m.resetPages()
	m.loading = false
	m.chainFor = ""
	return m, m.readPage(0, false)
}

func (m Model) onActionKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	sel := m.Selected()
	switch {
	case key.Matches(msg, m.keys.Generate):
		return m, request.Cmd(request.Generate{})
	case key.Matches(msg, m.keys.ExtendByID):
		return m, request.Cmd(request.Extend{})
	case key.Matches(msg, m.keys.Downloads):
		return m, request.Cmd(request.ShowDownloads{})
	case key.Matches(msg, m.keys.Spending):
		return m, request.Cmd(request.ShowSpending{})
	case key.Matches(msg, m.keys.Stories):
		return m, request.Cmd(request.ShowStories{})
	}
	if m2, cmd, ok := m.onRowKey(msg, sel); ok {
		return m2, cmd
	}
	switch {
	case sel == nil:
		return m, nil
	case key.Matches(msg, m.keys.Tree):
		return m, request.Cmd(request.ShowTree{ID: sel.LocalID})
	case key.Matches(msg, m.keys.Story):
		if why := tasks.WhyNotExtendable(sel, m.deps.Now()); why != "" {
			return m, request.Cmd(request.Flash{Text: "cannot plan a story from this task: " + why, Err: true})
		}
		return m, request.Cmd(request.PlanStory{Source: sel})
	case key.Matches(msg, m.keys.Details):
		return m, request.Cmd(request.OpenDetails{ID: sel.LocalID})
	case key.Matches(msg, m.keys.Extend):
		if why := tasks.WhyNotExtendable(sel, m.deps.Now()); why != "" {
			return m, request.Cmd(request.Flash{Text: "cannot extend this task: " + why, Err: true})
		}
		return m, request.Cmd(request.Extend{Source: sel})
	case key.Matches(msg, m.keys.Download):
		return m, request.Cmd(request.Download{ID: sel.LocalID, Force: true})
	case key.Matches(msg, m.keys.Hide):
		return m, request.Cmd(request.Hide{ID: sel.LocalID})
	}
	return m, nil
}

// onSearchKey: while the field has focus every key is typed, except the
// two that leave it.
func (m Model) onSearchKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case input.IsText(msg):
		msg = input.AsText(msg) // the query, whatever words it spells
	case key.Matches(msg, m.keys.ClearSearch):
		m.searching = false
		m.input.Blur()
		return m.SetView(m.view)
	case key.Matches(msg, m.keys.EndSearch):
		m.searching = false
		m.input.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	q := strings.TrimSpace(m.input.Value())
	if q == m.query {
		return m, cmd
	}
	m.cancelSearch() // superseded, whatever comes next
	m.query, m.gen = q, m.gen+1
	if q == "" {
		m2, load := m.SetView(m.view)
		return m2, tea.Batch(cmd, load)
	}
	m.loading = true
	return m, tea.Batch(cmd, debounce(m.deps.Tick, m.gen))
}

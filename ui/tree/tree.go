package tree

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/theme"
)

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
}

// Model is the lineage screen of one video's family: from the oldest
// video of its chain in the history, every video made from it.
type Model struct {
	deps  Deps
	keys  keyMap
	focus string // the local id the screen was opened on (and the cursor's, across reloads)
	gen   int

	lin    *tasks.Lineage
	rows   []Row
	cursor int
	offset int
	err    string

	width, height int
}

type keyMap struct {
	Up, Down, Extend, Story, Keep, Open, Back key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:     b(k("up", "k"), h("↑/k", "up")),
		Down:   b(k("down", "j"), h("↓/j", "down")),
		Extend: b(k("n"), h("n", "extend from here")),
		Story:  b(k("s"), h("s", "story from here")),
		Keep:   b(k("K"), h("K", "keep this branch")),
		Open:   b(k("enter"), h("enter", "details")),
		Back:   b(k("esc"), h("esc", "back")),
	}
}

func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Extend, k.Story, k.Keep, k.Open, k.Back}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Extend, k.Story, k.Keep, k.Open}, {k.Up, k.Down, k.Back}}
}

// New opens the screen on the family of the task id (local or service).
func New(d Deps, id string) Model {
	return Model{deps: d, keys: newKeys(), focus: id}
}

type loadedMsg struct {
	gen int
	lin *tasks.Lineage
	err error
}

type keptMsg struct {
	kept bool
	err  error
}

// Init reads the family.
func (m Model) Init() tea.Cmd { return m.load() }

// load reads the lineage from the oldest video of the chain in the
// history, so every branch of the family shows.
func (m Model) load() tea.Cmd {
	svc, id, gen := m.deps.Service, m.focus, m.gen
	return func() tea.Msg {
		l, err := svc.Lineage(id)
		if err == nil && len(l.Ancestors) > 0 {
			l, err = svc.Lineage(l.Ancestors[0].LocalID)
		}
		return loadedMsg{gen, l, err}
	}
}

// KeyMap is the screen's help.
func (m Model) KeyMap() help.KeyMap { return m.keys }

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	return m.clamp()
}

// Update handles keys and the screen's results, and reloads when a task
// of the family changes (or one is made from it).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.err != nil {
			m.err = msg.err.Error()
			return m, nil
		}
		m.lin, m.rows = msg.lin, Rows(msg.lin.Root)
		for i, r := range m.rows {
			if r.Node.Task.LocalID == m.focus || r.Node.Task.TaskID == m.focus {
				m.cursor = i
			}
		}
		return m.clamp(), nil
	case keptMsg:
		if msg.err != nil {
			m.err = msg.err.Error()
			return m, nil
		}
		m.gen++
		return m, m.load()
	case request.TaskChanged:
		if m.inFamily(msg.Task) {
			m.gen++
			return m, m.load()
		}
	case tea.KeyMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func (m Model) inFamily(t store.Task) bool {
	for _, r := range m.rows {
		n := &r.Node.Task
		if n.LocalID == t.LocalID || (n.TaskID != "" && n.TaskID == t.ParentID) {
			return true
		}
	}
	return false
}

func (m Model) selected() *store.Task {
	if m.cursor < len(m.rows) {
		return &m.rows[m.cursor].Node.Task
	}
	return nil
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.err = ""
	sel := m.selected()
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.Back):
		return m, request.Cmd(request.Back{})
	case sel == nil:
	case key.Matches(msg, m.keys.Open):
		return m, request.Cmd(request.OpenDetails{ID: sel.LocalID})
	case key.Matches(msg, m.keys.Extend), key.Matches(msg, m.keys.Story):
		if why := tasks.WhyNotExtendable(sel, m.deps.Now()); why != "" {
			m.err = "cannot extend this video: " + why
			return m, nil
		}
		if key.Matches(msg, m.keys.Story) {
			return m, request.Cmd(request.PlanStory{Source: sel})
		}
		return m, request.Cmd(request.Extend{Source: sel})
	case key.Matches(msg, m.keys.Keep):
		if sel.ParentID == "" {
			m.err = "this video starts the family: there is no branch to keep"
			return m, nil
		}
		m.focus = sel.LocalID
		svc, id := m.deps.Service, sel.LocalID
		return m, func() tea.Msg {
			kept, err := svc.Keep(id)
			return keptMsg{kept, err}
		}
	}
	if sel := m.clamp().selected(); sel != nil {
		m.focus = sel.LocalID
	}
	return m.clamp(), nil
}

func (m Model) rowsShown() int { return max(1, m.height-4) }

func (m Model) clamp() Model {
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	n := m.rowsShown()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+n {
		m.offset = m.cursor - n + 1
	}
	m.offset = max(0, min(m.offset, max(0, len(m.rows)-n)))
	return m
}

// View draws the family: one row per video, the branches as a tree, the
// kept line marked ★ (and bold), the chosen row with >.
func (m Model) View() string {
	st := m.deps.Styles
	if m.lin == nil {
		text := "reading the family…"
		if m.err != "" {
			text = m.err
		}
		return st.Title.Render("Lineage") + "\n\n" + st.Faint.Render(text)
	}
	root := &m.lin.Root.Task
	head := st.Title.Render("Lineage of "+format.Kind(root)+" "+format.Short(format.ID(root))) +
		st.Faint.Render(fmt.Sprintf("  %d videos · %s · ★ the kept line", len(m.rows), branchWords(m.rows)))
	lines := []string{head}
	if m.lin.Beyond != "" {
		lines = append(lines, st.Faint.Render("made from "+format.Short(m.lin.Beyond)+" (not in the history)"))
	} else {
		lines = append(lines, "")
	}
	labelW := 0
	for _, r := range m.rows {
		labelW = max(labelW, ansi.StringWidth(r.Prefix+label(r.Node)))
	}
	labelW = min(labelW, max(20, m.width/2))
	end := min(len(m.rows), m.offset+m.rowsShown())
	for i := m.offset; i < end; i++ {
		lines = append(lines, m.row(m.rows[i], i == m.cursor, labelW))
	}
	if m.lin.Omitted > 0 {
		lines = append(lines, st.Faint.Render(fmt.Sprintf("  … and %d more videos not shown", m.lin.Omitted)))
	}
	if m.err != "" {
		lines = append(lines, "", st.Error.Render(format.Wrap("! "+m.err, max(20, m.width-2))))
	}
	out := strings.Split(strings.Join(lines, "\n"), "\n")
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// branchWords counts the lines the family ends in: one per video that
// nothing was made from.
func branchWords(rows []Row) string {
	n := 0
	for _, r := range rows {
		if len(r.Node.Children) == 0 {
			n++
		}
	}
	if n <= 1 {
		return "one line"
	}
	return fmt.Sprintf("%d branches", n)
}

// label is a node's kind and short id.
func label(n *tasks.TreeNode) string {
	return format.Kind(&n.Task) + " " + format.Short(format.ID(&n.Task))
}

func (m Model) row(r Row, sel bool, labelW int) string {
	st := m.deps.Styles
	t := &r.Node.Task
	secs := "  ?"
	if r.Node.Seconds > 0 {
		secs = fmt.Sprintf("%3d s", r.Node.Seconds)
	}
	seed := format.Seed(t)
	mark := "  "
	if r.Node.Kept {
		mark = "★ "
	}
	text := format.Pad(r.Prefix+label(r.Node), labelW) + "  " + format.Pad(format.Status(t.Status), 10) + " " +
		format.Pad(secs, 5) + "  " + format.Pad("seed "+seed, 11) + " " + mark
	text += format.Line(t.Request.Prompt, max(10, m.width-4-ansi.StringWidth(text)))
	switch {
	case sel:
		return st.Selected.Render("> " + text)
	case r.Line && r.Depth > 0:
		return "  " + st.Bold.Render(text)
	}
	return "  " + text
}

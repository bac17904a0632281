package tasklist

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// View renders the tabs, the visible rows only, and the chain line.
func (m Model) View() string {
	if pw := m.previewWidth(); pw > 0 {
		return m.withPreview(pw)
	}
	lines := []string{m.header(), m.columns()}
	lines = append(lines, m.body()...)
	for len(lines) < m.height-2 {
		lines = append(lines, "")
	}
	lines = append(lines, m.chainLine())
	return strings.Join(lines, "\n")
}

// header is the views as tabs (the active one bracketed, so it reads
// without colour) or the search field and what it found.
func (m Model) header() string {
	st := m.deps.Styles
	var line string
	if m.searching || m.query != "" {
		line = m.searchHeader()
	} else {
		tabs := m.tabs()
		parts := make([]string, len(tabs))
		for i, t := range tabs {
			parts[i] = t.text
		}
		line = st.Title.Render("veox") + "  " + strings.Join(parts, " ")
	}
	return m.withPosition(line)
}

// withPosition puts where the cursor is ("120 of 3,075") at the right of
// the header line, when the line leaves room for it.
func (m Model) withPosition(line string) string {
	pos, total := m.position()
	if pos == 0 {
		return line
	}
	where := thousands(pos) + " of " + thousands(total)
	if n := len(m.marks); n > 0 {
		where = thousands(n) + " marked · " + where
	}
	text := m.deps.Styles.Faint.Render(where)
	gap := m.width - lipgloss.Width(line) - lipgloss.Width(text)
	if gap < 2 {
		return line
	}
	return line + strings.Repeat(" ", gap) + text
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

type tabLabel struct {
	v     View
	label string
}

// tabLabels are the views with their counts, in tab order.
func (m Model) tabLabels() []tabLabel {
	run := m.byStatus[store.StatusRunning] + m.byStatus[store.StatusSubmitting] + m.byStatus[store.StatusUnknown]
	return []tabLabel{{Running, fmt.Sprintf("Running %d", run)}, {All, fmt.Sprintf("All %d", m.total)}, {Failed, fmt.Sprintf("Failed %d", m.byStatus[store.StatusFailed])}}
}

func (m Model) searchHeader() string {
	st := m.deps.Styles
	if m.searching {
		return m.input.View() + "  " + st.Faint.Render(m.searchNote())
	}
	return st.Title.Render("search") + " " + st.Bold.Render(format.Line(m.query, 30)) + "  " + st.Faint.Render(m.searchNote()+" · esc clears")
}

func (m Model) searchNote() string {
	switch {
	case m.query == "":
		return "type to search the whole history"
	case m.loading:
		return "searching…"
	case m.err != nil:
		return "search failed: " + m.err.Error()
	case m.parsed.problem != "":
		return m.parsed.problem
	case m.parsed.none:
		return "no task of this view can match its status: filter"
	case len(m.rows) >= SearchLimit:
		return fmt.Sprintf("first %d matches", SearchLimit)
	}
	return fmt.Sprintf("%d found", len(m.rows))
}

func (m Model) columns() string {
	l := m.layout()
	cols := format.Pad("", wMark) + format.Pad("STATUS", wStatus) + format.Pad("KIND", wKind)
	if l.id {
		cols += format.Pad("ID", wID-1) + " "
	}
	cols += format.Pad("PROMPT", m.promptWidth()) + optionalTitles(l)
	return m.deps.Styles.Faint.Render(strings.TrimRight(cols, " "))
}

// body renders only the rows on screen, whatever is loaded.
func (m Model) body() []string {
	st := m.deps.Styles
	if len(m.rows) == 0 {
		return []string{"", st.Faint.Render("  " + m.emptyNote())}
	}
	n := m.rowsVisible()
	out := make([]string, 0, n)
	m.rc.frame(m.width, m.query)
	l, pw := m.layout(), m.promptWidth()
	for i := m.offset; i < len(m.rows) && i < m.offset+n; i++ {
		t, selected := m.rows[i], i == m.cursor
		_, marked := m.marks[t.LocalID]
		look := rowLook{selected: selected, marked: marked, glyph: m.glyph(t)}
		if l.age {
			look.age = m.age(t)
		}
		if l.time && timeMoves(t.Status) {
			look.time = m.timing(t)
		}
		out = append(out, m.rc.row(t, look, func() string { return m.row(t, selected, l, pw) }))
	}
	return out
}

func (m Model) emptyNote() string {
	switch {
	case m.err != nil:
		return "cannot read the history: " + m.err.Error()
	case m.loading:
		return "loading…"
	case m.query != "":
		return "no task matches; esc clears the search"
	case m.view == Running:
		return "nothing is running. n extends the selected video, g generates a new one."
	case m.view == Failed:
		return "no failed tasks."
	}
	return "no tasks yet: g generates a video, N extends one by its task id."
}

// row draws t's row in layout l with the prompt pw wide (both the frame's).
func (m Model) row(t *store.Task, selected bool, l layout, pw int) string {
	st := m.deps.Styles
	mark := "  "
	_, marked := m.marks[t.LocalID]
	switch {
	case selected && marked:
		mark = st.Cursor.Render(">*")
	case selected:
		mark = st.Cursor.Render("> ")
	case marked:
		mark = st.Bold.Render(" *")
	}
	status := m.rc.status(t.Status, m.glyph(t), func() string {
		return st.ForStatus(t.Status).Render(format.Pad(m.glyph(t)+" "+format.StatusWord(t.Status), wStatus))
	})
	var room [10]cell
	cells := append(room[:0], cell{text: format.Kind(t), width: wKind})
	if l.id {
		// One column of gap: an id as long as the column ran into the prompt.
		cells = append(cells, cell{format.Short(format.ID(t)), wID - 1, true}, cell{text: " ", width: 1})
	}
	cells = append(cells, cell{format.Line(t.Request.Prompt, pw-1), pw, true})
	cells = m.optionalCells(cells, l, t)
	var base *lipgloss.Style
	if selected {
		base = &st.Selected
	}
	var b strings.Builder
	b.Grow(m.width + 64) // the row, and a style's sequences
	b.WriteString(mark)
	b.WriteString(status)
	if m.query == "" || len(m.parsed.words) == 0 {
		renderCells(&b, cells, nil, base, lipgloss.Style{})
	} else {
		renderCells(&b, cells, m.parsed.words, base, st.Warning.Bold(true).Reverse(true))
	}
	return b.String()
}

// glyph is the spinner's frame while a task runs, its status glyph after.
func (m Model) glyph(t *store.Task) string {
	if t.Status == store.StatusRunning && m.spinning {
		return spinFrames.Frames[m.frame]
	}
	return format.Glyph(t.Status)
}

// age is how long ago the task was made, as the CREATED column says it.
func (m Model) age(t *store.Task) string { return format.Rough(m.deps.Now().Sub(t.CreatedAt)) }

// timing is format.Timing with this list's estimate for the task's kind.
func (m Model) timing(t *store.Task) string {
	return format.Timing(t, m.estimates[t.Kind], m.deps.Now())
}

// timeMoves: the TIME column of a task of this status follows the clock.
// Otherwise it is the task's alone ("took 1m15s", "needs you"), and the
// row cache, which keys a row by its task, need not work it out each frame.
// (format.Timing's cases that do not read now.)
func timeMoves(status string) bool {
	switch status {
	case store.StatusSucceeded, store.StatusFailed, store.StatusRefused, store.StatusUnknown:
		return false
	}
	return true
}

// Estimate is the expected total duration of a kind, 0 if unknown.
func (m Model) Estimate(kind string) time.Duration { return m.estimates[kind] }

// chainLine shows the selected task's ancestry and children at a glance.
func (m Model) chainLine() string {
	st := m.deps.Styles
	if m.copying {
		return st.Bold.Render(format.Line("copy: u the URL · f the file path · p the prompt · s the seed · i the id · esc nothing", m.width))
	}
	sel := m.Selected()
	if sel == nil {
		return ""
	}
	var parts []string
	for i := range m.chain {
		t := &m.chain[i]
		p := format.Kind(t) + " " + format.Short(format.ID(t)) + " " + format.Glyph(t.Status)
		if t.LocalID == sel.LocalID {
			p = st.Bold.Render("[" + p + "]")
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		parts = []string{st.Bold.Render("[" + format.Kind(sel) + " " + format.Short(format.ID(sel)) + "]")}
	}
	if sel.ParentID != "" && (len(m.chain) == 0 || m.chain[0].ParentID != "") {
		parts = append([]string{"… " + format.Short(chainRootParent(m.chain, sel))}, parts...)
	}
	for i := range m.kept {
		t := &m.kept[i]
		parts = append(parts, "★ "+format.Kind(t)+" "+format.Short(format.ID(t))+" "+format.Glyph(t.Status))
	}
	line := "chain: " + strings.Join(parts, " → ")
	if n := len(m.children); n > 0 {
		line += fmt.Sprintf("  ⇢ %d made from it", n)
	}
	if sel.Status == store.StatusSucceeded && sel.Row == nil { // a row alone cannot say: its whole task comes
		if why := tasks.NotExtendableShort(sel, m.deps.Now()); why != "" {
			line += "  · cannot extend: " + why
		}
	}
	return st.Faint.Render(format.Line(line, m.width))
}

// chainRootParent is the parent id the chain stops at: a source made
// outside veox (or no longer in the history).
func chainRootParent(chain []store.Task, sel *store.Task) string {
	if len(chain) > 0 {
		return chain[0].ParentID
	}
	return sel.ParentID
}

package details

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/format"
)

// family is what [ and ] move through: the ancestors (root first), then
// the tasks made from this one (oldest first). The task shown is not in it.
func (m Model) family() []*store.Task {
	var out []*store.Task
	for i := range m.chain {
		if m.task == nil || m.chain[i].LocalID != m.task.LocalID {
			out = append(out, &m.chain[i])
		}
	}
	for i := range m.children {
		out = append(out, &m.children[i])
	}
	return out
}

// keepSelection keeps the chosen task across reloads; otherwise it picks
// the newest child (the usual next step: open the extension just made),
// else the parent.
func (m Model) keepSelection() string {
	fam := m.family()
	for _, t := range fam {
		if t.LocalID == m.sel {
			return m.sel
		}
	}
	switch {
	case len(m.children) > 0:
		return m.children[len(m.children)-1].LocalID
	case len(fam) > 0:
		return fam[len(fam)-1].LocalID
	}
	return ""
}

// newChild is the local id of the newest child a reload brings that the
// screen did not show before ("" on the first load or when none is new).
func (m Model) newChild(msg loadedMsg) string {
	if m.task == nil || msg.task == nil || msg.task.LocalID != m.task.LocalID {
		return ""
	}
	known := map[string]bool{}
	for _, c := range m.children {
		known[c.LocalID] = true
	}
	for i := len(msg.children) - 1; i >= 0; i-- {
		if !known[msg.children[i].LocalID] {
			return msg.children[i].LocalID
		}
	}
	return ""
}

func (m Model) selIndex(fam []*store.Task) int {
	for i, t := range fam {
		if t.LocalID == m.sel {
			return i
		}
	}
	return -1
}

// onFamilyKey moves the choice along the family or opens the chosen task.
func (m Model) onFamilyKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	fam := m.family()
	if len(fam) == 0 {
		return m, nil, false
	}
	i := m.selIndex(fam)
	switch {
	case key.Matches(msg, m.keys.Next):
		i = min(i+1, len(fam)-1)
	case key.Matches(msg, m.keys.Prev):
		i = max(i-1, 0)
	case key.Matches(msg, m.keys.OpenSel) && i >= 0:
		m2, cmd := m.show(fam[i].LocalID)
		return m2, cmd, true
	default:
		return m, nil, false
	}
	m.sel = fam[max(i, 0)].LocalID
	return m.reveal(), nil, true
}

// reveal scrolls so the chosen task's line is on screen.
func (m Model) reveal() Model {
	c := m.content()
	m.vp = m.page(m.bottom())
	switch {
	case c.selLine < 0:
	case c.selLine < m.vp.YOffset:
		m.vp.SetYOffset(c.selLine)
	case c.selLine >= m.vp.YOffset+m.vp.Height:
		m.vp.SetYOffset(c.selLine - m.vp.Height + 1)
	}
	return m
}

// familyView is the chain and the children; sel is the line of the chosen
// task within it (-1 if none).
func (m Model) familyView(w int) (text string, sel int) {
	sel = -1
	var lines []string
	if len(m.chain) > 1 || m.task.ParentID != "" {
		lines = append(lines, m.section("Chain")+m.familyHint())
		chain, at := m.chainLines(w)
		if at >= 0 {
			sel = len(lines) + at
		}
		lines = append(lines, chain...)
	}
	if len(m.children) > 0 {
		hint := ""
		if len(lines) == 0 {
			hint = m.familyHint()
		}
		lines = append(lines, m.section("Made from it")+hint)
		for i := range m.children {
			c := &m.children[i]
			if c.LocalID == m.sel {
				sel = len(lines)
			}
			lines = append(lines, m.childLine(c, w))
		}
	}
	return strings.Join(lines, "\n"), sel
}

func (m Model) familyHint() string {
	if len(m.family()) == 0 {
		return ""
	}
	return m.deps.Styles.Faint.Render("  ] [ choose · enter opens")
}

// chainLines is the chain root first, "→" between tasks, wrapped at the
// width; at is the line holding the chosen task (-1 if none).
func (m Model) chainLines(w int) (lines []string, at int) {
	at = -1
	var parts []string
	if len(m.chain) > 0 && m.chain[0].ParentID != "" {
		parts = append(parts, "… "+format.Short(m.chain[0].ParentID)+" (not in history)")
	}
	chosen := -1
	for i := range m.chain {
		if m.chain[i].LocalID == m.sel {
			chosen = len(parts)
		}
		parts = append(parts, m.chainPart(&m.chain[i]))
	}
	line := "  "
	for i, p := range parts {
		sep := " → "
		if i == 0 {
			sep = ""
		}
		if i > 0 && ansi.StringWidth(line+sep+p) > w {
			lines, line = append(lines, line), "  "
		}
		if line != "  " {
			line += sep
		}
		line += p
		if i == chosen {
			at = len(lines)
		}
	}
	return append(lines, line), at
}

// chainPart is one task of the chain: the one shown in brackets, the
// chosen one marked with ›, so both read without colour.
func (m Model) chainPart(t *store.Task) string {
	st := m.deps.Styles
	p := format.Kind(t) + " " + format.Short(format.ID(t)) + " " + format.Glyph(t.Status)
	switch t.LocalID {
	case m.task.LocalID:
		return st.Bold.Render("[" + p + "]")
	case m.sel:
		return st.Selected.Render("›" + p)
	}
	return p
}

func (m Model) childLine(c *store.Task, w int) string {
	head := fmt.Sprintf("%s %-8s %-9s %-10s ", format.Glyph(c.Status), format.StatusWord(c.Status), format.Kind(c), format.Short(format.ID(c)))
	line := head + format.Line(c.Request.Prompt, max(10, w-2-ansi.StringWidth(head)))
	if c.LocalID == m.sel {
		return m.deps.Styles.Selected.Render("› " + line)
	}
	return "  " + line
}

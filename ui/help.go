package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// onHelpKey closes the help or scrolls it.
func (m Model) onHelpKey(msg tea.KeyMsg) Model {
	page := max(1, m.helpRoom())
	switch {
	case key.Matches(msg, m.keys.CloseHelp):
		m.pop()
	case key.Matches(msg, m.keys.HelpUp):
		m.helpOffset--
	case key.Matches(msg, m.keys.HelpDown):
		m.helpOffset++
	case key.Matches(msg, m.keys.HelpPageUp):
		m.helpOffset -= page
	case key.Matches(msg, m.keys.HelpPageDown):
		m.helpOffset += page
	}
	m.helpOffset = max(0, min(m.helpOffset, m.helpLines()-m.helpRoom()))
	return m
}

func (m Model) helpLines() int { return strings.Count(m.helpView(), "\n") + 1 }

// helpScrolls: the help is taller than the screen.
func (m Model) helpScrolls() bool { return m.helpLines() > m.bodyHeight() }

// helpRoom is the help's lines shown at once: the body, less the line
// that says where the view is when it scrolls.
func (m Model) helpRoom() int {
	if m.helpScrolls() {
		return m.bodyHeight() - 1
	}
	return m.bodyHeight()
}

// helpWindow is the help, or the part of it that fits with a line saying
// which part, so no key is ever cut off the bottom unseen.
func (m Model) helpWindow() string {
	v := m.helpView()
	if !m.helpScrolls() {
		return v
	}
	lines := strings.Split(v, "\n")
	room := m.helpRoom()
	off := max(0, min(m.helpOffset, len(lines)-room))
	end := off + room
	where := m.o.Styles.Faint.Render(fmt.Sprintf("lines %d–%d of %d: ↑/↓ and pgup/pgdn scroll", off+1, end, len(lines)))
	return strings.Join(append(lines[off:end:end], where), "\n")
}

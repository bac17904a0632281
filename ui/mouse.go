package ui

import tea "github.com/charmbracelet/bubbletea"

// onMouse routes the wheel and clicks (Settings.Mouse; see Run) to the
// screen under them. Only the body takes them: the help line and the
// status bar are read, not clicked. Nothing acts behind the "too small"
// screen or a modal question, as with keys.
func (m Model) onMouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	if m.tooSmall() || msg.Y < 0 || msg.Y >= m.bodyHeight() {
		return m, nil
	}
	var cmd tea.Cmd
	switch m.top() {
	case scrTasks:
		m.list, cmd = m.list.Mouse(msg)
		return m, cmd
	case scrDetails:
		m.details, cmd = rebox(m.details.v().Mouse(msg))
		return m, cmd
	case scrDownloads, scrMessages, scrAgain:
		// Their keys scroll: the wheel is an arrow key there.
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			return m.toTop(tea.KeyMsg{Type: tea.KeyUp})
		case tea.MouseButtonWheelDown:
			return m.toTop(tea.KeyMsg{Type: tea.KeyDown})
		}
	case scrHelp:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			return m.onHelpKey(tea.KeyMsg{Type: tea.KeyUp}), nil
		case tea.MouseButtonWheelDown:
			return m.onHelpKey(tea.KeyMsg{Type: tea.KeyDown}), nil
		}
	}
	return m, nil
}

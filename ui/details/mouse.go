package details

import tea "github.com/charmbracelet/bubbletea"

// wheelLines is how far one wheel step scrolls the page, as bubbles'
// viewport does by default.
const wheelLines = 3

// Mouse scrolls the page with the wheel; the keys stay the way to act.
func (m Model) Mouse(msg tea.MouseMsg) (Model, tea.Cmd) {
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		m.vp = m.page(m.bottom())
		m.vp.ScrollUp(wheelLines)
	case tea.MouseButtonWheelDown:
		m.vp = m.page(m.bottom())
		m.vp.ScrollDown(wheelLines)
	}
	return m, nil
}

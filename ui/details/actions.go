package details

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/ui/act"
)

// open starts the system player on the first local file, in a command
// (ui/act, shared with the list).
func (m Model) open() tea.Cmd {
	id, t, opener := m.id, m.task, m.deps.Opener
	return func() tea.Msg {
		text, _ := act.Play(t, opener)
		return noteMsg{id, text}
	}
}

// copyURL sends the best result URL to the terminal's clipboard (OSC 52).
// The URL is on the page too, to copy by hand if the terminal refuses.
func (m Model) copyURL() tea.Cmd {
	id, t, out := m.id, m.task, m.deps.Output
	return func() tea.Msg {
		text, failed := act.Copy(out, t, act.URL)
		if !failed {
			text += " — the URL is shown above to copy by hand"
		}
		return noteMsg{id, text}
	}
}

// AskUpscale opens the screen on the upscale choice (u on the list): the
// same steps, 1080p or 4K and the cost confirmed, as u here.
func (m Model) AskUpscale() Model {
	m.mode = modeChoose
	return m
}

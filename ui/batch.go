package ui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
)

// downloadMany starts the downloads of the marked rows (d with marks), as
// d does for one, and says once how many started.
func (m Model) downloadMany(ids []string) (Model, tea.Cmd) {
	var cmds []tea.Cmd
	started, already := 0, 0
	for _, id := range ids {
		d, cmd, ok := m.downloads.Start(id, true)
		m.downloads = d
		if !ok {
			already++
			continue
		}
		started++
		cmds = append(cmds, cmd)
	}
	m.bar.Downloading = m.downloads.Active()
	text := fmt.Sprintf("downloading %d videos… f shows the progress", started)
	if already > 0 {
		text += fmt.Sprintf(" (%d already downloading)", already)
	}
	m2, flash := m.flash(text, false)
	return m2, tea.Batch(append(cmds, flash)...)
}

// hiddenManyMsg is the outcome of x on the marked rows.
type hiddenManyMsg struct {
	removed []string // local ids
	kept    int      // created upstream: x leaves them
	err     error    // the first other failure
}

// hideManyCmd removes the entries of creates that never existed upstream
// (refused or dismissed) among ids, and counts the ones it keeps.
func hideManyCmd(svc *tasks.Service, ids []string) tea.Cmd {
	return func() tea.Msg {
		var out hiddenManyMsg
		for _, id := range ids {
			t, err := svc.Hide(id)
			switch {
			case errors.Is(err, tasks.ErrKept):
				out.kept++
			case err != nil:
				if out.err == nil {
					out.err = err
				}
			default:
				out.removed = append(out.removed, t.LocalID)
			}
		}
		return out
	}
}

func (m Model) onHiddenMany(msg hiddenManyMsg) (Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, id := range msg.removed {
		var c tea.Cmd
		m.list, c = m.list.Remove(id)
		cmds = append(cmds, c)
	}
	text := fmt.Sprintf("removed %d entries from the history", len(msg.removed))
	if msg.kept > 0 {
		text += fmt.Sprintf("; kept %d that were created upstream (x removes only refused or dismissed entries; veox rm --force removes a local record)", msg.kept)
	}
	isErr := msg.kept > 0
	if msg.err != nil {
		text += "; could not remove one: " + errText(msg.err)
		isErr = true
	}
	m2, c := m.flash(text, isErr)
	return m2, tea.Batch(append(cmds, c)...)
}

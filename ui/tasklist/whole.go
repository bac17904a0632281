package tasklist

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
)

// The list reads its pages as rows (store.Query.Rows): what a row shows
// and nothing more, so a held page key at 100,000 tasks does not decode
// 200 records a page (issue 17). The selected row's whole task comes with
// its chain once the cursor rests (chain.go), about 80 ms after a move. A
// key that acts on more than a row holds (plays or opens the file, copies
// a URL, runs the task again, extends it, plans a story from it) and comes
// before that reads the whole task first and is then done as pressed: it
// is never done on a row.

// wholeMsg is the whole task of row id, read for key.
type wholeMsg struct {
	id   string
	task *store.Task
	err  error
	key  tea.KeyMsg
}

// needsWhole: key acts on more of the selected task than its row holds.
func (m Model) needsWhole(msg tea.KeyMsg) bool {
	if m.copying {
		return key.Matches(msg, m.keys.CopyURL, m.keys.CopyPath, m.keys.CopyPrompt, m.keys.CopySeed, m.keys.CopyID)
	}
	return len(m.marks) == 0 && key.Matches(msg, m.keys.Play, m.keys.Folder, m.keys.Again, m.keys.Extend, m.keys.Story)
}

// wholeFirst reads the whole task before a key that needs it, when the
// selected row is a row only; ok is false when the key can go on now.
func (m Model) wholeFirst(msg tea.KeyMsg) (tea.Cmd, bool) {
	sel := m.Selected()
	if sel == nil || sel.Row == nil || !m.needsWhole(msg) {
		return nil, false
	}
	s, id := m.deps.Service.Store(), sel.LocalID
	return func() tea.Msg {
		t, err := s.Get(id)
		return wholeMsg{id: id, task: t, err: err, key: msg}
	}, true
}

// onWhole does the key once the whole task is read, if its row is still
// the selected one (a key meant for a row the cursor has left is dropped).
func (m Model) onWhole(msg wholeMsg) (Model, tea.Cmd) {
	sel := m.Selected()
	switch {
	case sel == nil || sel.LocalID != msg.id:
		m.copying = false
		return m, nil
	case msg.err != nil:
		m.copying = false
		return m, flash("cannot read this task from the history: "+msg.err.Error(), true)
	}
	m.whole = msg.task
	return m.Update(msg.key)
}

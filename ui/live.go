package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/request"
)

// Live across processes: the TUI follows the history's change log through a
// store.Watcher, so a task another veox creates or changes (a script, a
// `--wait` in another shell, `veox receive`) shows within moments. The
// watcher runs on file-system notifications: while nobody writes, nothing
// runs and no timer ticks. Run starts it before the program, so nothing
// written between the list's first read and the watch is missed (a change
// read twice is harmless).

// liveMsg is one change set, read: the tasks as they now are, the ids of
// tasks deleted, or reset when everything shown must be read again.
type liveMsg struct {
	tasks []store.Task
	gone  []string
	reset bool
	err   error
}

// liveEndedMsg: the watcher stopped (the program is quitting, or the
// history folder can no longer be watched).
type liveEndedMsg struct{ err error }

// nextChange waits for the next change set and reads what it names, in
// one unit of work. Only one is outstanding at a time, so change sets are
// applied in the order they were committed.
func nextChange(w *store.Watcher, st *store.Store) tea.Cmd {
	if w == nil {
		return nil
	}
	return func() tea.Msg {
		cs, ok := <-w.Changes()
		if !ok {
			return liveEndedMsg{w.Err()}
		}
		if cs.Reset {
			return liveMsg{reset: true}
		}
		ts, gone, err := st.GetMany(cs.IDs)
		return liveMsg{tasks: ts, gone: gone, err: err}
	}
}

// onLive applies a change set: rows patched or added, deleted ones taken
// off, running tasks picked up by the poller (a task created elsewhere
// without --wait is followed here, as at start-up), and the next change
// awaited.
func (m Model) onLive(msg liveMsg) (Model, tea.Cmd) {
	cmds := []tea.Cmd{nextChange(m.watch, m.o.Service.Store())}
	if msg.err != nil {
		m.o.logger().Warn("reading another veox's changes failed", "err", msg.err)
		return m, tea.Batch(cmds...)
	}
	if msg.reset {
		var c tea.Cmd
		m.list, c = m.list.SetView(m.list.CurrentView())
		return m, tea.Batch(append(cmds, c)...)
	}
	for i := range msg.tasks {
		t := &msg.tasks[i]
		var c tea.Cmd
		m, c = m.changed(request.TaskChanged{Task: *t})
		cmds = append(cmds, c, m.poller.Watch(t))
	}
	for _, id := range msg.gone {
		var c tea.Cmd
		m.list, c = m.list.Remove(id)
		cmds = append(cmds, c)
	}
	m.bar.Running = m.poller.Running()
	return m, tea.Batch(cmds...)
}

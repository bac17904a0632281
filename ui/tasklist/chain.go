package tasklist

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/ui/timer"
)

// The chain line is read at once when the cursor moves after a rest, and
// then not again until it rests (rest.go): a held key moves the cursor 30
// times a second, and a read at each move (a unit of work on the history,
// then a message and a redraw of its own) cost more than the move itself
// (issue 17). Once the cursor has rested chainDelay, the row under it has
// its chain read if it was not yet. A move made by anything else than a
// key (a page read, a search, a task that changed) reads at once and sets
// no timer, so an idle veox runs none.
const chainDelay = 80 * time.Millisecond

// chainTickMsg is the timer's end; moves is the count of moves when it
// was set.
type chainTickMsg struct{ moves int }

// askChain is a move to a row whose chain is not shown: read it now unless
// a timer is under way (its end reads it); byKey starts the timer.
func (m *Model) askChain(byKey bool) tea.Cmd {
	if !m.chainRest.moved() {
		return nil
	}
	read := m.readChain()
	if !byKey {
		return read
	}
	return tea.Batch(read, m.chainTimer())
}

func (m *Model) chainTimer() tea.Cmd {
	moves := m.chainRest.set()
	return timer.After(m.deps.Tick, chainDelay, func(time.Time) tea.Msg { return chainTickMsg{moves} })
}

// readChain reads the chain of the row under the cursor, once per row.
func (m *Model) readChain() tea.Cmd {
	sel := m.Selected()
	if sel == nil || sel.LocalID != m.chainFor || m.chainAsked == m.chainFor {
		return nil
	}
	m.chainAsked = m.chainFor
	return loadChain(m.deps.Service, *sel)
}

// onChainTick reads the chain of the row under the cursor if the cursor
// has rested since the timer was set, or sets it again.
func (m Model) onChainTick(t chainTickMsg) (Model, tea.Cmd) {
	if !m.chainRest.fired(t.moves) {
		return m, m.chainTimer()
	}
	return m, m.readChain()
}

// onChain shows the chain read for the row still selected. Its last task
// is the row's whole task (whole.go); a preview waiting for it to read its
// files finds it at its next tick.
func (m Model) onChain(msg chainMsg) Model {
	if msg.id == m.chainFor && msg.err == nil {
		m.chain, m.children, m.kept = msg.chain, msg.children, msg.kept
		if n := len(msg.chain); n > 0 && msg.chain[n-1].LocalID == msg.id {
			m.whole = &msg.chain[n-1]
		}
	}
	return m
}

// Package again is the review of "run again with a new seed" for several
// marked rows at once: every task to be sent with its price, the total
// beside today's spending and the daily budget, and what will not be run
// again and why. It sends nothing itself: y hands ConfirmMsg to the root,
// which owns the money-spending path and reports each create's outcome
// back (Sent), one at a time.
package again

import (
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/theme"
)

// ConfirmMsg: the user accepted the review; the root sends the creates.
type ConfirmMsg struct{}

// CancelMsg: the user left the review; nothing was sent.
type CancelMsg struct{}

// StopMsg: the user asked to send no more after the create in flight.
type StopMsg struct{}

// Today is what the review knows of today's spending and the rules.
type Today struct {
	Known   bool
	Credits float64
	Err     string
	Budget  tasks.Budget
}

// Balance is the balance as the status bar knows it.
type Balance struct {
	Known   bool
	Credits float64
}

type stage int

const (
	reviewing stage = iota
	sending
	done
)

// outcome is what became of one runnable create.
type outcome struct {
	sent   bool // its answer came (or it was given up)
	task   *store.Task
	err    error
	notRun string // not sent, and why
}

// Model is the review, then the progress and outcome of the sends.
type Model struct {
	styles   theme.Styles
	keys     keyMap
	run      []tasks.Again // to be sent, in order
	skipped  []tasks.Again // not run again, each with its reason
	out      []outcome     // by index of run
	next     int           // the index of run to send next
	today    Today
	bal      Balance
	stage    stage
	stopping bool   // esc while sending: no more after the one in flight
	refused  string // the whole batch was refused before anything was sent
	note     string // a word about the last key (y while over budget)
	offset   int    // the first line of the list shown
	width    int
	height   int
}

// New builds the review of plan (tasks.Service.PlanAgain).
func New(styles theme.Styles, plan []tasks.Again, today Today, bal Balance) Model {
	m := Model{styles: styles, keys: newKeys(), today: today, bal: bal, width: 80, height: 22}
	for _, a := range plan {
		if a.Runnable() {
			m.run = append(m.run, a)
		} else {
			m.skipped = append(m.skipped, a)
		}
	}
	m.out = make([]outcome, len(m.run))
	return m
}

// SetSize gives the review its area.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.offset = m.clampOffset(m.offset)
	return m
}

// WithBalance takes a fresher balance.
func (m Model) WithBalance(b Balance) Model { m.bal = b; return m }

// Total is what the creates to send cost together, in credits.
func (m Model) Total() int { return tasks.AgainTotal(m.run) }

// OverBudget: with what is known of today, sending them all passes the
// daily limit; y then sends nothing.
func (m Model) OverBudget() bool {
	l := m.today.Budget.DailyLimit
	return l > 0 && m.today.Known && m.today.Credits+float64(m.Total()) > l
}

// Busy reports creates being sent: the root asks before quitting.
func (m Model) Busy() bool { return m.stage == sending }

// Done reports that every create had its answer (or was given up).
func (m Model) Done() bool { return m.stage == done }

// Next is the create to send now; ok is false when none is left or the
// user stopped.
func (m Model) Next() (a tasks.Again, i int, ok bool) {
	if m.stage != sending || m.stopping || m.next >= len(m.run) {
		return tasks.Again{}, 0, false
	}
	return m.run[m.next], m.next, true
}

// Sent records the answer of create i and moves on to the next. A create
// whose answer was lost stops the rest (see Stop): more creates into a
// failing link would only pile up ones that may be billed.
func (m Model) Sent(i int, t *store.Task, err error) Model {
	if i != m.next || i >= len(m.run) {
		return m
	}
	m.out[i] = outcome{sent: true, task: t, err: err}
	m.next++
	m = m.follow(i)
	if m.next >= len(m.run) {
		return m.finish("")
	}
	return m
}

// Refused: the batch was refused before anything was sent (the daily
// limit, read afresh), or stopped part-way for why: what was not sent
// says so.
func (m Model) Refused(why string) Model {
	if m.next == 0 {
		m.refused = why
	}
	return m.finish(why)
}

// finish marks what was not sent, with why ("" when all went).
func (m Model) finish(why string) Model {
	for i := m.next; i < len(m.run); i++ {
		if why == "" {
			why = "you stopped the sending"
		}
		m.out[i] = outcome{notRun: why}
	}
	m.next = len(m.run)
	m.stage = done
	return m
}

// Stop ends the sending after the create in flight (the root calls it
// when there is nothing more to send).
func (m Model) Stop(why string) Model { return m.finish(why) }

// Counts are the outcomes so far: accepted, refused, unknown, not sent.
func (m Model) Counts() (accepted, refused, unknown, notSent int) {
	for _, o := range m.out {
		switch {
		case o.notRun != "":
			notSent++
		case !o.sent:
		case o.task == nil:
			notSent++ // nothing was created: its source was refused, the disk…
		case o.task.Status == store.StatusRefused:
			refused++
		case o.task.Status == store.StatusUnknown || errors.Is(o.err, tasks.ErrUnknownOutcome):
			unknown++
		default:
			accepted++
		}
	}
	return
}

// Update handles the review's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	m.note = ""
	switch {
	case key.Matches(k, m.keys.Up):
		m.offset = m.clampOffset(m.offset - 1)
	case key.Matches(k, m.keys.Down):
		m.offset = m.clampOffset(m.offset + 1)
	case key.Matches(k, m.keys.PageUp):
		m.offset = m.clampOffset(m.offset - m.listHeight())
	case key.Matches(k, m.keys.PageDown):
		m.offset = m.clampOffset(m.offset + m.listHeight())
	case m.stage == reviewing && key.Matches(k, m.keys.Confirm):
		return m.confirm()
	case m.stage == reviewing && key.Matches(k, m.keys.Cancel):
		return m, func() tea.Msg { return CancelMsg{} }
	case m.stage == sending && key.Matches(k, m.keys.Stop):
		if !m.stopping {
			m.stopping = true
			return m, func() tea.Msg { return StopMsg{} }
		}
	case m.stage == done && key.Matches(k, m.keys.Close):
		return m, func() tea.Msg { return CancelMsg{} }
	}
	return m, nil
}

func (m Model) confirm() (Model, tea.Cmd) {
	switch {
	case len(m.run) == 0:
		m.note = "nothing here can be run again (the reasons are listed): esc goes back"
		return m, nil
	case m.OverBudget():
		m.note = "nothing was sent: over your daily limit (the figures are above)"
		return m, nil
	}
	m.stage = sending
	return m, func() tea.Msg { return ConfirmMsg{} }
}

// KeyMap is the review's help, from the bindings Update matches.
func (m Model) KeyMap() help.KeyMap {
	k := m.keys
	var short []key.Binding
	switch m.stage {
	case reviewing:
		k.Confirm.SetHelp("y/enter", fmt.Sprintf("send %d (~%d credits)", len(m.run), m.Total()))
		short = []key.Binding{k.Confirm, k.Down, k.Cancel}
		if m.OverBudget() || len(m.run) == 0 {
			short = short[1:]
		}
	case sending:
		short = []key.Binding{k.Down, k.Stop}
	default:
		short = []key.Binding{k.Down, k.Close}
	}
	return helpMap{short: short, full: [][]key.Binding{{k.Confirm, k.Cancel, k.Stop, k.Close}, {k.Up, k.Down, k.PageUp, k.PageDown}}}
}

// Capturing: the review takes every key while it is open (esc and q
// belong to it; a stray q must not quit with creates being sent).
func (m Model) Capturing() bool { return true }

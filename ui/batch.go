package ui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/again"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/request"
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

// againPlannedMsg is the review of r on marked rows, read from the
// history: the plan and today's spending.
type againPlannedMsg struct {
	plan  []tasks.Again
	today again.Today
}

// planAgainCmd reads what running ts again would send and cost, and what
// today's spending is, for the review.
func planAgainCmd(svc *tasks.Service, ts []store.Task) tea.Cmd {
	return func() tea.Msg {
		out := againPlannedMsg{plan: svc.PlanAgain(ts), today: again.Today{Budget: svc.Budget()}}
		if l, err := svc.SpentToday(); err != nil {
			out.today.Err = err.Error()
		} else {
			out.today.Known, out.today.Credits = true, l.Credits
		}
		return out
	}
}

func (m Model) onAgainPlanned(msg againPlannedMsg) (Model, tea.Cmd) {
	if m.onStack(scrAgain) {
		return m, nil // one review at a time
	}
	m.again = again.New(m.o.Styles, msg.plan, msg.today, m.balance()).SetSize(m.width, m.bodyHeight())
	m.push(scrAgain)
	return m, creditsCmd(m.ctx, m.o.Service) // a fresh balance for the review
}

func (m Model) balance() again.Balance {
	return again.Balance{Known: m.bar.CreditsKnown, Credits: m.bar.Credits}
}

// againSentMsg is the answer of one create of the batch; budget is set
// when the batch was refused before the first was sent.
type againSentMsg struct {
	i      int
	task   *store.Task
	err    error
	budget error
}

// againSendCmd sends create i of the batch through the path every create
// takes. Before the first, the whole batch is checked against the daily
// limit, read afresh: over it, nothing is sent.
func againSendCmd(svc *tasks.Service, a tasks.Again, i, total int) tea.Cmd {
	return func() tea.Msg {
		if i == 0 {
			if err := svc.CheckBudget(float64(total)); err != nil {
				return againSentMsg{i: i, budget: err}
			}
		}
		t, err := svc.RunAgain(context.Background(), a) // the service bounds the create
		return againSentMsg{i: i, task: t, err: err}
	}
}

// onAgainConfirmed starts the batch: one create at a time, in order.
func (m Model) onAgainConfirmed() (Model, tea.Cmd) {
	a, i, ok := m.again.Next()
	if !ok {
		return m, nil
	}
	m.creating++
	return m, againSendCmd(m.o.Service, a, i, m.again.Total())
}

// onAgainSent shows one answer and sends the next create, unless the
// answer says to stop: a lost answer (more creates into a failing link
// would pile up ones that may be billed), the daily limit, or a failure
// of this machine (the history could not record the intent).
func (m Model) onAgainSent(msg againSentMsg) (Model, tea.Cmd) {
	if !m.onStack(scrAgain) || !m.again.Busy() {
		return m, nil
	}
	m.creating--
	if msg.budget != nil {
		m.again = m.again.Refused(errText(msg.budget))
		return m.flash("run again: nothing was sent: "+errText(msg.budget), true)
	}
	if msg.i == 0 {
		m.list = m.list.ClearMarks() // the marked rows are being run again
	}
	m.again = m.again.Sent(msg.i, msg.task, msg.err)
	var cmds []tea.Cmd
	if t := msg.task; t != nil {
		var c tea.Cmd
		m, c = m.changed(request.TaskChanged{Task: *t})
		cmds = append(cmds, c)
		if t.Status == store.StatusRunning {
			cmds = append(cmds, m.poller.Watch(t))
			m.bar.Running = m.poller.Running()
		}
	}
	if why := stopWhy(msg); why != "" {
		m.again = m.again.Stop(why)
	}
	if a, i, ok := m.again.Next(); ok && m.ctx.Err() == nil {
		m.creating++
		return m, tea.Batch(append(cmds, againSendCmd(m.o.Service, a, i, 0))...)
	}
	if !m.again.Done() {
		m.again = m.again.Stop("")
	}
	m2, c := m.againDone()
	return m2, tea.Batch(append(cmds, c, creditsCmd(m.ctx, m.o.Service))...)
}

// stopWhy says why no more creates of the batch go out after this answer,
// "" when the next may.
func stopWhy(msg againSentMsg) string {
	var ob *tasks.OverBudgetError
	var ve *tasks.ValidationError
	switch {
	case msg.task != nil && (msg.task.Status == store.StatusUnknown || errors.Is(msg.err, tasks.ErrUnknownOutcome)):
		return "the answer of " + format.Short(format.ID(msg.task)) + " was lost, so veox sent no more (they could pile up unknown, billed creates); mark them again once it is settled"
	case msg.task != nil:
		return "" // accepted or refused: the others go on
	case errors.As(msg.err, &ob):
		return errText(msg.err)
	case errors.As(msg.err, &ve):
		return "" // this one's source was refused before sending; the others go on
	case msg.err != nil:
		return "veox could not send one (" + errText(msg.err) + "), so it sent no more"
	}
	return ""
}

// againDone says in the status bar what the batch did.
func (m Model) againDone() (Model, tea.Cmd) {
	a, r, u, ns := m.again.Counts()
	text := fmt.Sprintf("run again: %d accepted", a)
	if r > 0 {
		text += fmt.Sprintf(", %d refused by the service", r)
	}
	if u > 0 {
		text += fmt.Sprintf(", %d unknown (settle them on the list)", u)
	}
	if ns > 0 {
		text += fmt.Sprintf(", %d not sent", ns)
	}
	return m.flash(text, r+u+ns > 0)
}

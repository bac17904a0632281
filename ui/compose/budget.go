package compose

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
)

// today is what the tasks created today cost, for the review: the daily
// limit is checked against it before anything is sent (issue 14).
type today struct {
	gen     int
	loaded  bool
	credits float64
	err     string
}

type todayMsg struct {
	inst    uint64
	gen     int
	credits float64
	err     error
}

// todayCmd reads today's spending from the history (a few pages at most).
func (m Model) todayCmd() tea.Cmd {
	svc, inst, gen := m.d.Service, m.inst, m.spent.gen
	return func() tea.Msg {
		if svc == nil {
			return todayMsg{inst: inst, gen: gen, err: errors.New("no service")}
		}
		l, err := svc.SpentToday()
		return todayMsg{inst: inst, gen: gen, credits: l.Credits, err: err}
	}
}

func (m Model) onToday(msg todayMsg) Model {
	if msg.inst != m.inst || msg.gen != m.spent.gen {
		return m
	}
	if msg.err != nil {
		m.spent.err = msg.err.Error()
		return m
	}
	m.spent.loaded, m.spent.credits, m.spent.err = true, msg.credits, ""
	return m
}

func (m Model) budget() tasks.Budget {
	if m.d.Service == nil {
		return tasks.Budget{}
	}
	return m.d.Service.Budget()
}

// overBudget: with what is known of today, this create passes the daily
// limit. y then does not send it; o does.
func (m Model) overBudget(cost int) bool {
	l := m.budget().DailyLimit
	return l > 0 && m.spent.loaded && m.spent.credits+float64(cost) > l
}

// todayText is the review's line about today's spending.
func (m Model) todayText(cost int) string {
	switch {
	case m.spent.err != "":
		return "✗ unavailable: " + m.spent.err
	case !m.spent.loaded:
		return "…"
	}
	s := creditsText(m.spent.credits) + " spent today"
	if l := m.budget().DailyLimit; l > 0 {
		s += fmt.Sprintf(", daily limit %s → about %s with this", number(l), number(m.spent.credits+float64(cost)))
	}
	return s
}

// budgetWarnings are the review's warnings about the user's own rules.
func (m Model) budgetWarnings(cost int) []string {
	var out []string
	b := m.budget()
	if m.overBudget(cost) {
		out = append(out, fmt.Sprintf("! over your daily limit: %s spent today + about %d = %s, above %s. y will not send it; o sends it anyway",
			number(m.spent.credits), cost, number(m.spent.credits+float64(cost)), number(b.DailyLimit)))
	}
	if b.ConfirmAbove > 0 && float64(cost) > b.ConfirmAbove {
		out = append(out, fmt.Sprintf("! about %d credits: above your confirmAbove of %s", cost, number(b.ConfirmAbove)))
	}
	return out
}

// number is a figure of credits without the unit.
func number(n float64) string {
	if n == float64(int64(n)) {
		return fmt.Sprintf("%d", int64(n))
	}
	return fmt.Sprintf("%.2f", n)
}

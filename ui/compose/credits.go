package compose

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
)

// balance is the last known credit balance. The cost table drifts, so the
// live balance is shown beside the estimate before any money is spent.
type balance struct {
	gen     int
	loading bool
	loaded  bool
	credits float64
	err     string
}

type creditsMsg struct {
	inst    uint64
	gen     int
	credits float64
	err     error
}

// creditsCmd asks the service for the balance. The form only shows it, so
// any reading already made will do (known); the review decides about
// money, so it wants one of the last few seconds. The service owns the
// readings and bounds the call.
func (m Model) creditsCmd(known bool) tea.Cmd {
	svc, inst, gen := m.d.Service, m.inst, m.bal.gen
	return func() tea.Msg {
		if svc == nil {
			return creditsMsg{inst: inst, gen: gen, err: errors.New("no service")}
		}
		read := svc.Balance
		if known {
			read = svc.KnownBalance
		}
		b, err := read(context.Background())
		return creditsMsg{inst: inst, gen: gen, credits: b.Credits, err: err}
	}
}

// refreshCredits asks again (entering the confirm step); the last known
// value stays on screen meanwhile.
func (m Model) refreshCredits() (Model, tea.Cmd) {
	m.bal.gen++
	m.bal.loading = true
	return m, m.creditsCmd(false)
}

func (m Model) onCredits(msg creditsMsg) Model {
	if msg.inst != m.inst || msg.gen != m.bal.gen {
		return m
	}
	m.bal.loading = false
	if msg.err != nil {
		m.bal.err = msg.err.Error()
		return m
	}
	m.bal.loaded, m.bal.credits, m.bal.err = true, msg.credits, ""
	return m
}

// cost is the estimate for what the form holds right now, from the one
// price table in tasks.
func (m Model) cost() int {
	if m.mode == modeExtend {
		return tasks.ExtendCost(m.get(fModel))
	}
	return tasks.GenerateCost(m.get(fModel), m.get(fResolution))
}

func costText(c int) string {
	return fmt.Sprintf("about %d credits ≈ $%.2f", c, tasks.CreditsToUSD(float64(c)))
}

func creditsText(n float64) string {
	if n == float64(int64(n)) {
		return fmt.Sprintf("%d credits", int64(n))
	}
	return fmt.Sprintf("%.2f credits", n)
}

// balanceText is the balance as shown: "…" while the first answer is on its
// way, the error if it failed.
func (m Model) balanceText() (text string, failed bool) {
	switch {
	case m.bal.err != "" && !m.bal.loaded:
		return "✗ unavailable: " + m.bal.err, true
	case !m.bal.loaded:
		return "…", false
	}
	s := fmt.Sprintf("%s ≈ $%.2f", creditsText(m.bal.credits), tasks.CreditsToUSD(m.bal.credits))
	if m.bal.loading {
		s += " (updating…)"
	}
	return s, false
}

// lowBalance: the estimate exceeds what is known to be left.
func (m Model) lowBalance(cost int) bool {
	return m.bal.loaded && m.bal.credits < float64(cost)
}

// Package ledger is the Spending screen: what today, this week and this
// month cost, the days of the last weeks as bars, the last 30 days by model and
// kind, and the balance over time as a sparkline. Figures the balance
// showed and the price table's estimates are told apart (~). The data is
// read from the history in a command (tasks.Service.Spend streams it), so
// the screen costs the same at 100 tasks as at 100,000.
package ledger

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/theme"
)

// days is how far back the screen reads: the bars and the sparkline.
const days = 30

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
}

type keyMap struct {
	Refresh, Back key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return []key.Binding{k.Refresh, k.Back} }
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Model is the Spending screen.
type Model struct {
	deps    Deps
	keys    keyMap
	gen     int
	loading bool
	again   bool // a task changed while reading: read once more after
	ledger  *tasks.Ledger
	err     error
	width   int
	height  int
}

// New builds the screen; Load reads the data.
func New(d Deps) Model {
	if d.Now == nil {
		d.Now = time.Now
	}
	return Model{deps: d, keys: keyMap{
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "read again")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}}
}

// loadedMsg carries a reading of the ledger, tagged with its generation.
type loadedMsg struct {
	gen    int
	ledger *tasks.Ledger
	err    error
}

// Load reads the ledger again (entering the screen, r, a task changed).
// One read at a time: a change during a read asks for one more after it.
func (m Model) Load() (Model, tea.Cmd) {
	if m.loading {
		m.again = true
		return m, nil
	}
	m.gen++
	m.loading = true
	svc, gen, now := m.deps.Service, m.gen, m.deps.Now()
	return m, func() tea.Msg {
		if svc == nil {
			return loadedMsg{gen: gen, err: errNoService}
		}
		l, err := svc.Spend(startOfDay(now).AddDate(0, 0, -(days-1)), time.Time{})
		return loadedMsg{gen: gen, ledger: l, err: err}
	}
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	return m
}

// KeyMap is the screen's help.
func (m Model) KeyMap() help.KeyMap { return m.keys }

// Update handles the screen's keys and its data; TaskChanged (broadcast
// by the root) reads the ledger again while the screen is open.
func (m Model) Update(msg tea.Msg, visible bool) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
		} else {
			m.ledger, m.err = msg.ledger, nil
		}
		if m.again && visible {
			m.again = false
			return m.Load()
		}
		return m, nil
	case request.TaskChanged:
		if visible {
			return m.Load()
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, m.keys.Refresh):
			return m.Load()
		case key.Matches(msg, m.keys.Back):
			return m, request.Cmd(request.Back{})
		}
	}
	return m, nil
}

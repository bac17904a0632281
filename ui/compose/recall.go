package compose

import (
	"errors"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
)

// recallLimit is how many earlier prompts alt+↑ cycles through.
const recallLimit = 30

// recall cycles the prompts the history remembers (store.RecentPrompts),
// read once, on first use.
type recall struct {
	loading bool
	loaded  bool
	list    []string
	idx     int // -1: the prompt is the user's own, not a recalled one
	step    int // the step asked for while loading
}

type recallLoadedMsg struct {
	inst    uint64
	prompts []string
	err     error
}

func recallCmd(svc *tasks.Service, inst uint64) tea.Cmd {
	return func() tea.Msg {
		if svc == nil || svc.Store() == nil {
			return recallLoadedMsg{inst: inst, err: errors.New("no history")}
		}
		p, err := svc.Store().RecentPrompts(recallLimit)
		return recallLoadedMsg{inst: inst, prompts: p, err: err}
	}
}

// recallKey handles alt+↑/alt+↓ in the prompt, and ↑ in an empty prompt.
// ok is false when the key is not a recall key here.
func (m Model) recallKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	if m.focused().id != fPrompt {
		return m, nil, false
	}
	step := 0
	switch {
	case key.Matches(msg, m.keys.Older):
		step = 1
	case key.Matches(msg, m.keys.Newer):
		step = -1
	case key.Matches(msg, m.keys.Up) && m.get(fPrompt) == "":
		step = 1
	default:
		return m, nil, false
	}
	if !m.recall.loaded {
		if m.recall.loading {
			return m, nil, true
		}
		m.recall.loading, m.recall.step = true, step
		return m, recallCmd(m.d.Service, m.inst), true
	}
	return m.recallStep(step), nil, true
}

func (m Model) onRecallLoaded(msg recallLoadedMsg) Model {
	if msg.inst != m.inst || !m.recall.loading {
		return m
	}
	m.recall.loading, m.recall.loaded, m.recall.list = false, true, msg.prompts
	if msg.err != nil {
		m.formErr = "could not read earlier prompts: " + msg.err.Error()
		return m
	}
	return m.recallStep(m.recall.step)
}

// recallStep moves through the earlier prompts; stepping past the newest
// gives an empty prompt back.
func (m Model) recallStep(step int) Model {
	n := len(m.recall.list)
	if n == 0 {
		return m
	}
	i := min(max(m.recall.idx+step, -1), n-1)
	m.recall.idx = i
	text := ""
	if i >= 0 {
		text = m.recall.list[i]
	}
	if p := m.index(fPrompt); p >= 0 {
		m.fields[p].area.SetValue(text)
		delete(m.errs, fPrompt)
	}
	return m
}

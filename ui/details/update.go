package details

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/act"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/request"
)

// Update handles the screen's keys and its own results.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m2, ok := m.onFrames(msg); ok {
		return m2, nil
	}
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.id != m.id || msg.gen != m.gen {
			return m, nil
		}
		fresh := m.newChild(msg)
		if m.task != nil && msg.task != nil && outdates(m.task, msg.task) {
			m.note = "" // about the task as it was: "no local file yet" once it has one
		}
		m.task, m.chain, m.children, m.missing, m.err = msg.task, msg.chain, msg.children, msg.missing, msg.err
		m.estimate = msg.estimate
		m.sel = m.keepSelection()
		var pics tea.Cmd
		m, pics = m.startFrames()
		if fresh != "" {
			// An extension made while this screen was open: choose it and
			// show it, since opening it is the likely next step.
			m.sel = fresh
			return m.reveal(), pics
		}
		m.vp = m.page(m.bottom())
		return m, pics
	case settleCheckedMsg:
		m = m.onSettleChecked(msg)
		m.vp = m.page(m.bottom())
		return m, nil
	case noteMsg:
		if msg.id == m.id {
			m.note = msg.text
		}
		return m, nil
	case request.TaskChanged:
		if m.concerns(msg.Task) {
			return m.reload()
		}
		return m, nil
	case tea.KeyMsg:
		return m.onKey(msg)
	}
	if m.mode == modeSettle {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// concerns: the task itself, a task of its chain, one of its children, or
// a new child (an extension made from here shows up while it runs).
func (m Model) concerns(t store.Task) bool {
	if m.task == nil {
		return false
	}
	if t.LocalID == m.task.LocalID || (m.task.TaskID != "" && t.ParentID == m.task.TaskID) {
		return true
	}
	for i := range m.chain {
		if m.chain[i].LocalID == t.LocalID {
			return true
		}
	}
	return false
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	if m.task == nil && m.mode != modeView {
		return m, nil // AskUpscale before the task is read: wait for it
	}
	switch m.mode {
	case modeChoose:
		return m.onChooseKey(msg)
	case modeConfirmUpscale, modeConfirmDismiss:
		return m.onConfirmKey(msg)
	case modeSettle:
		return m.onSettleKey(msg)
	case modeConfirmSettle:
		return m.onConfirmSettleKey(msg)
	}
	if key.Matches(msg, m.keys.Back) {
		if m2, cmd, ok := m.back(); ok {
			return m2, cmd
		}
		return m.stopFrames(), request.Cmd(request.Back{})
	}
	if m.task == nil {
		return m, nil
	}
	if m2, cmd, ok := m.onAction(msg); ok {
		return m2, cmd
	}
	if m2, cmd, ok := m.onFamilyKey(msg); ok {
		return m2, cmd
	}
	return m.scroll(msg)
}

// scroll moves the page; the viewport answers the screen's own bindings.
func (m Model) scroll(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.vp = m.page(m.bottom())
	switch {
	case key.Matches(msg, m.keys.Top):
		m.vp.GotoTop()
	case key.Matches(msg, m.keys.Bottom):
		m.vp.GotoBottom()
	default:
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) onAction(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	t := m.task
	done := t.Status == store.StatusSucceeded
	switch {
	case key.Matches(msg, m.keys.Extend) && done:
		if why := tasks.WhyNotExtendable(t, m.deps.Now()); why != "" {
			return m, request.Cmd(request.Flash{Text: "cannot extend: " + why, Err: true}), true
		}
		return m, request.Cmd(request.Extend{Source: t}), true
	case key.Matches(msg, m.keys.Download) && done:
		return m, request.Cmd(request.Download{ID: t.LocalID, Force: true}), true
	case key.Matches(msg, m.keys.Open) && done:
		return m, m.open(), true
	case key.Matches(msg, m.keys.Copy) && done:
		return m, m.copyURL(), true
	case key.Matches(msg, m.keys.Upscale) && done:
		if t.Kind == store.KindUpscale {
			return m, request.Cmd(request.Flash{Text: "this is already an upscaled version", Err: true}), true
		}
		m.mode = modeChoose
		return m, nil, true
	case key.Matches(msg, m.keys.Again) && t.Status != store.StatusUnknown:
		return m, m.again(), true
	case key.Matches(msg, m.keys.Parent) && t.ParentID != "":
		if p := m.parent(); p != nil {
			m2, cmd := m.show(p.LocalID)
			return m2, cmd, true
		}
		return m, request.Cmd(request.Flash{Text: "its source is not in the history: veox import " + t.ParentID + " adds it", Err: true}), true
	case key.Matches(msg, m.keys.Settle) && t.Status == store.StatusUnknown:
		m.mode = modeSettle
		m.input.SetValue("")
		return m, m.input.Focus(), true
	case key.Matches(msg, m.keys.Dismiss) && t.Status == store.StatusUnknown:
		m.mode = modeConfirmDismiss
		return m, nil, true
	}
	return m, nil, false
}

// again opens the composer on the same source with a new seed (ui/act).
func (m Model) again() tea.Cmd {
	return request.Cmd(act.Again(m.task, m.parent()))
}

// parent is the task this one was made from, from the chain.
func (m Model) parent() *store.Task {
	if len(m.chain) < 2 {
		return nil
	}
	p := m.chain[len(m.chain)-2]
	return &p
}

func (m Model) onChooseKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Choose1080):
		m.mode, m.upTo = modeConfirmUpscale, tasks.Upscale1080
	case key.Matches(msg, m.keys.Choose4K):
		m.mode, m.upTo = modeConfirmUpscale, tasks.Upscale4K
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeView
	}
	return m, nil
}

func (m Model) onConfirmKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Confirm):
		was := m.mode
		m.mode = modeView
		if was == modeConfirmDismiss {
			return m, request.Cmd(request.Dismiss{ID: m.task.LocalID})
		}
		return m, request.Cmd(request.Upscale{ID: m.task.LocalID, To: m.upTo})
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeView
	}
	return m, nil
}

func (m Model) onSettleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case input.IsText(msg):
		msg = input.AsText(msg) // the id being typed, whatever words it spells
	case key.Matches(msg, m.keys.Back):
		m.mode = modeView
		m.input.Blur()
		return m, nil
	case key.Matches(msg, m.keys.SubmitID):
		id := strings.TrimSpace(m.input.Value())
		if err := tasks.CheckTaskID(id); err != nil {
			m.note = err.Error()
			return m, nil
		}
		m.mode, m.settle, m.note = modeConfirmSettle, nil, ""
		m.input.Blur()
		return m, checkSettleCmd(m.deps, m.task.LocalID, id)
	}
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.note = "" // the message was about the id as it was
	}
	return m, cmd
}

// outdates: the task changed in what a note speaks of (its status, its
// files, its links), so a note about the old one would mislead.
func outdates(was, now *store.Task) bool {
	if was.Status != now.Status || !was.URLsAt.Equal(now.URLsAt) || len(was.Files) != len(now.Files) {
		return true
	}
	for i := range was.Files {
		if was.Files[i].Path != now.Files[i].Path || was.Files[i].SHA256 != now.Files[i].SHA256 {
			return true
		}
	}
	return false
}

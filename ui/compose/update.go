package compose

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/input"
)

// Update routes results to their handlers (each drops stale ones by tag)
// and keys to the current step.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case creditsMsg:
		return m.onCredits(msg), nil
	case todayMsg:
		return m.onToday(msg), nil
	case sourceCheckedMsg:
		return m.onSourceChecked(msg), nil
	case pickerLoadedMsg:
		return m.onPickerLoaded(msg), nil
	case recallLoadedMsg:
		return m.onRecallLoaded(msg), nil
	case editorReadyMsg:
		return m.onEditorReady(msg)
	case editorDoneMsg:
		return m.onEditorDone(msg)
	case submitDoneMsg:
		return m.onSubmitted(msg)
	case spinMsg:
		if msg.inst != m.inst || m.stage != stageSending {
			return m, nil // no ticking once the answer is in
		}
		m.frame = (m.frame + 1) % len(spinFrames.Frames)
		return m, m.nextFrame()
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m.toFocused(msg) // cursor blinks and pastes
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch m.stage {
	case stageSending:
		return m, nil // never a second submit while one is in flight
	case stageDone:
		if key.Matches(msg, m.keys.Cancel) {
			return m, func() tea.Msg { return CancelledMsg{} } // sent: nothing to keep
		}
		return m, nil // the create is done; nothing here may send it again
	case stageConfirm:
		return m.confirmKey(msg)
	}
	if m.picker.open {
		return m.pickerKey(msg)
	}
	return m.formKey(msg)
}

func (m Model) confirmKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Confirm) && m.overBudget(m.pending.cost):
		return m, nil // the review says why, and that o sends it
	case key.Matches(msg, m.keys.Confirm):
		return m.submit()
	case key.Matches(msg, m.keys.OverBudget) && m.overBudget(m.pending.cost):
		m.pending.extend.OverBudget, m.pending.generate.OverBudget = true, true
		return m.submit()
	case key.Matches(msg, m.keys.Back):
		m.stage = stageForm
	}
	return m, nil
}

// formKey handles the form's own keys first; whatever is left belongs to
// the focused field.
func (m Model) formKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k, f := m.keys, m.focused()
	if f.isText() && input.IsText(msg) {
		return m.toFocused(input.AsText(msg)) // "esc" or "up" in a prompt is text
	}
	switch {
	case key.Matches(msg, k.Cancel):
		out := CancelledMsg{Draft: m.keptDraft()}
		return m, func() tea.Msg { return out }
	case key.Matches(msg, k.Clear):
		return m.clear()
	case key.Matches(msg, k.Submit):
		return m.review()
	case key.Matches(msg, k.Next):
		return m.moveFocus(+1)
	case key.Matches(msg, k.Prev):
		return m.moveFocus(-1)
	case key.Matches(msg, k.Editor):
		return m.openEditor()
	case key.Matches(msg, k.Roll):
		return m.rollSeed()
	case key.Matches(msg, k.Pick) && m.hasField(fSource):
		return m.openPicker()
	case f.kind == kindChoice:
		return m.choiceKey(msg)
	}
	if m2, cmd, ok := m.recallKey(msg); ok {
		return m2, cmd
	}
	switch {
	case f.kind == kindLine && key.Matches(msg, k.Up):
		return m.moveFocus(-1)
	case f.kind == kindLine && key.Matches(msg, k.Down):
		return m.moveFocus(+1)
	}
	return m.toFocused(msg)
}

func (m Model) choiceKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k, f := m.keys, &m.fields[m.focus]
	switch {
	case key.Matches(msg, k.Left):
		f.sel = (f.sel + len(f.choices) - 1) % len(f.choices)
	case key.Matches(msg, k.Right):
		f.sel = (f.sel + 1) % len(f.choices)
	case key.Matches(msg, k.Up):
		return m.moveFocus(-1)
	case key.Matches(msg, k.Down):
		return m.moveFocus(+1)
	default:
		return m, nil
	}
	delete(m.errs, f.id)
	return m.layout(), nil
}

// toFocused gives a message to the focused text field and notes an edit:
// the field's old message goes, and a changed source id drops what was
// known about the previous one.
func (m Model) toFocused(msg tea.Msg) (Model, tea.Cmd) {
	if m.stage != stageForm || m.focus < 0 || m.focus >= len(m.fields) {
		return m, nil
	}
	f := &m.fields[m.focus]
	before := f.value()
	var cmd tea.Cmd
	switch f.kind {
	case kindLine:
		f.line, cmd = f.line.Update(msg)
	case kindArea:
		f.area, cmd = f.area.Update(msg)
	default:
		return m, nil
	}
	if f.value() != before {
		delete(m.errs, f.id)
		m.formErr, m.formNote = "", ""
		if f.id == fSource {
			m = m.sourceEdited()
		}
	}
	return m, cmd
}

func (m Model) rollSeed() (Model, tea.Cmd) {
	i := m.index(fSeed)
	if i < 0 {
		return m, nil
	}
	m.fields[i].setValue(strconv.Itoa(tasks.RandomSeed()))
	m.fields[i].line.CursorEnd()
	delete(m.errs, fSeed)
	return m, nil
}

// moveFocus steps to the next visible field, wrapping around.
func (m Model) moveFocus(step int) (Model, tea.Cmd) {
	n := len(m.fields)
	i := m.focus
	for range n {
		i = (i + step + n) % n
		if m.visible(m.fields[i].id) {
			break
		}
	}
	return m.setFocus(i)
}

// setFocus moves the focus; leaving the source field checks the typed id.
func (m Model) setFocus(i int) (Model, tea.Cmd) {
	if i < 0 || i >= len(m.fields) {
		return m, nil
	}
	var check tea.Cmd
	leaving := m.focused().id
	if leaving == fSource && i != m.focus {
		m, check = m.startSourceCheck()
	}
	m.fields[m.focus].blur()
	m.focus = i
	return m.layout(), tea.Batch(check, m.fields[i].focus())
}

// visible: the images field hides for text videos while it is empty.
func (m Model) visible(id fieldID) bool {
	return id != fImages || m.imagesVisible()
}

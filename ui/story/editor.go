package story

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/compose"
	"github.com/veox/veox/ui/request"
)

// The editor: the steps that can still change, one per row. A step is
// written in the text area (enter), or the whole list in $EDITOR, one step
// per paragraph. Saving records the plan and opens its review; nothing is
// sent before the user says yes there.

// openEditor edits the story in view: the steps made or on their way stay
// above, unchangeable.
func (m Model) openEditor() (Model, tea.Cmd) {
	v := m.view
	from := v.EditableFrom()
	m.ed = editor{area: m.ed.area, fixed: slices.Clone(v.Steps[:from])}
	for _, s := range v.Story.Steps[from:] {
		s.LocalID, s.Tried = "", nil
		m.ed.steps = append(m.ed.steps, s)
	}
	m.mode, m.cursor, m.err = modeEdit, len(m.ed.fixed), ""
	if len(m.ed.steps) == 0 {
		return m.editStep(0, store.StoryStep{})
	}
	return m.clamp(), nil
}

// editStep puts step at (an index into the editable steps; len adds one)
// into the text area, in the paragraph form $EDITOR uses.
func (m Model) editStep(at int, step store.StoryStep) (Model, tea.Cmd) {
	m.ed.at, m.mode = at, modeStep
	text := ""
	if step.Prompt != "" {
		text = strings.TrimSpace(paragraph(step))
	}
	m.ed.area.SetValue(text)
	m.cursor = len(m.ed.fixed) + at
	focus := m.ed.area.Focus() // before the copy clamp returns
	return m.clamp(), focus
}

// paragraph is one step as FormatSteps writes it, without the comments.
func paragraph(s store.StoryStep) string {
	var lines []string
	for _, l := range strings.Split(tasks.FormatSteps([]store.StoryStep{s}), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// keepStep reads the area back: one step, or several when the text holds
// blank lines between paragraphs; an empty text removes the step.
func (m Model) keepStep() (Model, tea.Cmd) {
	steps, err := tasks.ParseSteps(m.ed.area.Value())
	if err != nil {
		m.err = err.Error()
		return m, nil
	}
	at := m.ed.at
	rest := m.ed.steps
	if at < len(rest) {
		rest = slices.Delete(slices.Clone(rest), at, at+1)
	}
	m.ed.steps = slices.Insert(slices.Clone(rest), min(at, len(rest)), steps...)
	m.ed.dirty, m.err = true, ""
	m.ed.area.Blur()
	m.mode = modeEdit
	m.cursor = len(m.ed.fixed) + min(at, max(0, len(m.ed.steps)-1))
	return m.clamp(), nil
}

func (m Model) onEditKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	at := m.cursor - len(m.ed.fixed) // the editable step under the cursor (<0: a fixed one)
	m.err = ""
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.Save):
		return m.save()
	case key.Matches(msg, m.keys.Add):
		return m.editStep(max(0, at+1), store.StoryStep{})
	case key.Matches(msg, m.keys.Editor):
		return m.openExternal()
	case key.Matches(msg, m.keys.Model) && m.ed.source != nil:
		m.ed.model = nextModel(m.ed.model)
		m.ed.dirty = true
	case key.Matches(msg, m.keys.Back):
		if m.ed.dirty {
			m.mode = modeDiscard
			return m, nil
		}
		return m.leaveEditor()
	case at < 0 || at >= len(m.ed.steps):
		if at < 0 && (key.Matches(msg, m.keys.EditStep) || key.Matches(msg, m.keys.Delete)) {
			m.err = "this step was sent: it can no longer change"
		}
	case key.Matches(msg, m.keys.EditStep):
		return m.editStep(at, m.ed.steps[at])
	case key.Matches(msg, m.keys.Delete):
		m.ed.steps = slices.Delete(slices.Clone(m.ed.steps), at, at+1)
		m.ed.dirty = true
	case key.Matches(msg, m.keys.MoveUp) && at > 0:
		m.ed.steps = slices.Clone(m.ed.steps)
		m.ed.steps[at-1], m.ed.steps[at] = m.ed.steps[at], m.ed.steps[at-1]
		m.cursor--
		m.ed.dirty = true
	case key.Matches(msg, m.keys.MoveDown) && at+1 < len(m.ed.steps):
		m.ed.steps = slices.Clone(m.ed.steps)
		m.ed.steps[at+1], m.ed.steps[at] = m.ed.steps[at], m.ed.steps[at+1]
		m.cursor++
		m.ed.dirty = true
	}
	return m.clamp(), nil
}

func nextModel(cur string) string {
	order := []string{"fast", "lite", "quality"}
	i := slices.Index(order, cur)
	return order[(i+1)%len(order)]
}

// save records the plan; the review follows (onSaved).
func (m Model) save() (Model, tea.Cmd) {
	if len(m.ed.steps) == 0 && m.ed.source != nil {
		m.err = "a story needs at least one step: a adds one"
		return m, nil
	}
	id := ""
	if m.view != nil {
		id = m.view.Story.ID
	}
	m.ed.saving = true
	return m, saveCmd(m.deps.Ctx, m.deps.Service, m.ed, id)
}

// leaveEditor drops what was written: back to the story, or out for a new
// one.
func (m Model) leaveEditor() (Model, tea.Cmd) {
	m.ed.area.Blur()
	m.ed.dirty = false
	if m.view == nil {
		return m, request.Cmd(request.Back{})
	}
	m.mode, m.cursor = modeView, 0
	return m.clamp(), loadStory(m.deps.Service, m.view.Story.ID)
}

// editorDoneMsg is $EDITOR's answer: the whole list as text.
type editorDoneMsg struct {
	gen  int
	text string
	err  error
}

// openExternal hands every editable step to $EDITOR, one per paragraph,
// through a temp file written and read in commands (I/O stays out of
// Update): editorReadyMsg starts the editor, editorDoneMsg brings the text.
func (m Model) openExternal() (Model, tea.Cmd) {
	m.ed.gen++
	gen, text := m.ed.gen, tasks.FormatSteps(m.ed.steps)
	return m, func() tea.Msg {
		f, err := os.CreateTemp("", "veox-story-*.txt")
		if err != nil {
			return editorReadyMsg{gen: gen, err: err}
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
		}
		return editorReadyMsg{gen: gen, path: f.Name(), err: err}
	}
}

// editorReadyMsg: the steps are in the temp file at path.
type editorReadyMsg struct {
	gen  int
	path string
	err  error
}

func (m Model) onEditorReady(msg editorReadyMsg) (Model, tea.Cmd) {
	if msg.gen != m.ed.gen {
		return m, func() tea.Msg { _ = os.Remove(msg.path); return nil }
	}
	if msg.err != nil {
		m.err = "could not prepare the steps for the editor: " + msg.err.Error()
		return m, nil
	}
	cmd, err := compose.EditorCommand(os.Getenv("EDITOR"), msg.path)
	if err != nil {
		m.err = err.Error()
		return m, func() tea.Msg { _ = os.Remove(msg.path); return nil }
	}
	return m, tea.ExecProcess(cmd, readBack(msg.gen, msg.path))
}

func readBack(gen int, path string) tea.ExecCallback {
	return func(runErr error) tea.Msg {
		defer os.Remove(path)
		if runErr != nil {
			return editorDoneMsg{gen: gen, err: fmt.Errorf("the editor failed; the steps are unchanged: %w", runErr)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorDoneMsg{gen: gen, err: fmt.Errorf("could not read the steps back: %w", err)}
		}
		return editorDoneMsg{gen: gen, text: string(b)}
	}
}

func (m Model) onEditorDone(msg editorDoneMsg) (Model, tea.Cmd) {
	if msg.gen != m.ed.gen || (m.mode != modeEdit && m.mode != modeStep) {
		return m, nil
	}
	if msg.err != nil {
		m.err = msg.err.Error()
		return m, nil
	}
	steps, err := tasks.ParseSteps(msg.text)
	if err != nil {
		m.err = "the steps were not changed: " + err.Error()
		return m, nil
	}
	if len(steps) == 0 {
		m.err = errors.New("the editor left no steps: the list is unchanged").Error()
		return m, nil
	}
	m.ed.steps, m.ed.dirty, m.mode = steps, true, modeEdit
	return m.clamp(), nil
}

package story

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// keyMap is every binding of the screen; Update matches on these values
// and the footer's help is built from them, so help never drifts.
type keyMap struct {
	Up, Down, Open, Back                key.Binding
	Run, Stop, Edit, Tree, OpenTask     key.Binding
	Add, EditStep, Delete, MoveUp       key.Binding
	MoveDown, Editor, Model, Save       key.Binding
	Keep, Cancel, Confirm, Deny, Submit key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:       b(k("up", "k"), h("↑/k", "up")),
		Down:     b(k("down", "j"), h("↓/j", "down")),
		Open:     b(k("enter"), h("enter", "open")),
		Back:     b(k("esc"), h("esc", "back")),
		Run:      b(k("r"), h("r", "review and run")),
		Stop:     b(k("x"), h("x", "stop")),
		Edit:     b(k("e"), h("e", "edit steps")),
		Tree:     b(k("t"), h("t", "tree")),
		OpenTask: b(k("enter"), h("enter", "open the step's task")),
		Add:      b(k("a"), h("a", "add a step")),
		EditStep: b(k("enter", "e"), h("enter", "write the step")),
		Delete:   b(k("x", "delete"), h("x", "remove")),
		MoveUp:   b(k("K", "alt+up"), h("K", "move up")),
		MoveDown: b(k("J", "alt+down"), h("J", "move down")),
		Editor:   b(k("E", "ctrl+e"), h("E", "all steps in $EDITOR")),
		Model:    b(k("M"), h("M", "model")),
		Save:     b(k("ctrl+s"), h("ctrl+s", "save and review")),
		Keep:     b(k("ctrl+s"), h("ctrl+s", "keep the step")),
		Cancel:   b(k("esc"), h("esc", "cancel")),
		Confirm:  b(k("y"), h("y", "run it")),
		Deny:     b(k("n", "esc"), h("n/esc", "not now")),
		Submit:   b(k("y"), h("y", "discard")),
	}
}

type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

func single(b ...key.Binding) helpMap { return helpMap{short: b, full: [][]key.Binding{b}} }

// help lists what acts in the screen's mode, for the story it shows.
func (k keyMap) help(m Model) helpMap {
	switch m.mode {
	case modeList:
		return single(k.Open, k.Up, k.Down, k.Back)
	case modeReview:
		if m.review != nil && m.review.CanStart() {
			return single(k.Confirm, k.Deny)
		}
		return single(k.Deny)
	case modeStep:
		return single(k.Keep, k.Cancel)
	case modeDiscard:
		return single(k.Submit, k.Deny)
	case modeEdit:
		acts := []key.Binding{k.Save, k.Add, k.EditStep, k.Delete, k.MoveUp, k.MoveDown, k.Editor}
		if m.ed.source != nil {
			acts = append(acts, k.Model)
		}
		return helpMap{short: append(acts, k.Back), full: [][]key.Binding{acts, {k.Up, k.Down, k.Back}}}
	}
	var acts []key.Binding
	if v := m.view; v != nil {
		switch v.Story.Status {
		case store.StoryRunning:
			acts = append(acts, k.Stop)
		case store.StoryPlanned, store.StoryStopped:
			acts = append(acts, k.Run)
		}
		if v.Story.Status != store.StoryDone || v.EditableFrom() < len(v.Steps) {
			acts = append(acts, k.Edit)
		}
	}
	acts = append(acts, k.OpenTask, k.Tree)
	return helpMap{short: append(acts, k.Back), full: [][]key.Binding{acts, {k.Up, k.Down, k.Back}}}
}

// newArea is the text area a step is written in, in the theme's plain
// styles so goldens and NO_COLOR read as text.
func newArea(s theme.Styles) textarea.Model {
	ta := textarea.New()
	ta.Prompt = "┃ "
	ta.Placeholder = "what happens next (a first line @seed 12345, @model quality or @watermark TEXT sets an option)"
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000
	plain := textarea.Style{Base: s.Value, CursorLine: s.Value, CursorLineNumber: s.Value,
		EndOfBuffer: s.Faint, LineNumber: s.Faint, Placeholder: s.Faint, Prompt: s.Faint, Text: s.Value}
	ta.FocusedStyle, ta.BlurredStyle = plain, plain
	ta.Cursor.Style = s.Cursor
	ta.Cursor.TextStyle = s.Value
	ta.Cursor.SetMode(timer.SteadyCursor)
	ta.KeyMap.LineEnd.SetKeys("end")
	ta.KeyMap.LinePrevious.SetKeys("up")
	return ta
}

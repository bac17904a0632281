package compose

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// keyMap holds every binding the composer reacts to. Update matches on these
// values and KeyMap() builds the help from them, so help never drifts from
// what the keys do.
type keyMap struct {
	Next, Prev         key.Binding // between fields
	Up, Down           key.Binding // between single-line fields
	Left, Right        key.Binding // cycle a choice
	Submit             key.Binding // to the confirm step
	Editor             key.Binding // prompt in $EDITOR
	Roll               key.Binding // a random seed
	Pick               key.Binding // picker of recent finished tasks
	Older, Newer       key.Binding // earlier prompts from the history
	Cancel             key.Binding // leave the composer, keeping a draft
	Clear              key.Binding // empty the form (the draft goes)
	Confirm, Back      key.Binding // confirm step
	OverBudget         key.Binding // confirm step, past the daily limit
	PickUp, PickDown   key.Binding // inside the picker
	PickEnter, PickEsc key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Next:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Prev:       key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Up:         key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "field above")),
		Down:       key.NewBinding(key.WithKeys("down", "enter"), key.WithHelp("↓/enter", "field below")),
		Left:       key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous choice")),
		Right:      key.NewBinding(key.WithKeys("right", " "), key.WithHelp("→", "next choice")),
		Submit:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "review & submit")),
		Editor:     key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "prompt in $EDITOR")),
		Roll:       key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "roll a seed")),
		Pick:       key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "pick a finished task")),
		Older:      key.NewBinding(key.WithKeys("alt+up"), key.WithHelp("alt+↑", "earlier prompt")),
		Newer:      key.NewBinding(key.WithKeys("alt+down"), key.WithHelp("alt+↓", "later prompt")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close, keep a draft")),
		Clear:      key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "clear the form")),
		Confirm:    key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "spend and submit")),
		Back:       key.NewBinding(key.WithKeys("esc", "n"), key.WithHelp("esc", "back to the form")),
		OverBudget: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "send over the daily limit")),
		PickUp:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		PickDown:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PickEnter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this task")),
		PickEsc:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close the list")),
	}
}

// helpMap is the help.KeyMap of the composer's current step.
type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

// KeyMap is the help for what the keys do right now: the form, the confirm
// step, the picker, or nothing while a create is in flight (no key of ours
// does anything then).
func (m Model) KeyMap() help.KeyMap {
	k := m.keys
	switch {
	case m.stage == stageSending || m.stage == stageDone:
		return helpMap{}
	case m.stage == stageConfirm && m.overBudget(m.pending.cost):
		return helpMap{short: []key.Binding{k.OverBudget, k.Back}, full: [][]key.Binding{{k.OverBudget, k.Back}}}
	case m.stage == stageConfirm:
		return helpMap{short: []key.Binding{k.Confirm, k.Back}, full: [][]key.Binding{{k.Confirm, k.Back}}}
	case m.picker.open:
		b := []key.Binding{k.PickUp, k.PickDown, k.PickEnter, k.PickEsc}
		return helpMap{short: b, full: [][]key.Binding{b}}
	}
	short := []key.Binding{k.Submit, k.Next}
	f := m.focused()
	switch {
	case f.kind == kindChoice:
		short = append(short, k.Left, k.Right)
	case f.id == fSeed:
		short = append(short, k.Roll)
	case f.id == fPrompt:
		short = append(short, k.Editor, k.Older)
	case f.id == fSource:
		short = append(short, k.Pick)
	}
	short = append(short, k.Cancel)
	nav := []key.Binding{k.Next, k.Prev, k.Up, k.Down, k.Left, k.Right}
	acts := []key.Binding{k.Submit, k.Editor, k.Roll, k.Older, k.Newer}
	if m.hasField(fSource) {
		acts = append(acts, k.Pick)
	}
	return helpMap{short: short, full: [][]key.Binding{acts, nav, {k.Cancel, k.Clear}}}
}

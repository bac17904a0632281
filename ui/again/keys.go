package again

import "github.com/charmbracelet/bubbles/key"

// keyMap is every binding of the review; Update matches on these values
// and the help is built from them.
type keyMap struct {
	Confirm, Cancel, Stop, Close key.Binding
	Up, Down, PageUp, PageDown   key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Confirm:  b(k("y", "enter"), h("y/enter", "send them all")),
		Cancel:   b(k("esc", "n", "q"), h("esc", "cancel, nothing sent")),
		Stop:     b(k("esc"), h("esc", "send no more")),
		Close:    b(k("esc", "enter", "q"), h("esc", "back to the list")),
		Up:       b(k("up", "k"), h("↑/k", "scroll up")),
		Down:     b(k("down", "j"), h("↑/↓", "scroll")), // the short help's word for both
		PageUp:   b(k("pgup"), h("pgup", "page up")),
		PageDown: b(k("pgdown", " "), h("pgdn", "page down")),
	}
}

type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

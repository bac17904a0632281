package downloads

import "github.com/charmbracelet/bubbles/key"

// keyMap is the Downloads screen's bindings; the help is built from them.
type keyMap struct {
	Up, Down, Clear, Back key.Binding
}

func newKeys() keyMap {
	return keyMap{
		Up:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		Clear: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "clear finished")),
		Back:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

func (k keyMap) ShortHelp() []key.Binding  { return []key.Binding{k.Up, k.Down, k.Clear, k.Back} }
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

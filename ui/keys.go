package ui

import "github.com/charmbracelet/bubbles/key"

// globalKeys act on every screen unless a text field has focus (ctrl+c
// acts even then: it always offers a way out).
type globalKeys struct {
	Quit, ForceQuit, Help, CloseHelp key.Binding
	Messages, Settings               key.Binding
	Yes, No                          key.Binding
	// Help taller than the screen scrolls (60×24 cannot hold the list's).
	HelpUp, HelpDown, HelpPageUp, HelpPageDown key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Quit:         key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Messages:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "messages")),
		Settings:     key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "settings")),
		CloseHelp:    key.NewBinding(key.WithKeys("?", "esc", "q"), key.WithHelp("esc", "close help")),
		Yes:          key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "quit anyway")),
		No:           key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "stay")),
		HelpUp:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		HelpDown:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↑/↓", "scroll")),
		HelpPageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		HelpPageDown: key.NewBinding(key.WithKeys("pgdown", " "), key.WithHelp("pgdn", "page down")),
	}
}

// keyMap adds the global keys to a screen's help.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

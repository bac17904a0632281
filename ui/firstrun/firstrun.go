// Package firstrun is the screen shown when there is no API key: where to
// get one, a masked field to paste it, and the demo as the other way in.
package firstrun

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/theme"
)

// Save writes the key (config.SaveAPIKey in the program; a fake in tests).
type Save func(key string) error

// Outcome is what the user chose: a saved key, the demo, or neither (quit).
type Outcome struct {
	Key  string
	Demo bool
}

type keyMap struct{ Save, Demo, Quit key.Binding }

// Model is the first-run screen.
type Model struct {
	save    Save
	styles  theme.Styles
	path    string
	keys    keyMap
	input   textinput.Model
	err     string
	saving  bool
	outcome Outcome
	width   int
}

type savedMsg struct {
	key string
	err error
}

// New builds the screen; path is where the key will be saved (shown).
func New(path string, st theme.Styles, save Save) Model {
	in := textinput.New()
	in.Prompt = "API key: "
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.CharLimit = 200
	in.Placeholder = "paste it here"
	in.Focus()
	return Model{save: save, styles: st, path: path, input: in, width: 80, keys: keyMap{
		Save: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save the key")),
		Demo: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "try the demo")),
		Quit: key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "quit")),
	}}
}

// Outcome is the result once the program ended.
func (m Model) Outcome() Outcome { return m.outcome }

// Init starts the cursor blinking.
func (m Model) Init() tea.Cmd { return textinput.Blink }

// Update handles typing, saving and the demo.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
		return m, nil
	case savedMsg:
		m.saving = false
		if msg.err != nil {
			m.err = "could not save the key: " + msg.err.Error()
			return m, nil
		}
		m.outcome = Outcome{Key: msg.key}
		return m, tea.Quit
	case tea.KeyMsg:
		return m.onKey(msg)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m Model) onKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.saving:
		return m, nil
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Demo) || (msg.String() == "d" && m.input.Value() == ""):
		m.outcome = Outcome{Demo: true}
		return m, tea.Quit
	case key.Matches(msg, m.keys.Save):
		k := strings.TrimSpace(m.input.Value())
		if k == "" || strings.ContainsAny(k, " \t") {
			m.err = "paste the key as it is shown, without spaces"
			return m, nil
		}
		m.saving, m.err = true, ""
		save := m.save
		return m, func() tea.Msg { return savedMsg{key: k, err: save(k)} }
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.err = ""
	return m, cmd
}

// View explains, takes the key, and offers the demo.
func (m Model) View() string {
	st := m.styles
	w := min(max(40, m.width-4), 76)
	para := lipgloss.NewStyle().Width(w)
	lines := []string{
		st.Title.Render("Welcome to veox"),
		"",
		para.Render("veox makes and extends Veo 3.1 videos through the kie.ai API. It needs your API key:"),
		"",
		"  1. sign in at " + st.Bold.Render("https://kie.ai"),
		"  2. open the " + st.Bold.Render("API key") + " page and copy the key",
		"  3. paste it below (it is not shown) and press enter",
		"",
		para.Render(st.Faint.Render("It is saved to " + m.path + ", readable by you only. veox never prints it or stores it anywhere else.")),
		"",
		m.input.View(),
	}
	if m.err != "" {
		lines = append(lines, st.Error.Render(m.err))
	}
	if m.saving {
		lines = append(lines, st.Faint.Render("saving…"))
	}
	lines = append(lines, "",
		para.Render("No key yet? Press "+st.Bold.Render("d")+" (or ctrl+d) to try the demo: a simulated service with sample videos, free, nothing leaves this machine."),
		"", st.Faint.Render("enter save · d demo · esc quit"))
	return lipgloss.NewStyle().Padding(1, 2).Render(strings.Join(lines, "\n"))
}

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
	"github.com/veox/veox/ui/timer"
)

// Save writes the key (config.SaveAPIKey in the program; a fake in tests).
type Save func(key string) error

// Outcome is what the user chose: a saved key, the demo, or neither (quit).
type Outcome struct {
	Key  string
	Demo bool
}

// keyMap is the screen's bindings; the footer is built from them. DemoKey
// is plain d, which counts only while the field is empty (a key may hold a
// d); ctrl+d works always.
type keyMap struct{ Save, Demo, DemoKey, Quit key.Binding }

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
	in.Cursor.SetMode(timer.SteadyCursor)
	in.Focus()
	return Model{save: save, styles: st, path: path, input: in, width: 80, keys: keyMap{
		Save:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Demo:    key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "demo")),
		DemoKey: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "demo")),
		Quit:    key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "quit")),
	}}
}

// Outcome is the result once the program ended.
func (m Model) Outcome() Outcome { return m.outcome }

// Init has nothing to start: the cursor is steady.
func (m Model) Init() tea.Cmd { return nil }

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
	case key.Matches(msg, m.keys.Demo) || (key.Matches(msg, m.keys.DemoKey) && m.input.Value() == ""):
		m.outcome = Outcome{Demo: true}
		return m, tea.Quit
	case key.Matches(msg, m.keys.Save):
		k := strings.TrimSpace(m.input.Value())
		if why := refuse(k); why != "" {
			m.err = why
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

// refuse says why a key cannot be saved ("" if it can).
func refuse(k string) string {
	switch {
	case k == "":
		return "nothing to save yet: paste your key, or press d for the demo"
	case strings.ContainsAny(k, " \t"):
		return "paste the key as it is shown, without spaces"
	}
	return ""
}

// footer is the keys, from the bindings that handle them.
func (m Model) footer() string {
	var parts []string
	for _, b := range []key.Binding{m.keys.Save, m.keys.DemoKey, m.keys.Quit} {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " · ")
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
		"", st.Faint.Render(m.footer()))
	return lipgloss.NewStyle().Padding(1, 2).Render(strings.Join(lines, "\n"))
}

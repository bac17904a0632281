// Package firstrun is the screen shown when there is no API key: where to
// get one, a masked field to paste it, and the demo as the other way in.
// The key is checked with the service's balance call before it is saved: a
// key the service refuses is never saved; one that could not be checked
// (offline) is saved only if the user insists.
package firstrun

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/keycheck"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// Save writes the key (config.SaveAPIKey in the program; a fake in tests).
type Save func(key string) error

// Check reads the balance with a key (a free call): the service refuses a
// wrong key with 401.
type Check = keycheck.Func

// Deps wire the screen.
type Deps struct {
	Path   string // where the key will be saved (shown)
	Styles theme.Styles
	Save   Save
	Check  Check
	Ctx    context.Context
}

// Outcome is what the user chose: a saved key, the demo, or neither (quit).
// Checked says the service accepted the key.
type Outcome struct {
	Key     string
	Demo    bool
	Checked bool
}

// keyMap is the screen's bindings; the footer is built from them. Every
// letter is the key being typed: the demo is ctrl+d. SaveAnyway only acts
// after a check that could not be made.
type keyMap struct{ Save, SaveAnyway, Demo, Stop, Quit key.Binding }

type stage int

const (
	typing stage = iota
	checking
	saving
)

// Model is the first-run screen.
type Model struct {
	d       Deps
	keys    keyMap
	input   textinput.Model
	stage   stage
	err     string
	offline bool // the last check could not be made: ctrl+s saves unchecked
	gen     int
	pending keycheck.Check // the check under way, if any: esc stops it
	outcome Outcome
	width   int
}

type savedMsg struct {
	key     string
	checked bool
	err     error
}

// New builds the screen.
func New(d Deps) Model {
	if d.Ctx == nil {
		d.Ctx = context.Background()
	}
	in := textinput.New()
	in.Prompt = "API key: "
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.CharLimit = 4000
	in.Placeholder = "paste it here"
	in.Cursor.SetMode(timer.SteadyCursor)
	in.Focus()
	return Model{d: d, input: in, width: 80, keys: keyMap{
		Save:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "check and save")),
		SaveAnyway: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save it unchecked")),
		Demo:       key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "demo")),
		Stop:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop the check")),
		Quit:       key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "quit")),
	}}
}

// Outcome is the result once the program ended.
func (m Model) Outcome() Outcome { return m.outcome }

// Init has nothing to start: the cursor is steady.
func (m Model) Init() tea.Cmd { return nil }

// Update handles typing, the check, saving and the demo.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
		return m, nil
	case keycheck.DoneMsg:
		return m.onChecked(msg)
	case savedMsg:
		m.stage = typing
		if msg.err != nil {
			m.err = "could not save the key: " + msg.err.Error()
			return m, nil
		}
		m.outcome = Outcome{Key: msg.key, Checked: msg.checked}
		return m, tea.Quit
	case tea.KeyMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func (m Model) onKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.stage == typing && input.IsText(msg):
		return m.edit(input.AsText(msg)) // a key may hold any letter, or "esc"
	case input.IsText(msg):
		return m, nil // typed or pasted while checking: never a key
	case m.stage == checking && key.Matches(msg, m.keys.Stop):
		m.pending.Stop() // its late answer is dropped: nothing is saved
		m.stage, m.gen, m.err = typing, m.gen+1, keycheck.Stopped
		return m, nil
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case m.stage != typing:
		return m, nil
	case key.Matches(msg, m.keys.Demo):
		m.outcome = Outcome{Demo: true}
		return m, tea.Quit
	case key.Matches(msg, m.keys.Save):
		return m.check()
	case key.Matches(msg, m.keys.SaveAnyway) && m.offline:
		return m.save(strings.TrimSpace(m.input.Value()), false)
	}
	return m.edit(msg)
}

func (m Model) edit(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.err, m.offline = "", false
	}
	return m, cmd
}

// check asks the service about the key before anything is saved.
func (m Model) check() (tea.Model, tea.Cmd) {
	k := strings.TrimSpace(m.input.Value())
	if k == "" {
		m.err = "nothing to check yet: paste your key, or press ctrl+d for the demo"
		return m, nil
	}
	if why := keycheck.Malformed(k); why != "" {
		m.err = why
		return m, nil
	}
	if m.d.Check == nil {
		return m.save(k, false)
	}
	m.stage, m.err, m.offline, m.gen = checking, "", false, m.gen+1
	var cmd tea.Cmd
	m.pending, cmd = keycheck.Start(m.d.Ctx, m.d.Check, m.gen, k)
	return m, cmd
}

func (m Model) onChecked(msg keycheck.DoneMsg) (tea.Model, tea.Cmd) {
	if msg.Gen != m.gen || m.stage != checking {
		return m, nil
	}
	m.stage = typing
	if msg.Err == nil {
		return m.save(msg.Key, true)
	}
	why, offline := keycheck.Verdict(msg.Err)
	m.err, m.offline = why+".", offline
	if offline {
		m.err = why + ". enter tries again; ctrl+s saves it unchecked (veox then says at the first call if it is wrong)."
	}
	return m, nil
}

func (m Model) save(k string, checked bool) (tea.Model, tea.Cmd) {
	m.stage, m.err = saving, ""
	save := m.d.Save
	return m, func() tea.Msg { return savedMsg{key: k, checked: checked, err: save(k)} }
}

// footer is the keys that act now, from the bindings that handle them.
func (m Model) footer() string {
	bs := []key.Binding{m.keys.Save}
	if m.offline {
		bs = append(bs, m.keys.SaveAnyway)
	}
	bs = append(bs, m.keys.Demo, m.keys.Quit)
	if m.stage == checking {
		bs = []key.Binding{m.keys.Stop}
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Help().Key + " " + b.Help().Desc
	}
	return strings.Join(parts, " · ")
}

// View explains, takes the key, and offers the demo.
func (m Model) View() string {
	st := m.d.Styles
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
		para.Render(st.Faint.Render("veox checks it with the service (a free balance read), then saves it to " + m.d.Path +
			", readable by you only. veox never prints it or stores it anywhere else.")),
		"",
		m.input.View(),
	}
	switch {
	case m.stage == checking:
		lines = append(lines, st.Running.Render("checking the key with the service…"))
	case m.stage == saving:
		lines = append(lines, st.Faint.Render("saving…"))
	case m.err != "":
		lines = append(lines, st.Error.Render(format.Wrap(m.err, w)))
	}
	lines = append(lines, "",
		para.Render("No key yet? Press "+st.Bold.Render("ctrl+d")+" to try the demo: a simulated service with sample videos, free, nothing leaves this machine."),
		"", st.Faint.Render(m.footer()))
	return lipgloss.NewStyle().Padding(1, 2).Render(strings.Join(lines, "\n"))
}

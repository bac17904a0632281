// Package details is the Details screen: everything about one task, and the
// actions that apply to it. Actions that spend money or change the history
// are handed to the root as nav requests, after any confirm step here.
package details

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/theme"
)

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
	Ctx     context.Context
	Output  io.Writer // where OSC 52 goes (the terminal)
	// Opener finds the system player; nil = xdg-open or open on PATH.
	// Tests replace it so no real program starts.
	Opener func(path string) error
}

type mode int

const (
	modeView mode = iota
	modeChoose
	modeConfirmUpscale
	modeSettle
	modeConfirmDismiss
)

// Model is the Details screen of one task.
type Model struct {
	deps Deps
	keys keyMap
	id   string

	task     *store.Task
	chain    []store.Task
	children []store.Task
	err      error

	mode  mode
	upTo  string
	input textinput.Model
	note  string // the outcome of the last local action (copied, opened…)

	vp            viewport.Model
	width, height int
}

// loadedMsg is the task with its chain and children; id drops answers for
// a screen that shows another task by now.
type loadedMsg struct {
	id       string
	task     *store.Task
	chain    []store.Task
	children []store.Task
	err      error
}

// noteMsg is the outcome of a local action (open, copy).
type noteMsg struct {
	id   string
	text string
}

// New builds the screen for a task (by local id or service id).
func New(d Deps, id string) Model {
	in := textinput.New()
	in.Prompt = "task id: "
	in.Placeholder = "the id the service shows for this task"
	in.CharLimit = 200
	return Model{deps: d, keys: newKeys(), id: id, input: in, vp: viewport.New(0, 0)}
}

// Init reads the task.
func (m Model) Init() tea.Cmd { return load(m.deps.Service.Store(), m.id) }

// ID is the task shown.
func (m Model) ID() string { return m.id }

// Task is the task as last read (nil until loaded).
func (m Model) Task() *store.Task { return m.task }

// Capturing reports whether the settle field has focus.
func (m Model) Capturing() bool { return m.mode == modeSettle }

// KeyMap is the help of what applies now.
func (m Model) KeyMap() help.KeyMap { return m.keys.help(m.mode, m.task) }

// SetSize fits the screen; the viewport takes all but the action line.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.vp.Width, m.vp.Height = w, max(1, h-2)
	m.input.Width = max(10, w-20)
	m.vp.SetContent(m.content())
	return m
}

func load(s *store.Store, id string) tea.Cmd {
	return func() tea.Msg {
		t, err := s.Get(id)
		if err != nil {
			return loadedMsg{id: id, err: err}
		}
		chain, _ := s.Chain(t.LocalID)
		kids, _ := s.Children(t.TaskID)
		return loadedMsg{id: id, task: t, chain: chain, children: kids}
	}
}

// Reload reads the task again (after it changed).
func (m Model) Reload() tea.Cmd { return load(m.deps.Service.Store(), m.id) }

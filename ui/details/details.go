// Package details is the Details screen: everything about one task, and the
// actions that apply to it. Actions that spend money or change the history
// are handed to the root as requests (ui/request), after any confirm step here.
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
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/act"
	"github.com/veox/veox/ui/picture"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
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
	Opener act.Opener
	// Frames decodes the frames shown (nil: none are, the page is as
	// before); Painter draws them in the terminal's colours.
	Frames  *frames.Extractor
	Painter picture.Painter
}

type mode int

const (
	modeView mode = iota
	modeChoose
	modeConfirmUpscale
	modeSettle
	modeConfirmDismiss
	modeConfirmSettle // the service's word on the typed id, asking to confirm
)

// Model is the Details screen of one task.
type Model struct {
	deps Deps
	keys keyMap
	id   string

	task     *store.Task
	chain    []store.Task
	children []store.Task
	missing  map[string]bool // the task's recorded files gone from disk, as of the last load
	estimate time.Duration   // how long its kind usually runs (running tasks only; 0 = unknown)
	err      error

	mode   mode
	upTo   string
	settle *tasks.SettleCheck // modeConfirmSettle: nil while asking
	input  textinput.Model
	note   string // the outcome of the last local action (copied, opened…)

	gen   int      // tags loads: only the answer to the latest one is applied
	sel   string   // local id of the chain or child task enter opens
	trail []string // the tasks opened before this one here; esc goes back

	pics frameRows // the seam, the first and last frames (frames.go)

	vp            viewport.Model
	width, height int
}

// loadedMsg is the task with its chain and children. id and gen drop
// answers for another task or overtaken by a later load (loads run
// concurrently, so an older read could otherwise land last).
type loadedMsg struct {
	id       string
	gen      int
	task     *store.Task
	chain    []store.Task
	children []store.Task
	missing  map[string]bool
	estimate time.Duration
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
	in.CharLimit = 1000 // a paste is kept whole; what is wrong with it is said, not cut
	in.Cursor.SetMode(timer.SteadyCursor)
	k := newKeys()
	vp := viewport.New(0, 0)
	vp.KeyMap = k.viewport()
	return Model{deps: d, keys: k, id: id, input: in, vp: vp, pics: newFrameRows(d)}
}

// Init reads the task.
func (m Model) Init() tea.Cmd { return load(m.deps.Service.Store(), m.id, m.gen) }

// ID is the task shown.
func (m Model) ID() string { return m.id }

// Task is the task as last read (nil until loaded).
func (m Model) Task() *store.Task { return m.task }

// Typing reports whether the settle field has focus: the root then sends
// every key here, and runes are the id.
func (m Model) Typing() bool { return m.mode == modeSettle }

// KeyMap is the help of what applies now.
func (m Model) KeyMap() help.KeyMap {
	return m.keys.help(m.mode, m.task, len(m.family()) > 0)
}

// SetSize fits the screen; the viewport takes all but the action line.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.vp.Width = w
	m.input.Width = max(10, w-20)
	m = m.sizeFrames()
	m.vp = m.page(m.bottom())
	return m
}

func load(s *store.Store, id string, gen int) tea.Cmd {
	return func() tea.Msg {
		t, err := s.Get(id)
		if err != nil {
			return loadedMsg{id: id, gen: gen, err: err}
		}
		chain, _ := s.Chain(t.LocalID)
		kids, _ := s.Children(t.TaskID)
		var est time.Duration
		if t.Status == store.StatusRunning {
			// The list's estimate (one page of recent successes), so
			// both say the same "~22s left".
			est = tasks.Estimates(s)[t.Kind]
		}
		return loadedMsg{id: id, gen: gen, task: t, chain: chain, children: kids, missing: tasks.MissingFiles(t), estimate: est}
	}
}

// reload reads the task again (after it or one of its family changed).
func (m Model) reload() (Model, tea.Cmd) {
	m.gen++
	return m, load(m.deps.Service.Store(), m.id, m.gen)
}

// show switches the screen to another task of the family, remembering the
// way back.
func (m Model) show(id string) (Model, tea.Cmd) {
	m.trail = append(m.trail, m.id)
	return m.reset(id)
}

// back returns to the task shown before; ok is false when there is none.
func (m Model) back() (Model, tea.Cmd, bool) {
	if len(m.trail) == 0 {
		return m, nil, false
	}
	prev := m.trail[len(m.trail)-1]
	m.trail = m.trail[:len(m.trail)-1]
	m2, cmd := m.reset(prev)
	return m2, cmd, true
}

func (m Model) reset(id string) (Model, tea.Cmd) {
	m.id, m.task, m.chain, m.children, m.err = id, nil, nil, nil, nil
	m.sel, m.note, m.mode = "", "", modeView
	m = m.stopFrames()
	m.vp.GotoTop()
	return m.reload()
}

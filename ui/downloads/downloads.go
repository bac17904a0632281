// Package downloads is the Downloads screen and the owner of every download
// the TUI starts: progress bars while files arrive, then the finished files
// with their paths, or the failure with its message.
package downloads

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// TickEvery is the progress refresh: ten frames a second reads as smooth
// and costs nothing.
const TickEvery = 100 * time.Millisecond

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Ctx     context.Context
	Now     func() time.Time
	Tick    timer.Func // starts the progress tick; nil = tea.Tick
}

type state int

const (
	active state = iota
	done
	failed
)

// entry is one file (or one failed run that never reached a file).
type entry struct {
	id     string // task local id
	label  string // the id shown (the service's when known)
	index  int
	prompt string
	p      *download.Progress
	snap   download.ProgressSnapshot
	state  state
	path   string
	size   int64
	file   tasks.Fetched // what the run did with it, once done
	err    error
	at     time.Time
}

// Finished is news for the root: a run ended, with the task as recorded
// and what became of each file (only those written were "saved").
type Finished struct {
	ID    string
	Task  *store.Task
	Files []tasks.Fetched
	Err   error
}

// Model is the Downloads screen.
type Model struct {
	deps    Deps
	keys    keyMap
	entries []*entry // newest first
	running map[string]bool
	ticking bool
	gen     int
	bar     progress.Model
	offset  int
	width   int
	height  int
}

// New builds an empty Downloads screen.
func New(d Deps) Model {
	bar := progress.New(progress.WithoutPercentage(), progress.WithSolidFill(""))
	bar.Full, bar.Empty = '█', '░'
	return Model{deps: d, keys: newKeys(), running: map[string]bool{}, bar: bar}
}

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.bar.Width = max(10, min(40, w-50))
	return m
}

// Active is how many runs are under way.
func (m Model) Active() int { return len(m.running) }

// Busy reports whether a task's files are being fetched.
func (m Model) Busy(id string) bool { return m.running[id] }

// Start begins downloading a task's files (again, with force). A task
// already downloading is not started twice: two writers on one .part would
// corrupt it.
func (m Model) Start(id string, force bool) (Model, tea.Cmd, bool) {
	if m.running[id] {
		return m, nil, false
	}
	m.running[id] = true
	return m, run(m.deps.Ctx, m.deps.Service, id, force), true
}

// Update handles the screen's keys and its own messages, even when hidden.
// A non-nil Finished is news for the root.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd, *Finished) {
	switch msg := msg.(type) {
	case startedMsg:
		e := &entry{id: msg.id, label: msg.label, index: msg.index, prompt: msg.name, p: msg.p, at: m.deps.Now()}
		m.entries = append([]*entry{e}, m.entries...)
		m.offset = 0
		// startTick changes m: call it before m is returned, never in the
		// same return list (Go leaves that order unspecified).
		tick := m.startTick()
		return m, tea.Batch(next(msg.ch), tick), nil
	case doneMsg:
		return m.finish(msg)
	case tickMsg:
		m = m.onTick(msg)
		cmd := m.continueTick(msg)
		return m, cmd, nil
	case tea.KeyMsg:
		m, cmd := m.onKey(msg)
		return m, cmd, nil
	}
	return m, nil, nil
}

func (m *Model) startTick() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	m.gen++
	gen := m.gen
	return timer.After(m.deps.Tick, TickEvery, func(time.Time) tea.Msg { return tickMsg{gen} })
}

// onTick reads every active file's snapshot once; View renders what was
// read, so a frame never touches the downloader's counters.
func (m Model) onTick(msg tickMsg) Model {
	if msg.gen != m.gen {
		return m
	}
	for _, e := range m.entries {
		if e.state == active {
			e.snap = e.p.Snapshot()
		}
	}
	return m
}

// continueTick keeps ticking only while something is arriving.
func (m *Model) continueTick(msg tickMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.ticking = false
	for _, e := range m.entries {
		if e.state == active {
			return m.startTick()
		}
	}
	return nil
}

// finish settles the entries of a run when it ends.
func (m Model) finish(msg doneMsg) (Model, tea.Cmd, *Finished) {
	delete(m.running, msg.id)
	seen := false
	for _, e := range m.entries {
		if e.id != msg.id || e.state != active {
			continue
		}
		seen = true
		e.snap = e.p.Snapshot()
		m.settle(e, msg)
	}
	if !seen && msg.err != nil {
		e := &entry{id: msg.id, label: msg.id, state: failed, err: msg.err, at: m.deps.Now()}
		if msg.task != nil {
			e.prompt, e.label = msg.task.Request.Prompt, format.ID(msg.task)
		}
		m.entries = append([]*entry{e}, m.entries...)
	}
	return m, nil, &Finished{ID: msg.id, Task: msg.task, Files: msg.files, Err: msg.err}
}

func (m Model) settle(e *entry, msg doneMsg) {
	if e.index < len(msg.files) {
		e.file = msg.files[e.index]
		e.path, e.size = e.file.File.Path, e.file.File.Size
	}
	switch {
	case msg.err == nil, e.snap.Finished && e.path != "":
		e.state = done
	case e.snap.Finished:
		// The file is on disk but recording it failed (read-only history).
		e.state, e.err = failed, msg.err
	default:
		e.state, e.err = failed, msg.err
	}
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		return m, request.Cmd(request.Back{})
	case key.Matches(msg, m.keys.Up):
		m.offset = max(0, m.offset-1)
	case key.Matches(msg, m.keys.Down):
		m.offset = min(max(0, len(m.entries)-1), m.offset+1)
	case key.Matches(msg, m.keys.Clear):
		m.entries = keepActive(m.entries)
		m.offset = 0
	}
	return m, nil
}

func keepActive(es []*entry) []*entry {
	var out []*entry
	for _, e := range es {
		if e.state == active {
			out = append(out, e)
		}
	}
	return out
}

// KeyMap is the screen's help.
func (m Model) KeyMap() help.KeyMap { return m.keys }

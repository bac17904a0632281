// Package frameview shows frames of videos inside the TUI: it asks the
// frames service for them in a command (never in Update), keeps what came
// back, and draws it as half-blocks in the cells it is given. A screen
// holds one Model per row of pictures it shows.
//
// The user moving on stops the work: Show with another job, Clear or Stop
// cancel the context the command runs with, which kills its ffmpeg.
// Answers carry the owner and a generation, so one that arrives after the
// user moved on is dropped.
package frameview

import (
	"context"
	"fmt"
	"image"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/picture"
)

// Deps wire the component; ui/cli builds the extractor and the painter.
type Deps struct {
	Frames  *frames.Extractor // nil: no frames are shown (the screens look as before)
	Painter picture.Painter   // the terminal's colours; Ascii draws nothing
	Ctx     context.Context   // the program's: its end kills any ffmpeg
}

// Enabled: there is a frames service to ask.
func (d Deps) Enabled() bool { return d.Frames != nil }

// Shot is one picture with its caption.
type Shot struct {
	Img     image.Image
	Caption string
}

// Result is what a job found: pictures for a row, a note on what is missing
// from it, or why there is nothing (Err).
type Result struct {
	Shots []Shot
	Note  string
	Err   error
}

// Job names what to show (the same key: the same pictures, so a reload
// starts nothing) and gets it.
type Job struct {
	Key string
	Run func(ctx context.Context, ex *frames.Extractor) Result
}

// Model is one row of pictures.
type Model struct {
	deps  Deps
	owner string
	gen   int
	key   string
	stop  context.CancelFunc
	busy  bool
	res   Result

	cols, rows int
	drawn      string
}

// doneMsg is a job's answer.
type doneMsg struct {
	owner string
	gen   int
	res   Result
}

// New builds an empty row; owner tells its answers from other rows'.
func New(d Deps, owner string) Model { return Model{deps: d, owner: owner} }

// Show starts the job, stopping the one before, unless it is the job
// already shown or under way.
func (m Model) Show(j Job) (Model, tea.Cmd) {
	if !m.deps.Enabled() || (j.Key == m.key && (m.busy || m.res.Shots != nil || m.res.Err != nil)) {
		return m, nil
	}
	m = m.Clear()
	m.key, m.busy = j.Key, true
	parent := m.deps.Ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	m.stop = cancel
	return m, run(ctx, m.deps.Frames, j, m.owner, m.gen)
}

func run(ctx context.Context, ex *frames.Extractor, j Job, owner string, gen int) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil { // a broken frame must not take the program down
				msg = doneMsg{owner, gen, Result{Err: fmt.Errorf("frames: internal error: %v", r)}}
			}
		}()
		return doneMsg{owner, gen, j.Run(ctx, ex)}
	}
}

// Clear stops what runs and forgets what was shown.
func (m Model) Clear() Model {
	m = m.Stop()
	m.gen++
	m.key, m.res, m.drawn = "", Result{}, ""
	return m
}

// Stop kills the job under way (the user left), keeping what is shown.
// An answer that still arrives is dropped.
func (m Model) Stop() Model {
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
	if m.busy {
		m.busy, m.key = false, "" // not shown: a later Show starts it again
		m.gen++
	}
	return m
}

// Update takes the row's own answers; ok is false for any other message.
func (m Model) Update(msg tea.Msg) (Model, bool) {
	d, ok := msg.(doneMsg)
	if !ok || d.owner != m.owner {
		return m, false
	}
	if d.gen != m.gen {
		return m, true // overtaken: the user moved on
	}
	if m.stop != nil {
		m.stop() // releases the context; the work is done
		m.stop = nil
	}
	m.busy, m.res = false, d.res
	m.drawn = m.draw()
	return m, true
}

// SetSize gives the row its cells: pictures share the width, captions
// take the last line.
func (m Model) SetSize(cols, rows int) Model {
	if cols != m.cols || rows != m.rows {
		m.cols, m.rows = cols, rows
		m.drawn = m.draw()
	}
	return m
}

// Busy: a job is under way.
func (m Model) Busy() bool { return m.busy }

// Err is why the last job found nothing (nil while it runs or when it did).
func (m Model) Err() error { return m.res.Err }

// Shown: pictures are there to draw.
func (m Model) Shown() bool { return len(m.res.Shots) > 0 }

// Key is the job shown or under way ("" when none).
func (m Model) Key() string { return m.key }

// View is the pictures side by side with their captions, and the note
// under them, each line as wide as the row; "" when there is nothing to
// draw.
func (m Model) View() string { return m.drawn }

// gap is the columns between pictures.
const gap = 2

// draw renders the row at its size; it runs when a result arrives or the
// size changes, not at every View.
func (m Model) draw() string {
	shots := m.res.Shots
	if len(shots) == 0 || m.cols <= 0 || m.rows < 2 || !m.deps.Painter.CanDraw() {
		return ""
	}
	each := (m.cols - gap*(len(shots)-1)) / len(shots)
	if each < 4 {
		return ""
	}
	blocks := make([]string, 0, 2*len(shots))
	for i, s := range shots {
		if i > 0 {
			blocks = append(blocks, strings.Repeat(" ", gap))
		}
		blocks = append(blocks, m.drawOne(s, each))
	}
	out := lipgloss.JoinHorizontal(lipgloss.Top, blocks...)
	if m.res.Note != "" {
		out += "\n" + format.Wrap(m.res.Note, m.cols)
	}
	// Every line exactly the row's width, once here: a screen that puts
	// the row beside something need not measure its escape-laden lines
	// at every View.
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = format.Pad(l, m.cols)
	}
	return strings.Join(lines, "\n")
}

// drawOne is a picture in at most cols×(rows-1) cells with its caption.
func (m Model) drawOne(s Shot, cols int) string {
	if s.Img == nil {
		return format.Wrap(s.Caption, cols)
	}
	b := s.Img.Bounds()
	c, r := picture.Fit(b.Dx(), b.Dy(), cols, m.rows-1)
	pic := m.deps.Painter.Blocks(s.Img, c, r)
	return pic + "\n" + format.Pad(format.Line(s.Caption, c), c)
}

package tasklist

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/frameview"
	"github.com/veox/veox/ui/timer"
)

// In a terminal of previewMin columns or more, a pane beside the list shows
// the selected task's last frame. It is asked for once the cursor has
// rested previewDelay (within twice that after it stops), so holding j
// does not start (and kill) an ffmpeg per row; moving on kills the one
// under way.
const (
	previewMin   = 140
	previewDelay = 150 * time.Millisecond
)

// preview is the pane's state.
type preview struct {
	row frameview.Model
	id  string // local id of the task the pane is about
	// rest waits for the cursor to rest on another task (rest.go).
	rest rest
	// inside: this model draws the list part of a wide screen (View).
	inside bool
}

// previewTickMsg ends the delay after the cursor moved to task id.
type previewTickMsg struct {
	moves int // the pane's rest count when the timer was set
	id    string
}

func newPreview(d Deps) preview {
	return preview{row: frameview.New(frameview.Deps{Frames: d.Frames, Painter: d.Painter, Ctx: d.Ctx}, "list-preview")}
}

// previewWidth is the pane's columns, 0 when there is none: a narrow
// terminal, no frames service, or no colours to draw with (the list then
// looks as it always did).
func (m Model) previewWidth() int {
	if m.pv.inside || m.width < previewMin || m.deps.Frames == nil || !m.deps.Painter.CanDraw() {
		return 0
	}
	return min(72, max(40, m.width*3/10))
}

// schedulePreview follows the selection: a task whose picture is not what
// the pane shows gets one after the delay; the decoding for the task left
// behind is killed now.
func (m *Model) schedulePreview() tea.Cmd {
	pw := m.previewWidth()
	if pw == 0 {
		m.pv.row = m.pv.row.Stop()
		return nil
	}
	m.pv.row = m.pv.row.SetSize(pw-2, max(3, m.height-4))
	sel := m.Selected()
	if sel == nil {
		m.pv.id, m.pv.row = "", m.pv.row.Clear()
		return nil
	}
	if sel.LocalID == m.pv.id && m.pv.row.Key() == lastFrameKey(sel) {
		return nil // shown or on its way
	}
	if sel.LocalID != m.pv.id {
		m.pv.row = m.pv.row.Clear()
	}
	m.pv.id = sel.LocalID
	if !m.pv.rest.moved() {
		return nil
	}
	return m.previewTimer()
}

func (m *Model) previewTimer() tea.Cmd {
	moves, id := m.pv.rest.set(), m.pv.id
	return timer.After(m.deps.Tick, previewDelay, func(time.Time) tea.Msg { return previewTickMsg{moves, id} })
}

// Resized starts the pane's picture when a resize brought the pane in
// (SetSize cannot start commands).
func (m Model) Resized() (Model, tea.Cmd) {
	if m.previewWidth() == 0 {
		m.pv.row = m.pv.row.Stop()
		return m, nil
	}
	cmd := m.schedulePreview()
	return m, cmd
}

// onPreview takes the pane's messages; ok is false for any other.
func (m Model) onPreview(msg tea.Msg) (Model, tea.Cmd, bool) {
	if t, ok := msg.(previewTickMsg); ok {
		rested := m.pv.rest.fired(t.moves)
		sel := m.Selected()
		if sel == nil || m.previewWidth() == 0 {
			return m, nil, true
		}
		if !rested { // moved on meanwhile: wait for the cursor to rest
			return m, m.previewTimer(), true
		}
		if sel.LocalID != t.id {
			return m, nil, true
		}
		if sel.Row != nil { // its files are not read yet (whole.go)
			return m, m.previewTimer(), true
		}
		job, ok := lastFrameJob(sel)
		if !ok {
			m.pv.row = m.pv.row.Clear()
			return m, nil, true
		}
		var cmd tea.Cmd
		m.pv.row, cmd = m.pv.row.Show(job)
		return m, cmd, true
	}
	row, ok := m.pv.row.Update(msg)
	if ok {
		m.pv.row = row
	}
	return m, nil, ok
}

// withPreview is the list in what the pane leaves, and the pane.
func (m Model) withPreview(pw int) string {
	lm := m
	lm.width -= pw
	lm.pv.inside = true
	left := strings.Split(lm.View(), "\n")
	right := m.paneLines(pw, len(left))
	var b strings.Builder
	for i := range left {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(format.Pad(left[i], lm.width))
		b.WriteString(right[i])
	}
	return b.String()
}

// paneLines are the pane's n lines, each pw wide, behind a rule.
func (m Model) paneLines(pw, n int) []string {
	st := m.deps.Styles
	rule := st.Border.Render("│") + " "
	var body []string
	if sel := m.Selected(); sel != nil {
		body = append(body, st.Bold.Render("last frame")+st.Faint.Render("  "+format.Short(format.ID(sel))))
		body = append(body, strings.Split(m.paneBody(sel, pw-2), "\n")...)
	}
	drawn := m.pv.row.Shown() && m.Selected() != nil && m.Selected().LocalID == m.pv.id
	out := make([]string, n)
	for i := range out {
		switch {
		case i >= len(body):
			out[i] = rule + strings.Repeat(" ", pw-2)
		case drawn && i > 0:
			out[i] = rule + body[i] // the row's lines are its width already
		default:
			out[i] = rule + format.Pad(body[i], pw-2)
		}
	}
	return out
}

// paneBody is the picture, or what stands in for it.
func (m Model) paneBody(t *store.Task, w int) string {
	st := m.deps.Styles
	row := m.pv.row
	switch {
	case t.Status == store.StatusRunning || t.Status == store.StatusSubmitting:
		return st.Faint.Render(format.Wrap("running: its frames come when it is done", w))
	case t.Status != store.StatusSucceeded:
		return st.Faint.Render("no video")
	case t.Row != nil:
		return "" // its files come with its whole task, a moment after the cursor rests
	case len(t.Files) == 0:
		return st.Faint.Render(format.Wrap("not downloaded yet: its frames come with the file", w))
	case t.LocalID != m.pv.id:
		return ""
	case row.Shown():
		return row.View()
	case errors.Is(row.Err(), frames.ErrNoFFmpeg):
		return st.Faint.Render(format.Wrap("frames need ffmpeg: "+frames.InstallHint(), w))
	case row.Err() != nil:
		text := row.Err().Error()
		if h := frames.HintOf(row.Err()); h != "" {
			text += ": " + h
		}
		return st.Warning.Render(format.Wrap(text, w))
	}
	return st.Faint.Render("decoding…")
}

// lastFrameKey names the picture of a task's video on disk.
func lastFrameKey(t *store.Task) string {
	v, ok := frames.VideoOf(t)
	if !ok || t.Status != store.StatusSucceeded {
		return ""
	}
	return "last|" + v.Path + "@" + v.SHA256 + "/" + strconv.FormatInt(v.Size, 10)
}

func lastFrameJob(t *store.Task) (frameview.Job, bool) {
	key := lastFrameKey(t)
	if key == "" {
		return frameview.Job{}, false
	}
	v, _ := frames.VideoOf(t)
	return frameview.Job{Key: key, Run: func(ctx context.Context, ex *frames.Extractor) frameview.Result {
		img, err := ex.Frame(ctx, v, frames.Last(), frames.Preview)
		if err != nil {
			return frameview.Result{Err: err}
		}
		length, _ := ex.Length(v)
		return frameview.Result{Shots: []frameview.Shot{{Img: img, Caption: fmt.Sprintf("at %.1f s", length.Seconds())}}}
	}}, true
}

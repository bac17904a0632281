package details

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/frameview"
)

// frameRows are the screen's pictures: an extension's seam (the source's
// last frame | the first new frame) and the first and last frames of any
// video on disk. They are decoded in commands; the page shows what has
// arrived and says what is on its way.
type frameRows struct {
	seam, ends frameview.Model
}

func newFrameRows(d Deps) frameRows {
	fd := frameview.Deps{Frames: d.Frames, Painter: d.Painter, Ctx: d.Ctx}
	return frameRows{seam: frameview.New(fd, "details-seam"), ends: frameview.New(fd, "details-ends")}
}

// framesOn: there is a frames service and a way to draw (not NO_COLOR).
func (m Model) framesOn() bool { return m.deps.Frames != nil && m.deps.Painter.CanDraw() }

// startFrames asks for the pictures of the task as loaded; a reload that
// changes nothing on disk starts nothing.
func (m Model) startFrames() (Model, tea.Cmd) {
	if !m.framesOn() || m.task == nil {
		return m, nil
	}
	var c1, c2 tea.Cmd
	if f, ok := m.fileOnDisk(m.task); ok {
		if m.task.Kind == store.KindExtend {
			m.pics.seam, c1 = m.pics.seam.Show(seamJob(m.task, m.parent()))
		}
		m.pics.ends, c2 = m.pics.ends.Show(endsJob(f))
	} else {
		m.pics.seam, m.pics.ends = m.pics.seam.Clear(), m.pics.ends.Clear()
	}
	return m.sizeFrames(), tea.Batch(c1, c2)
}

// fileOnDisk is the task's video when the last load found it there.
func (m Model) fileOnDisk(t *store.Task) (frames.Video, bool) {
	v, ok := frames.VideoOf(t)
	if !ok || m.missing[v.Path] {
		return frames.Video{}, false
	}
	return v, true
}

// stopFrames kills the decoding under way: the user left the task.
func (m Model) stopFrames() Model {
	m.pics.seam, m.pics.ends = m.pics.seam.Clear(), m.pics.ends.Clear()
	return m
}

// onFrames takes the rows' answers.
func (m Model) onFrames(msg tea.Msg) (Model, bool) {
	var ok1, ok2 bool
	m.pics.seam, ok1 = m.pics.seam.Update(msg)
	m.pics.ends, ok2 = m.pics.ends.Update(msg)
	if !ok1 && !ok2 {
		return m, false
	}
	m.vp = m.page(m.bottom())
	return m, true
}

// sizeFrames fits the pictures to the page: two abreast, at most a third
// of the screen high, so the rest of the task stays in view.
func (m Model) sizeFrames() Model {
	cols := max(20, m.width-1) - 2
	rows := min(16, max(5, m.height/3)) + 1 // + the captions
	m.pics.seam = m.pics.seam.SetSize(cols, rows)
	m.pics.ends = m.pics.ends.SetSize(cols, rows)
	return m
}

// seamSection is the extension's seam, right under the prompt: the first
// thing a creator checks.
func (m Model) seamSection(w int) string {
	if m.task.Kind != store.KindExtend {
		return ""
	}
	if line, ok := m.framesLine(w); ok {
		return line
	}
	return m.frameSection("Seam", "the source's last frame | the extension's first new frame", m.pics.seam, w)
}

// framesSection is the first and last frames, after the files.
func (m Model) framesSection(w int) string {
	if line, ok := m.framesLine(w); ok {
		if m.task.Kind == store.KindExtend {
			return "" // said once, in the seam's place
		}
		return line
	}
	return m.frameSection("Frames", "first | last", m.pics.ends, w)
}

// framesLine is the one line that replaces the pictures when there can be
// none: no colours to draw with, or no ffmpeg to decode with.
func (m Model) framesLine(w int) (string, bool) {
	st := m.deps.Styles
	switch {
	case m.deps.Frames == nil:
		return "", false
	case !m.deps.Painter.CanDraw():
		if _, ok := m.fileOnDisk(m.task); !ok {
			return "", false
		}
		return m.section("Frames") + "  " + st.Faint.Render(format.Line("not drawn without colour (NO_COLOR): veox frames "+
			format.ID(m.task)+" --out f.png", w-8)), true
	case errors.Is(m.pics.seam.Err(), frames.ErrNoFFmpeg) || errors.Is(m.pics.ends.Err(), frames.ErrNoFFmpeg):
		return m.section("Frames") + "  " + st.Faint.Render(format.Line("need ffmpeg: "+frames.InstallHint()+" · o plays the video", w-8)), true
	}
	return "", false
}

// frameSection is one row of pictures under its title, or what stands in
// for it while it is decoded or when it cannot be.
func (m Model) frameSection(title, what string, row frameview.Model, w int) string {
	st := m.deps.Styles
	head := m.section(title) + st.Faint.Render("  "+what)
	switch {
	case row.Shown():
		return head + "\n" + indent(row.View())
	case row.Busy():
		return head + "\n  " + st.Faint.Render("decoding…")
	case row.Err() != nil:
		text := row.Err().Error()
		if h := frames.HintOf(row.Err()); h != "" {
			text += ": " + h
		}
		return head + "\n" + st.Warning.Render(m.para(text, w))
	}
	return ""
}

// videoKey names a task's video on disk for a job's key: the same file
// (path and content), the same pictures.
func videoKey(t *store.Task) string {
	v, ok := frames.VideoOf(t)
	if !ok {
		return "-"
	}
	return v.Path + "@" + v.SHA256 + "/" + strconv.FormatInt(v.Size, 10)
}

func seamJob(ext, parent *store.Task) frameview.Job {
	ext, parent = clone(ext), clone(parent)
	return frameview.Job{
		Key: "seam|" + videoKey(ext) + "|" + videoKey(parent),
		Run: func(ctx context.Context, ex *frames.Extractor) frameview.Result {
			s, err := ex.Seam(ctx, ext, parent, frames.Preview)
			if err != nil {
				return frameview.Result{Err: err}
			}
			after := "first new frame · " + seconds(s.At)
			if !s.Stitched {
				after = "first frame of the new part"
			}
			before := frameview.Shot{Img: s.Before, Caption: "the source's last frame"}
			if !s.FromSource {
				before.Caption = "the stitched video before " + seconds(s.At)
			}
			res := frameview.Result{Shots: []frameview.Shot{before, {Img: s.After, Caption: after}}}
			if s.Missing != nil {
				res.Shots[0] = frameview.Shot{Caption: "no picture of the source's end: " + s.Missing.Error()}
				if h := frames.HintOf(s.Missing); h != "" {
					res.Note = h
				}
			}
			return res
		},
	}
}

func endsJob(v frames.Video) frameview.Job {
	return frameview.Job{
		Key: "ends|" + v.Path + "@" + v.SHA256 + "/" + strconv.FormatInt(v.Size, 10),
		Run: func(ctx context.Context, ex *frames.Extractor) frameview.Result {
			first, err := ex.Frame(ctx, v, frames.First(), frames.Preview)
			if err != nil {
				return frameview.Result{Err: err}
			}
			last, err := ex.Frame(ctx, v, frames.Last(), frames.Preview)
			if err != nil {
				return frameview.Result{Err: err}
			}
			length, _ := ex.Length(v)
			return frameview.Result{Shots: []frameview.Shot{
				{Img: first, Caption: "first frame"}, {Img: last, Caption: "last frame · " + seconds(length)}}}
		},
	}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// clone copies a task for a command, which must not share the model's.
func clone(t *store.Task) *store.Task {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

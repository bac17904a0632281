package frameview

import (
	"context"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/picture"
)

func solid(w, h int, c color.NRGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

// job answers with the pictures, and counts its runs and whether its
// context was cancelled.
type job struct {
	runs      int
	cancelled bool
	shots     []Shot
	err       error
}

func (j *job) Job(key string) Job {
	return Job{Key: key, Run: func(ctx context.Context, _ *frames.Extractor) Result {
		j.runs++
		<-ctx.Done()
		j.cancelled = true
		return Result{Shots: j.shots, Err: j.err}
	}}
}

func deps(p termenv.Profile) Deps {
	return Deps{Frames: frames.New(frames.Config{Dir: "unused"}), Painter: picture.Painter{Profile: p}}
}

// Running a command here waits for its context, so each test ends the
// work (Clear, Stop, Show) before it runs the command it started.
func TestMovingOnDropsTheOldAnswer(t *testing.T) {
	m := New(deps(termenv.TrueColor), "a").SetSize(40, 8)
	first := &job{shots: []Shot{{Img: solid(16, 9, color.NRGBA{255, 0, 0, 255}), Caption: "old"}}}
	m, cmd1 := m.Show(first.Job("one"))
	second := &job{shots: []Shot{{Img: solid(16, 9, color.NRGBA{0, 0, 255, 255}), Caption: "new"}}}
	m, cmd2 := m.Show(second.Job("two")) // the user moved on: the first is cancelled
	old := cmd1()
	if !first.cancelled {
		t.Fatal("the first job's context was not cancelled")
	}
	if m2, ok := m.Update(old); !ok || m2.Shown() {
		t.Fatalf("the overtaken answer was shown (ok %v)", ok)
	}
	m = m.Stop()
	msg := cmd2()
	if m2, _ := m.Update(msg); m2.Shown() {
		t.Error("an answer after Stop was shown")
	}
	if m.Busy() || m.Key() != "" {
		t.Errorf("after Stop: busy %v key %q", m.Busy(), m.Key())
	}
}

func TestSameKeyStartsNothing(t *testing.T) {
	m := New(deps(termenv.TrueColor), "a").SetSize(40, 8)
	j := &job{shots: []Shot{{Img: solid(16, 9, color.NRGBA{0, 255, 0, 255}), Caption: "green"}}}
	m, cmd := m.Show(j.Job("k"))
	if _, again := m.Show(j.Job("k")); again != nil {
		t.Error("the same job was started twice")
	}
	m = m.Stop() // let the fake job return
	cmd()
	m, _ = m.Show(j.Job("k"))
	if !m.Busy() {
		t.Error("after Stop the job does not start again")
	}
}

// What arrives is drawn at once, for the row's cells: two pictures abreast
// with their captions, none wider than its share.
func TestDrawsTheRow(t *testing.T) {
	m := New(deps(termenv.TrueColor), "a").SetSize(50, 6)
	res := Result{Shots: []Shot{
		{Img: solid(160, 90, color.NRGBA{255, 0, 0, 255}), Caption: "left"},
		{Img: solid(160, 90, color.NRGBA{0, 0, 255, 255}), Caption: "right"}}}
	m, _ = m.Update(doneMsg{owner: "a", gen: m.gen, res: res})
	v := m.View()
	lines := strings.Split(v, "\n")
	// 24 columns each (50 less the gap, halved); 16:9 in 24 columns is 7
	// rows, more than the 5 left above the captions: 5 rows, 18 columns.
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 5 of picture and 1 of captions:\n%s", len(lines), v)
	}
	if w, n := ansi.StringWidth(lines[0]), strings.Count(lines[0], "▀"); w != 50 || n != 18+18 {
		t.Errorf("picture line %d wide with %d half-blocks, want 50 (the row) with 36", w, n)
	}
	if !strings.Contains(lines[0], "38;2;255;0;0;48;2;255;0;0m") || !strings.Contains(lines[0], "38;2;0;0;255;48;2;0;0;255m") {
		t.Errorf("colours missing: %q", lines[0])
	}
	if !strings.HasPrefix(ansi.Strip(lines[5]), "left") || !strings.Contains(lines[5], "right") {
		t.Errorf("captions %q", lines[5])
	}
	// Another owner's answer is not this row's.
	if _, ok := m.Update(doneMsg{owner: "b", gen: m.gen}); ok {
		t.Error("took another row's answer")
	}
}

func TestAsciiDrawsNothing(t *testing.T) {
	m := New(deps(termenv.Ascii), "a").SetSize(50, 6)
	m, _ = m.Update(doneMsg{owner: "a", gen: m.gen, res: Result{Shots: []Shot{{Img: solid(4, 4, color.NRGBA{1, 2, 3, 255})}}}})
	if m.View() != "" {
		t.Errorf("drew %q without colours", m.View())
	}
}

// A job that panics becomes an error, not a crash.
func TestPanicBecomesAnError(t *testing.T) {
	m := New(deps(termenv.TrueColor), "a")
	m, cmd := m.Show(Job{Key: "p", Run: func(context.Context, *frames.Extractor) Result { panic("bad frame") }})
	m, _ = m.Update(cmd())
	if err := m.Err(); err == nil || !strings.Contains(err.Error(), "bad frame") {
		t.Errorf("err %v", err)
	}
}

func TestDisabledShowsNothing(t *testing.T) {
	m := New(Deps{}, "a")
	m, cmd := m.Show(Job{Key: "x", Run: func(context.Context, *frames.Extractor) Result { return Result{Err: errors.New("ran")} }})
	if cmd != nil || m.Busy() {
		t.Error("a job started without a frames service")
	}
}

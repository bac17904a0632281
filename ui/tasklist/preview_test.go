package tasklist

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/picture"
)

// previewRig is the list over three videos on disk (the SMPTE bars clip
// on top) and a running task, with an ffmpeg that logs each run.
func previewRig(t testing.TB, w, h int) (*rig, string) {
	t.Helper()
	uitest.NeedFFmpeg(t)
	real, _ := exec.LookPath("ffmpeg")
	log := filepath.Join(t.TempDir(), "runs")
	wrapper := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\necho run >> "+log+"\nexec "+real+" \"$@\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	tasks := []*store.Task{
		{LocalID: "l00000000000000run", Kind: store.KindGenerate, Status: store.StatusRunning, CreatedAt: uitest.Now.Add(-1 * time.Minute)},
		{LocalID: "l0000000000000bars", TaskID: "bars", Kind: store.KindGenerate, Status: store.StatusSucceeded,
			Files: []store.File{uitest.ClipFile(t, assets.Source8B)}, CreatedAt: uitest.Now.Add(-2 * time.Minute)},
		{LocalID: "l0000000000000test", TaskID: "test", Kind: store.KindGenerate, Status: store.StatusSucceeded,
			Files: []store.File{uitest.ClipFile(t, assets.Source8A)}, CreatedAt: uitest.Now.Add(-3 * time.Minute)},
		{LocalID: "l0000000000000mand", TaskID: "mand", Kind: store.KindGenerate, Status: store.StatusSucceeded,
			Files: []store.File{uitest.ClipFile(t, assets.Source8C)}, CreatedAt: uitest.Now.Add(-4 * time.Minute)},
	}
	for _, task := range tasks {
		task.Request.Prompt = "prompt of " + task.LocalID
		if err := e.Store.Put(task); err != nil {
			t.Fatal(err)
		}
	}
	ex := frames.New(frames.Config{Dir: t.TempDir(), FFmpeg: wrapper, LookPath: func(p string) (string, error) { return p, nil }})
	m := newRig(Deps{Service: e.Svc, Frames: ex, Painter: picture.Painter{Profile: termenv.TrueColor}}, w, h)
	m.p.Run(m.Init())
	return m, log
}

func runs(t *testing.T, log string) int {
	b, _ := os.ReadFile(log)
	return strings.Count(string(b), "run")
}

// In 160 columns the pane shows the selected task's last frame, asked for
// once the cursor stops: moving through three rows decodes one frame.
func TestPreviewPaneShowsTheLastFrame(t *testing.T) {
	m, log := previewRig(t, 160, 30)
	m.press("down") // the bars clip
	if v := m.View(); !strings.Contains(v, "last frame") || !strings.Contains(v, "decoding") {
		t.Fatalf("no pane waiting for its picture:\n%s", v)
	}
	m.press("down", "down", "up") // through two other videos, back to the bars' neighbour…
	m.press("up")                 // …and back to the bars
	m.p.Advance(2 * previewDelay) // the timer set at the first move finds moves and waits once more
	if n := runs(t, log); n != 1 {
		t.Errorf("%d ffmpeg runs for one stop of the cursor, want 1", n)
	}
	v := m.View()
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 160 {
			t.Fatalf("line %d is %d wide, want 160: %q", i, w, ansi.Strip(l))
		}
	}
	rows := uitest.Cells(v)
	pw := m.previewWidth()
	x0 := 160 - pw + 2
	row := rows[3] // the picture's third row: in the bars
	width := 0
	for x0+width < len(row) && row[x0+width].Ch == "▀" {
		width++
	}
	if width < 20 {
		t.Fatalf("pane picture %d cells wide:\n%s", width, v)
	}
	for i, want := range uitest.SMPTEBars {
		if c := row[x0+(2*i+1)*width/14]; !uitest.Near(c.FG, want, 30) {
			t.Errorf("bar %d in the pane is %v, want about %v", i, c.FG, want)
		}
	}
	if !strings.Contains(v, "at 8.0 s") {
		t.Error("no caption under the picture")
	}
	// A running task has no frame yet, and asks for none.
	m.press("up")
	m.p.Advance(previewDelay)
	if v := m.View(); !strings.Contains(v, "running: its frames come when it is done") || runs(t, log) != 1 {
		t.Errorf("running task: runs %d\n%s", runs(t, log), v)
	}
}

// Below 140 columns the list is as it always was: no pane, no decoding.
func TestNoPaneWhenNarrow(t *testing.T) {
	m, log := previewRig(t, 120, 30)
	m.press("down")
	m.p.Advance(previewDelay)
	if v := m.View(); strings.Contains(v, "last frame") || strings.Contains(v, "▀") || runs(t, log) != 0 {
		t.Errorf("a pane or a decode at 120 columns (runs %d):\n%s", runs(t, log), v)
	}
	// Widened past 140, the pane asks for its picture.
	m2 := m.SetSize(160, 30)
	m2, cmd := m2.Resized()
	*m.Model = m2
	m.p.Run(cmd)
	m.p.Advance(previewDelay)
	if v := m.View(); !strings.Contains(v, "at 8.0 s") || runs(t, log) != 1 {
		t.Errorf("after widening: runs %d\n%s", runs(t, log), v)
	}
}

// BenchmarkViewWithPane draws the list at 160×40 with the pane showing a
// picture, and at 120×40 without a pane: the picture is drawn when it
// arrives, the pane costs its join.
func BenchmarkViewWithPane(b *testing.B) {
	for _, w := range []int{120, 160} {
		b.Run(fmt.Sprint(w), func(b *testing.B) {
			m, _ := previewRig(b, w, 40)
			m.p.Send(uitest.Key("down"))
			m.p.Advance(previewDelay)
			if w == 160 && !m.pv.row.Shown() {
				b.Fatal("no picture in the pane")
			}
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// A held key sets one timer for the pane, not one per row it passes: a
// timer per move was a message and a frame per move.
func TestPreviewWaitsWithOneTimer(t *testing.T) {
	m, log := previewRig(t, 160, 30)
	m.p.Advance(time.Second) // the first row's picture
	first := runs(t, log)
	before := m.p.Started()
	m.press("down", "down", "down", "up", "up", "down")
	if n := m.p.Started() - before; n != 2 {
		t.Fatalf("6 moves started %d timers, want 2 (the chain line's and the pane's): %v", n, m.p.Timers())
	}
	m.p.Advance(2 * previewDelay)
	if n := runs(t, log) - first; n != 1 {
		t.Errorf("%d ffmpeg runs after the cursor rested, want 1", n)
	}
}

package details

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/picture"
	"github.com/veox/veox/ui/request"
)

// seamDetails opens Details of an extension whose source (the SMPTE bars
// clip) and stitched video are on disk.
func seamDetails(t testing.TB, ex *frames.Extractor, p picture.Painter, w, h int) *Model {
	t.Helper()
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	src := &store.Task{LocalID: "l000000000000src01", TaskID: "veo_task_demo_forest", Kind: store.KindGenerate,
		Status: store.StatusSucceeded, Request: store.Request{Prompt: "Morning mist in a pine forest"},
		Files: []store.File{uitest.ClipFile(t, assets.Source8B)}, CreatedAt: at(0), CompletedAt: at(1)}
	f := uitest.ClipFile(t, assets.Extended15)
	ext := &store.Task{LocalID: "l000000000000ext01", TaskID: "3c5e9891c7d6dfbc68b4b3f4a7f00ba1", Kind: store.KindExtend,
		ParentID: src.TaskID, Status: store.StatusSucceeded, Request: store.Request{Prompt: "the deer runs off"},
		FullResultURLs: []string{f.URL}, Files: []store.File{f}, CreatedAt: at(10), CompletedAt: at(12)}
	for _, task := range []*store.Task{src, ext} {
		if err := e.Store.Put(task); err != nil {
			t.Fatal(err)
		}
	}
	m := New(Deps{Service: e.Svc, Styles: uitest.Styles(), Now: uitest.Clock, Ctx: context.Background(),
		Frames: ex, Painter: p}, ext.LocalID).SetSize(w, h)
	m.run(m.Init()) // the load, then the frames, decoded as the program would in its commands
	return &m
}

func realFrames(t testing.TB) *frames.Extractor {
	uitest.NeedFFmpeg(t)
	return frames.New(frames.Config{Dir: filepath.Join(t.TempDir(), "frames")})
}

// The seam is under the prompt: the source's SMPTE bars on the left, in
// order, in 24-bit half-blocks; the first and last frames after the files.
func TestSeamInHalfBlocks(t *testing.T) {
	t.Parallel()
	m := seamDetails(t, realFrames(t), picture.Painter{Profile: termenv.TrueColor}, 120, 34)
	v := m.content().text
	rows := uitest.Cells(v)
	top := -1
	for i, r := range rows {
		if strings.HasPrefix(cellText(r), "Seam") {
			top = i + 1
			break
		}
	}
	if top < 0 {
		t.Fatalf("no seam:\n%s", v)
	}
	if prompt := strings.Index(v, "the deer runs off"); prompt < 0 || prompt > strings.Index(v, "Seam") {
		t.Error("the seam is not right under the prompt")
	}
	row := rows[top+2]
	width := 0
	for 2+width < len(row) && row[2+width].Ch == "▀" {
		width++
	}
	if width < 20 || width > 60 {
		t.Fatalf("left picture %d cells wide", width)
	}
	for i, want := range uitest.SMPTEBars {
		c := row[2+(2*i+1)*width/14]
		if !uitest.Near(c.FG, want, 30) || !uitest.Near(c.BG, want, 30) {
			t.Errorf("bar %d is %v over %v, want about %v", i, c.FG, c.BG, want)
		}
	}
	for _, want := range []string{"the source's last frame", "first new frame · 8.0 s", "first frame", "last frame · 15.0 s"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	for i, line := range strings.Split(v, "\n") {
		if w := len(uitest.Cells(line)[0]); w > 119 {
			t.Errorf("line %d is %d cells wide, more than the page", i, w)
		}
	}
}

// Without ffmpeg the pictures give way to one line that says how to get
// it; the page is otherwise whole and keys act.
func TestWithoutFFmpegOneLine(t *testing.T) {
	t.Parallel()
	none := frames.New(frames.Config{Dir: t.TempDir(), LookPath: func(string) (string, error) { return "", errors.New("none") }})
	m := seamDetails(t, none, picture.Painter{Profile: termenv.TrueColor}, 120, 34)
	v := m.content().text
	var said []string
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "ffmpeg") {
			said = append(said, l)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "need ffmpeg") || !strings.Contains(said[0], "install ffmpeg") {
		t.Fatalf("want one line saying how to get ffmpeg, got %q in:\n%s", said, v)
	}
	if strings.Contains(v, "▀") || strings.Contains(v, "decoding") {
		t.Errorf("pictures or a wait shown without ffmpeg:\n%s", v)
	}
	for _, want := range []string{"Parameters", "Timeline", "Video"} {
		if !strings.Contains(v, want) {
			t.Errorf("%s missing:\n%s", want, v)
		}
	}
	if got := m.press("esc"); len(got) < 2 || got[1] != (request.Back{}) {
		t.Errorf("esc: %v", got)
	}
}

// Under NO_COLOR nothing is decoded and one plain line says how to get the
// frames as PNG.
func TestNoColourIsOnePlainLine(t *testing.T) {
	t.Parallel()
	runs := 0
	ex := frames.New(frames.Config{Dir: t.TempDir(), LookPath: func(string) (string, error) {
		runs++
		return "", errors.New("none")
	}})
	m := seamDetails(t, ex, picture.Painter{Profile: termenv.Ascii}, 120, 34)
	v := m.content().text
	if !strings.Contains(v, "not drawn without colour") || !strings.Contains(v, "--out f.png") || strings.Count(v, "Frames") != 1 {
		t.Errorf("want one plain line:\n%s", v)
	}
	if runs != 0 {
		t.Errorf("frames were asked for %d times under NO_COLOR", runs)
	}
}

func cellText(row []uitest.Cell) string {
	var b strings.Builder
	for _, c := range row {
		b.WriteString(c.Ch)
	}
	return b.String()
}

// BenchmarkView draws Details of an extension at 120×34, with its seam and
// first|last frames shown and without frames: the pictures are drawn when
// they arrive, so a frame of the screen costs about the same.
func BenchmarkView(b *testing.B) {
	ex := realFrames(b)
	for _, c := range []struct {
		name string
		ex   *frames.Extractor
	}{{"without frames", nil}, {"with frames", ex}} {
		b.Run(c.name, func(b *testing.B) {
			m := seamDetails(b, c.ex, picture.Painter{Profile: termenv.TrueColor}, 120, 34)
			if c.ex != nil && !m.pics.seam.Shown() {
				b.Fatal("no seam")
			}
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

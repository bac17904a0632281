package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The seam of a demo extension, written by the binary, is the source's last
// frame beside the extension's first new frame: each half is checked
// against the frame ffmpeg itself picks by number, and the source's half
// shows its SMPTE bars.
func TestFramesSeamPNG(t *testing.T) {
	t.Parallel()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not on PATH: this test decodes real frames (CI installs it; here: sudo apt install ffmpeg)")
	}
	home := t.TempDir()
	const forest = "veo_task_demo_forest" // SMPTE bars, 8 s at 24 fps
	src := veox(t, home, nil, "--demo", "download", forest, "--json")
	r := veox(t, home, nil, "--demo", "extend", "--task", forest, "--prompt", "the deer runs off",
		"--wait", "--download", "--json")
	if src.code != 0 || r.code != 0 {
		t.Fatalf("download exit %d, extend exit %d: %s %s", src.code, r.code, src.stderr, r.stderr)
	}
	parent, ext := decode[taskOut](t, src), decode[taskOut](t, r)
	// ffmpeg's own frames, in one run beside veox's: 8 s × 24, the
	// source's last is 191; the extension's first new one is 192.
	type answer struct {
		frames []image.Image
		err    error
	}
	refs := make(chan answer, 1)
	refDir := t.TempDir()
	go func() {
		f, err := ffmpegFrames(ffmpeg, refDir, numbered{parent.Files[0], 191}, numbered{ext.Files[0], 192})
		refs <- answer{f, err}
	}()
	out := filepath.Join(home, "seam.png")
	r = veox(t, home, nil, "--demo", "frames", ext.TaskID, "--at", "seam", "--out", out, "--json")
	if r.code != 0 {
		t.Fatalf("frames: exit %d\n%s", r.code, r.stderr)
	}
	doc := decode[struct {
		Out      string   `json:"out"`
		Width    int      `json:"width"`
		Seam     *float64 `json:"seamSeconds"`
		Stitched *bool    `json:"stitched"`
		Frames   []struct {
			Video string `json:"video"`
			Frame string `json:"frame"`
		} `json:"frames"`
	}](t, r)
	if doc.Out != out || doc.Seam == nil || *doc.Seam != 8 || doc.Stitched == nil || !*doc.Stitched || len(doc.Frames) != 2 ||
		doc.Frames[0].Video != parent.Files[0] || doc.Frames[1].Video != ext.Files[0] {
		t.Fatalf("frames JSON: %s", r.stdout)
	}
	seam := readPNGFile(t, out)
	if seam.Bounds().Dx() != 640 || seam.Bounds().Dy() != 180 {
		t.Fatalf("seam.png is %v, want two 320×180 frames side by side", seam.Bounds())
	}
	left := cut(seam, image.Rect(0, 0, 320, 180))
	right := cut(seam, image.Rect(320, 0, 640, 180))
	ref := <-refs
	if ref.err != nil {
		t.Fatal(ref.err)
	}
	sameFrame(t, "left half", left, ref.frames[0])
	sameFrame(t, "right half", right, ref.frames[1])
	// Decoded once: kept under the state folder ('veox paths' says where),
	// so it is made again with no ffmpeg at all.
	paths := decode[map[string]string](t, veox(t, home, nil, "--demo", "paths", "--json"))
	if kept, _ := filepath.Glob(filepath.Join(paths["frames"], "*", "*", "*.png")); len(kept) != 2 {
		t.Errorf("%d frames kept under %q, want the two sides", len(kept), paths["frames"])
	}
	again := filepath.Join(home, "again.png")
	if r := veoxProc(t, home, []string{"PATH=" + t.TempDir()}, "--demo", "frames", ext.TaskID, "--at", "seam", "--out", again); r.code != 0 {
		t.Fatalf("the kept seam needed ffmpeg: exit %d: %s", r.code, r.stderr)
	}
	if a, b := readFile(t, out), readFile(t, again); string(a) != string(b) {
		t.Error("the seam from the cache differs from the decoded one")
	}
	// A strip: five frames across the stitched video, first to last.
	strip := filepath.Join(home, "strip.png")
	r = veox(t, home, nil, "--demo", "frames", ext.TaskID, "--at", "strip", "--out", strip, "--json")
	sdoc := decode[struct {
		Width  int `json:"width"`
		Frames []struct {
			Frame string `json:"frame"`
		} `json:"frames"`
	}](t, r)
	if r.code != 0 || sdoc.Width != 5*320 || len(sdoc.Frames) != 5 || sdoc.Frames[0].Frame != "first" || sdoc.Frames[4].Frame != "last" {
		t.Errorf("strip: exit %d %s", r.code, r.stdout)
	}
	for i, want := range []color.NRGBA{{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
		{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255}} {
		c := color.NRGBAModel.Convert(left.At((2*i+1)*320/14, 45)).(color.NRGBA)
		if d := max(diff(c.R, want.R), diff(c.G, want.G), diff(c.B, want.B)); d > 24 {
			t.Errorf("SMPTE bar %d of the left half is %v, want about %v", i, c, want)
		}
	}
}

// Without ffmpeg on PATH, frames says how to get it, in the JSON too, and
// exits 5; the video and the history are untouched.
func TestFramesWithoutFFmpeg(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if r := veox(t, home, nil, "--demo", "download", demoSource); r.code != 0 {
		t.Fatalf("download: exit %d: %s", r.code, r.stderr)
	}
	r := veoxProc(t, home, []string{"PATH=" + t.TempDir()}, "--demo", "frames", demoSource, "--at", "first",
		"--out", filepath.Join(home, "f.png"), "--json")
	if r.code != 5 {
		t.Fatalf("exit %d, want 5\n%s", r.code, r.stderr)
	}
	doc := decode[struct {
		Error struct{ Kind, Message, Hint string } `json:"error"`
	}](t, r)
	if !strings.Contains(doc.Error.Message, "ffmpeg") || !strings.Contains(doc.Error.Hint, "install ffmpeg") {
		t.Errorf("error %+v: want what is missing and how to install it", doc.Error)
	}
	if !strings.Contains(r.stderr, "ffmpeg") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
		t.Errorf("stderr %q: want the problem and how to fix it, in two lines", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "f.png")); err == nil {
		t.Error("a PNG was written without a frame")
	}
	// Nothing on disk: exit 5 and the command that fetches it.
	r = veox(t, home, nil, "--demo", "frames", "veo_task_demo_city", "--out", filepath.Join(home, "c.png"), "--json")
	doc = decode[struct {
		Error struct{ Kind, Message, Hint string } `json:"error"`
	}](t, r)
	if r.code != 5 || !strings.Contains(doc.Error.Hint, "veox download veo_task_demo_city") {
		t.Errorf("frames of a video not downloaded: exit %d, %+v", r.code, doc.Error)
	}
}

func readPNGFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// numbered is frame n (from 0) of a video.
type numbered struct {
	video string
	n     int
}

// ffmpegFrames is each frame as ffmpeg's select filter picks it, in one
// ffmpeg run (its start-up costs more than the decoding). It runs beside
// the test's own work, so it reports rather than fails.
func ffmpegFrames(ffmpeg, dir string, frames ...numbered) ([]image.Image, error) {
	args := []string{"-nostdin", "-v", "error"}
	var graph []string
	for i, f := range frames {
		args = append(args, "-i", f.video)
		graph = append(graph, fmt.Sprintf("[%d:v]select=eq(n\\,%d)[f%d]", i, f.n, i))
	}
	args = append(args, "-filter_complex", strings.Join(graph, ";"))
	for i := range frames {
		args = append(args, "-map", fmt.Sprintf("[f%d]", i), "-frames:v", "1", "-fps_mode", "passthrough", "-pix_fmt", "rgb24",
			filepath.Join(dir, fmt.Sprintf("%d.png", i)))
	}
	if b, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg %v: %v\n%s", args, err, b)
	}
	imgs := make([]image.Image, len(frames))
	for i := range frames {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("%d.png", i)))
		if err != nil {
			return nil, err
		}
		imgs[i], err = png.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ffmpeg's frame %d: %v", i, err)
		}
	}
	return imgs, nil
}

func cut(img image.Image, r image.Rectangle) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

// sameFrame: no more than 0.2 % of the pixels differ by more than 24 in a
// channel (the neighbouring frame of the demo's test pattern differs in
// 2 %; a frame of another clip in most).
func sameFrame(t *testing.T, what string, got, want image.Image) {
	t.Helper()
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Size() != wb.Size() {
		t.Fatalf("%s is %v, want %v", what, gb.Size(), wb.Size())
	}
	bad := 0
	for y := range gb.Dy() {
		for x := range gb.Dx() {
			a := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.NRGBA)
			b := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.NRGBA)
			if max(diff(a.R, b.R), diff(a.G, b.G), diff(a.B, b.B)) > 24 {
				bad++
			}
		}
	}
	if share := float64(bad) / float64(gb.Dx()*gb.Dy()); share > 0.002 {
		t.Errorf("%s differs from ffmpeg's frame in %.2f%% of its pixels", what, 100*share)
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

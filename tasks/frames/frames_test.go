package frames

import (
	"context"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/store"
)

// Thresholds of differing (channels further apart than 24 of 255): our
// frame and ffmpeg's own match within rounding (measured: 0.00 %); the
// neighbouring frame of testsrc differs in 2.3 % of its pixels.
const (
	same      = 0.002
	different = 0.01
)

// realFrames is what the tests against real ffmpeg share: the clips on
// disk, the frames ffmpeg picks by number (one run per clip), and one
// cache, so later tests find earlier frames there as users do.
type realFrames struct {
	src8b, src8a, ext15, ext22 store.File
	ref                        map[string]image.Image // "<clip>/<frame number>"
	e                          *Extractor
	dir                        string
}

func TestAgainstFFmpeg(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	r := &realFrames{src8b: clip(t, assets.Source8B), src8a: clip(t, assets.Source8A),
		ext15: clip(t, assets.Extended15), ext22: clip(t, assets.Extended22), dir: t.TempDir()}
	r.e = New(Config{Dir: r.dir})
	r.ref = map[string]image.Image{}
	r.references(t, r.src8b, 0, 191)
	r.references(t, r.ext15, 191, 192)
	t.Run("first and last", r.firstAndLast)
	t.Run("at a time", r.atTime)
	t.Run("preview", r.preview)
	t.Run("seam from the source", r.seamFromSource)
	t.Run("seam without the source", r.seamWithoutSource)
	t.Run("seam of the new part alone", r.seamNewPartAlone)
	t.Run("cache without ffmpeg", r.cacheWithoutFFmpeg)
}

// references has ffmpeg write the numbered frames of a file as PNGs, in
// one run, choosing them with its select filter (not by time, as we do).
func (r *realFrames) references(t *testing.T, f store.File, ns ...int) {
	t.Helper()
	var sel []string
	for _, n := range ns {
		sel = append(sel, "eq(n\\,"+itoa(n)+")")
	}
	dir := t.TempDir()
	args := []string{"-nostdin", "-v", "error", "-i", f.Path, "-vf", "select=" + strings.Join(sel, "+"),
		"-vsync", "passthrough", "-pix_fmt", "rgb24", filepath.Join(dir, "%d.png")}
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	for i, n := range ns {
		r.ref[filepath.Base(f.Path)+"/"+itoa(n)] = readPNG(t, filepath.Join(dir, itoa(i+1)+".png"))
	}
}

func (r *realFrames) frame(t *testing.T, f store.File, at At, size Size) image.Image {
	t.Helper()
	img, err := r.e.Frame(context.Background(), Video{Path: f.Path, Size: f.Size}, at, size)
	if err != nil {
		t.Fatalf("%s of %s: %v", at, filepath.Base(f.Path), err)
	}
	return img
}

// is checks img is frame n of f, as ffmpeg numbers them.
func (r *realFrames) is(t *testing.T, what string, img image.Image, f store.File, n int) {
	t.Helper()
	if d := differing(img, r.ref[filepath.Base(f.Path)+"/"+itoa(n)], 24); d > same {
		t.Errorf("%s differs from frame %d of %s in %.2f%% of its pixels", what, n, filepath.Base(f.Path), 100*d)
	}
}

// The first and last frames are ffmpeg's frames 0 and 191 of an 8 s clip,
// and show the SMPTE bars where they are.
func (r *realFrames) firstAndLast(t *testing.T) {
	first := r.frame(t, r.src8b, First(), Full)
	last := r.frame(t, r.src8b, Last(), Full)
	if got := first.Bounds().Size(); got.X != 320 || got.Y != 180 {
		t.Fatalf("first frame is %v, want 320x180", got)
	}
	checkSMPTE(t, first)
	checkSMPTE(t, last)
	r.is(t, "the first frame", first, r.src8b, 0)
	r.is(t, "the last frame", last, r.src8b, 191)
}

// A frame at a time is the first shown at or after it: frame 192 at 8 s of
// a 24 fps video, not 191, which testsrc's moving pattern tells apart.
func (r *realFrames) atTime(t *testing.T) {
	at8 := r.frame(t, r.ext15, Time(8*time.Second), Full)
	r.is(t, "the frame at 8 s", at8, r.ext15, 192)
	if d := differing(at8, r.ref[assets.Extended15+"/191"], 24); d < different {
		t.Errorf("frame 192 is as close to 191 (%.2f%% differ): the test cannot tell frames apart", 100*d)
	}
	r.is(t, "the frame before 8 s", r.frame(t, r.ext15, Before(8*time.Second), Full), r.ext15, 191)
	_, err := r.e.Frame(context.Background(), Video{Path: r.ext15.Path}, Time(16*time.Second), Full)
	if err == nil || !strings.Contains(err.Error(), "15.000 s long") {
		t.Errorf("a frame past the end: %v, want one that says how long the video is", err)
	}
}

// The preview fits its box, aspect kept; rgbtestsrc's red, green and blue
// bands are where they are, brightest at the right.
func (r *realFrames) preview(t *testing.T) {
	img := r.frame(t, r.ext22, First(), Size{W: 160, H: 160})
	if got := img.Bounds().Size(); got.X != 160 || got.Y != 90 {
		t.Fatalf("preview is %v, want 160x90", got)
	}
	for _, band := range []struct {
		y    int
		want [3]uint8
	}{{15, [3]uint8{255, 0, 0}}, {45, [3]uint8{0, 255, 0}}, {75, [3]uint8{0, 0, 255}}} {
		c := rgb(img.At(150, band.y))
		for i := range c {
			if far(c[i], band.want[i], 40) {
				t.Errorf("band at y=%d is %v, want about %v", band.y, c, band.want)
				break
			}
		}
	}
}

// extension is an extension task whose stitched file is f.
func extension(f store.File, parentID string) *store.Task {
	return &store.Task{LocalID: "ext", TaskID: "ext-id", Kind: store.KindExtend, ParentID: parentID,
		Status: store.StatusSucceeded, FullResultURLs: []string{f.URL}, Files: []store.File{f}}
}

func source(f store.File) *store.Task {
	return &store.Task{LocalID: "src", TaskID: "src-id", Kind: store.KindGenerate, Status: store.StatusSucceeded,
		Files: []store.File{f}}
}

// The seam: the source's own last frame, and the stitched video's frame at
// the source's length.
func (r *realFrames) seamFromSource(t *testing.T) {
	s, err := r.e.Seam(context.Background(), extension(r.ext15, "src-id"), source(r.src8b), Full)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Stitched || !s.FromSource || s.At != 8*time.Second || s.Missing != nil {
		t.Fatalf("seam %+v, want stitched at 8 s, from the source", s)
	}
	checkSMPTE(t, s.Before)
	r.is(t, "before the seam", s.Before, r.src8b, 191)
	r.is(t, "after the seam", s.After, r.ext15, 192)
}

// Without the source on disk, the stitched video holds it: its frame
// before the seam stands in, a step (7 s) before the end.
func (r *realFrames) seamWithoutSource(t *testing.T) {
	ext := extension(r.ext15, "src-id")
	s, err := r.e.Seam(context.Background(), ext, nil, Full)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Stitched || s.FromSource || s.At != 8*time.Second || s.Before == nil {
		t.Fatalf("seam %+v, want stitched at 8 s, before from the stitched video", s)
	}
	r.is(t, "before the seam", s.Before, r.ext15, 191)
	// A file of the new part alone, its source unknown: the new part's
	// first frame, and a reason for the missing side.
	ext.FullResultURLs, ext.ResultURLs = nil, []string{ext.Files[0].URL}
	s, err = r.e.Seam(context.Background(), ext, nil, Full)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stitched || s.At != 0 || s.Before != nil || !errors.Is(s.Missing, ErrNoFile) || HintOf(s.Missing) == "" {
		t.Fatalf("seam %+v, want the new part alone and a reason with a hint", s)
	}
}

// A file not 3 s longer than its source is the new part alone: the seam is
// its first frame.
func (r *realFrames) seamNewPartAlone(t *testing.T) {
	ext := extension(r.src8a, "src-id")
	ext.FullResultURLs = nil
	s, err := r.e.Seam(context.Background(), ext, source(r.src8b), Full)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stitched || s.At != 0 || !s.FromSource {
		t.Fatalf("seam %+v, want the new part alone", s)
	}
	if differing(s.After, r.frame(t, r.src8a, First(), Full), 0) != 0 {
		t.Error("after the seam is not the file's first frame")
	}
}

// A frame decoded once comes from the cache, even with ffmpeg gone; one
// never decoded says how to get ffmpeg.
func (r *realFrames) cacheWithoutFFmpeg(t *testing.T) {
	gone := New(Config{Dir: r.dir, LookPath: func(string) (string, error) { return "", errors.New("not found") }})
	v := Video{Path: r.src8b.Path, Size: r.src8b.Size}
	again, err := gone.Frame(context.Background(), v, Last(), Full)
	if err != nil {
		t.Fatalf("a cached frame needed ffmpeg: %v", err)
	}
	r.is(t, "the cached last frame", again, r.src8b, 191)
	if _, err := gone.Frame(context.Background(), v, Time(time.Second), Full); !errors.Is(err, ErrNoFFmpeg) || HintOf(err) == "" {
		t.Errorf("an uncached frame without ffmpeg: %v, want ErrNoFFmpeg with a hint", err)
	}
	if gone.Available() {
		t.Error("Available with no ffmpeg")
	}
	entries, _ := os.ReadDir(r.dir)
	if len(entries) == 0 {
		t.Error("nothing was cached")
	}
}

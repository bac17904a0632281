package frames

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/store"
)

// needFFmpeg skips a test that decodes real frames when ffmpeg is absent.
// CI installs it (.ci/run), so there these tests always run.
func needFFmpeg(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not on PATH: this test decodes real frames (CI installs it; here: sudo apt install ffmpeg)")
	}
	return p
}

// clip writes an embedded clip to a file and returns it as a task's file.
func clip(t *testing.T, name string) store.File {
	t.Helper()
	b, err := assets.Clip(name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return store.File{Path: p, Size: int64(len(b)), URL: "https://files.example/" + name, DownloadedAt: time.Unix(0, 0)}
}

func readPNG(t *testing.T, path string) image.Image {
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

func itoa(n int) string { return strconv.Itoa(n) }

func rgb(c color.Color) [3]uint8 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return [3]uint8{n.R, n.G, n.B}
}

// differing is the share of pixels where a channel differs by more than
// tol (0–255). Images of different sizes differ entirely.
func differing(a, b image.Image, tol int) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 1
	}
	ab, bb := a.Bounds(), b.Bounds()
	bad := 0
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			c1 := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			c2 := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			if far(c1.R, c2.R, tol) || far(c1.G, c2.G, tol) || far(c1.B, c2.B, tol) {
				bad++
			}
		}
	}
	return float64(bad) / float64(ab.Dx()*ab.Dy())
}

func far(a, b uint8, tol int) bool { d := int(a) - int(b); return d > tol || d < -tol }

// near tells whether the pixel at (x, y) is the colour within tol.
func near(img image.Image, x, y int, want color.NRGBA, tol int) bool {
	c := color.NRGBAModel.Convert(img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y)).(color.NRGBA)
	return !far(c.R, want.R, tol) && !far(c.G, want.G, tol) && !far(c.B, want.B, tol)
}

// smpteBars are the seven 75 % bars across the top of source8b (SMPTE
// colour bars), left to right.
var smpteBars = []color.NRGBA{
	{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
	{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
}

// checkSMPTE checks the bars at their centres, a third of the way down.
func checkSMPTE(t *testing.T, img image.Image) {
	t.Helper()
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	for i, want := range smpteBars {
		x := (2*i + 1) * w / 14
		if !near(img, x, h/4, want, 24) {
			t.Errorf("bar %d at x=%d: %v, want about %v", i, x, img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+h/4), want)
		}
	}
}

package picture

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

// bands is a test pattern: horizontal bands of the colours, each h pixels
// high and w wide.
func bands(w, h int, cs ...color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h*len(cs)))
	for y := range img.Rect.Dy() {
		for x := range w {
			img.SetNRGBA(x, y, cs[y/h])
		}
	}
	return img
}

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
	white = color.NRGBA{255, 255, 255, 255}
)

// cell is one half-block as a terminal shows it.
type cell struct{ fg, bg [3]uint8 }

var sgr = regexp.MustCompile(`^\x1b\[([0-9;]*)m`)

// readBlocks plays 24-bit half-block output back into cells, as a
// terminal would colour them: each SGR sets the foreground, the
// background or both, and what it does not set stays.
func readBlocks(t *testing.T, s string) [][]cell {
	t.Helper()
	var out [][]cell
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasSuffix(line, "\x1b[0m") {
			t.Fatalf("line %q does not end with a reset", line)
		}
		line = strings.TrimSuffix(line, "\x1b[0m")
		var row []cell
		var cur cell
		for line != "" {
			if m := sgr.FindStringSubmatch(line); m != nil {
				ps := strings.Split(m[1], ";")
				for i := 0; i+4 < len(ps); i += 5 {
					var c [3]uint8
					for k := range 3 {
						v, _ := strconv.Atoi(ps[i+2+k])
						c[k] = uint8(v)
					}
					switch ps[i] + ";" + ps[i+1] {
					case "38;2":
						cur.fg = c
					case "48;2":
						cur.bg = c
					default:
						t.Fatalf("unexpected SGR %q", m[0])
					}
				}
				line = line[len(m[0]):]
				continue
			}
			if !strings.HasPrefix(line, "▀") {
				t.Fatalf("unexpected %q", line)
			}
			row = append(row, cur)
			line = strings.TrimPrefix(line, "▀")
		}
		out = append(out, row)
	}
	return out
}

func rgb3(c color.NRGBA) [3]uint8 { return [3]uint8{c.R, c.G, c.B} }

// Each cell shows its top pixel in the foreground and its bottom one in
// the background: four bands in two rows of cells.
func TestBlocksShowTheBands(t *testing.T) {
	img := bands(40, 10, red, green, blue, white)
	out := Painter{Profile: termenv.TrueColor}.Blocks(img, 8, 2)
	cells := readBlocks(t, out)
	if len(cells) != 2 || len(cells[0]) != 8 || len(cells[1]) != 8 {
		t.Fatalf("got %d rows of %d cells, want 2 of 8", len(cells), len(cells[0]))
	}
	want := [2]cell{{rgb3(red), rgb3(green)}, {rgb3(blue), rgb3(white)}}
	for r, row := range cells {
		for c, got := range row {
			if got != want[r] {
				t.Errorf("cell %d,%d = %v, want %v", r, c, got, want[r])
			}
		}
	}
	// One colour change a line: runs are not repeated.
	if n := strings.Count(out, "\x1b["); n != 4 {
		t.Errorf("%d escape sequences, want a colour and a reset a line", n)
	}
	// A stripe that changes only the top says only the top.
	img = bands(2, 1, red, green)
	img.SetNRGBA(1, 0, blue)
	two := Painter{Profile: termenv.TrueColor}.Blocks(img, 2, 1)
	if want := "\x1b[38;2;255;0;0;48;2;0;255;0m▀\x1b[38;2;0;0;255m▀\x1b[0m"; two != want {
		t.Errorf("got %q, want %q", two, want)
	}
	if c := readBlocks(t, two)[0]; c[1] != (cell{rgb3(blue), rgb3(green)}) {
		t.Errorf("second cell %v", c[1])
	}
}

func TestBlocksInFewerColours(t *testing.T) {
	img := bands(4, 2, red, blue)
	out := Painter{Profile: termenv.ANSI256}.Blocks(img, 2, 1)
	if !strings.Contains(out, "38;5;196") || !strings.Contains(out, "48;5;21") {
		t.Errorf("256 colours: %q, want red 196 over blue 21", out)
	}
	if out := (Painter{Profile: termenv.Ascii}).Blocks(img, 2, 1); out != "" {
		t.Errorf("Ascii profile drew %q", out)
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct{ w, h, mc, mr, cols, rows int }{
		{1280, 720, 40, 100, 40, 11}, // 16:9 in 40 columns: 40×22.5 pixels
		{1280, 720, 200, 12, 43, 12}, // limited by rows: 24 pixels high → 42.7 wide
		{720, 1280, 100, 12, 14, 12}, // portrait
		{10, 10, 0, 5, 0, 0},
	} {
		cols, rows := Fit(c.w, c.h, c.mc, c.mr)
		if cols != c.cols || rows != c.rows {
			t.Errorf("Fit(%d×%d in %d×%d) = %d×%d, want %d×%d", c.w, c.h, c.mc, c.mr, cols, rows, c.cols, c.rows)
		}
	}
}

func TestScaleAverages(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	img.SetNRGBA(0, 0, color.NRGBA{200, 0, 0, 255})
	img.SetNRGBA(1, 0, color.NRGBA{0, 200, 0, 255})
	img.SetNRGBA(0, 1, color.NRGBA{0, 0, 200, 255})
	img.SetNRGBA(1, 1, color.NRGBA{0, 0, 0, 255})
	if got := Scale(img, 1, 1).NRGBAAt(0, 0); got != (color.NRGBA{50, 50, 50, 255}) {
		t.Errorf("average %v, want 50,50,50", got)
	}
	if got := Scale(img, 4, 4).NRGBAAt(3, 0); got != (color.NRGBA{0, 200, 0, 255}) {
		t.Errorf("enlarged %v, want the pixel repeated", got)
	}
}

// Side by side, each half is exactly its frame; a taller one is scaled to
// the other's height.
func TestSideBySide(t *testing.T) {
	a, b := bands(6, 2, red, green), bands(4, 2, blue, white)
	out := SideBySide(0, a, b)
	if out.Rect.Dx() != 10 || out.Rect.Dy() != 4 {
		t.Fatalf("size %v", out.Rect)
	}
	for y := range 4 {
		for x := range 10 {
			var want color.Color
			if x < 6 {
				want = a.At(x, y)
			} else {
				want = b.At(x-6, y)
			}
			if out.At(x, y) != want {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, out.At(x, y), want)
			}
		}
	}
	tall := SideBySide(2, bands(4, 4, red, green), b)
	if tall.Rect.Dx() != 2+2+4 || tall.Rect.Dy() != 4 {
		t.Errorf("scaled size %v, want 8×4", tall.Rect)
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Protocol
	}{
		{map[string]string{"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, Kitty},
		{map[string]string{"TERM": "xterm-ghostty"}, Kitty},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, ITerm2},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, ITerm2},
		{map[string]string{"TERM": "foot"}, Sixel},
		{map[string]string{"TERM": "xterm-256color"}, Blocks},
		{map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/x", "KITTY_WINDOW_ID": "1"}, Blocks},
		{map[string]string{"TERM": "screen"}, Blocks},
		{map[string]string{"TERM": "xterm-kitty", "NO_COLOR": "1"}, Plain},
		{map[string]string{"TERM": "dumb"}, Plain},
		{map[string]string{}, Plain},
		{map[string]string{"TERM": "xterm", "VEOX_GRAPHICS": "sixel"}, Sixel},
		{map[string]string{"TERM": "xterm-kitty", "VEOX_GRAPHICS": "blocks"}, Blocks},
	} {
		if got := Detect(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("Detect(%v) = %v, want %v", c.env, got, c.want)
		}
	}
}

// The graphics protocols carry the picture itself: decoded back, its
// pixels are the frame's.
func TestKittyAndITerm2CarryThePicture(t *testing.T) {
	img := bands(30, 10, red, green, blue)
	var k bytes.Buffer
	if err := Write(&k, Kitty, Painter{}, img, 10, 3); err != nil {
		t.Fatal(err)
	}
	var payload strings.Builder
	for _, m := range regexp.MustCompile(`\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\`).FindAllStringSubmatch(k.String(), -1) {
		payload.WriteString(m[2])
	}
	if !strings.Contains(k.String(), "c=10") || !strings.Contains(k.String(), "r=3") {
		t.Errorf("kitty placement lacks its cells: %q", k.String()[:60])
	}
	samePixels(t, "kitty", decodeB64PNG(t, payload.String()), img)

	var i bytes.Buffer
	if err := Write(&i, ITerm2, Painter{}, img, 10, 3); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\x1b\]1337;File=([^:]*):([^\x07]*)\x07`).FindStringSubmatch(i.String())
	if m == nil || !strings.Contains(m[1], "inline=1") || !strings.Contains(m[1], "width=10") {
		t.Fatalf("iTerm2 sequence %q", i.String())
	}
	samePixels(t, "iterm2", decodeB64PNG(t, m[2]), img)
}

func decodeB64PNG(t *testing.T, s string) image.Image {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func samePixels(t *testing.T, what string, got, want image.Image) {
	t.Helper()
	if got.Bounds().Size() != want.Bounds().Size() {
		t.Fatalf("%s: size %v, want %v", what, got.Bounds(), want.Bounds())
	}
	for y := range want.Bounds().Dy() {
		for x := range want.Bounds().Dx() {
			g := color.NRGBAModel.Convert(got.At(x, y))
			if g != want.At(x, y) {
				t.Fatalf("%s: pixel %d,%d = %v, want %v", what, x, y, g, want.At(x, y))
			}
		}
	}
}

// Sixel data played back (a small decoder below) shows the bands in the
// palette's nearest colours.
func TestSixelCarriesThePicture(t *testing.T) {
	img := bands(12, 7, red, green, blue) // bands that straddle the six-row bands
	var s bytes.Buffer
	if err := Write(&s, Sixel, Painter{}, img, 10, 3); err != nil {
		t.Fatal(err)
	}
	out := s.String()
	if !strings.HasPrefix(out, "\x1bP0;1q") || !strings.HasSuffix(out, "\x1b\\\n") {
		t.Fatalf("sixel framing %q", out)
	}
	got := decodeSixel(t, strings.TrimSuffix(strings.TrimPrefix(out, "\x1bP0;1q"), "\x1b\\\n"), 12, 21)
	for y := range 21 {
		for x := range 12 {
			if want := img.NRGBAAt(x, y); got[y][x] != rgb3(want) {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, got[y][x], want)
			}
		}
	}
}

// decodeSixel is the little of sixel the encoder writes: raster size,
// palette (percent RGB), colour choice, data, repeats, $ and -.
func decodeSixel(t *testing.T, s string, w, h int) [][][3]uint8 {
	t.Helper()
	grid := make([][][3]uint8, h)
	for i := range grid {
		grid[i] = make([][3]uint8, w)
	}
	pal := map[int][3]uint8{}
	cur, x, band := 0, 0, 0
	num := func(i int) (int, int) {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(s[i:j])
		return n, j
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '"':
			i++
			for i < len(s) && (s[i] == ';' || (s[i] >= '0' && s[i] <= '9')) {
				i++
			}
		case c == '#':
			n, j := num(i + 1)
			if j < len(s) && s[j] == ';' { // a colour definition
				_, j = num(j + 1) // 2 = RGB
				r, j2 := num(j + 1)
				g, j3 := num(j2 + 1)
				b, j4 := num(j3 + 1)
				pal[n] = [3]uint8{uint8(r * 255 / 100), uint8(g * 255 / 100), uint8(b * 255 / 100)}
				j = j4
			}
			cur, i = n, j
		case c == '$':
			x, i = 0, i+1
		case c == '-':
			x, band, i = 0, band+1, i+1
		case c == '!':
			n, j := num(i + 1)
			for range n {
				paint(grid, pal[cur], x, band, s[j])
				x++
			}
			i = j + 1
		case c >= 63 && c <= 126:
			paint(grid, pal[cur], x, band, c)
			x, i = x+1, i+1
		default:
			t.Fatalf("unexpected %q at %d", c, i)
		}
	}
	return grid
}

func paint(grid [][][3]uint8, c [3]uint8, x, band int, ch byte) {
	bits := ch - 63
	for k := range 6 {
		if y := band*6 + k; bits&(1<<k) != 0 && y < len(grid) && x < len(grid[y]) {
			grid[y][x] = c
		}
	}
}

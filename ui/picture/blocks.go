package picture

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/muesli/termenv"
)

// Painter draws half-blocks in the colours the terminal has: 24-bit,
// 256 or 16 colours. Under the Ascii profile (NO_COLOR, a dumb terminal)
// there is nothing to draw with: callers show a line of words instead.
type Painter struct {
	Profile termenv.Profile
}

// CanDraw: the terminal has colours to draw pictures with.
func (p Painter) CanDraw() bool { return p.Profile != termenv.Ascii }

// Blocks draws img in cols×rows cells, one line per row, each line ending
// with a reset so nothing bleeds into what follows. Under the Ascii
// profile it is "".
func (p Painter) Blocks(img image.Image, cols, rows int) string {
	if !p.CanDraw() || cols <= 0 || rows <= 0 {
		return ""
	}
	px := Scale(img, cols, 2*rows)
	seq := p.palette()
	var b strings.Builder
	b.Grow(rows * cols * 24)
	for r := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		var fg, bg [3]uint8
		for c := range cols {
			top, bot := at(px, c, 2*r), at(px, c, 2*r+1)
			// Only what changed is said again: a run of one colour, or a
			// row whose top or bottom holds still, costs a glyph a cell.
			switch newFG, newBG := c == 0 || top != fg, c == 0 || bot != bg; {
			case newFG && newBG:
				b.WriteString("\x1b[" + seq(top, false) + ";" + seq(bot, true) + "m")
			case newFG:
				b.WriteString("\x1b[" + seq(top, false) + "m")
			case newBG:
				b.WriteString("\x1b[" + seq(bot, true) + "m")
			}
			fg, bg = top, bot
			b.WriteString("▀")
		}
		b.WriteString("\x1b[0m")
	}
	return b.String()
}

func at(img *image.NRGBA, x, y int) [3]uint8 {
	o := img.PixOffset(x, y)
	return [3]uint8{img.Pix[o], img.Pix[o+1], img.Pix[o+2]}
}

// palette is the SGR parameters of a colour, as foreground or background.
// Below 24 bits termenv picks the nearest colour; the answers are kept,
// since a frame repeats its colours.
func (p Painter) palette() func(c [3]uint8, bg bool) string {
	if p.Profile == termenv.TrueColor {
		return func(c [3]uint8, bg bool) string {
			buf := make([]byte, 0, 19)
			if bg {
				buf = append(buf, "48;2;"...)
			} else {
				buf = append(buf, "38;2;"...)
			}
			buf = strconv.AppendUint(buf, uint64(c[0]), 10)
			buf = append(buf, ';')
			buf = strconv.AppendUint(buf, uint64(c[1]), 10)
			buf = append(buf, ';')
			buf = strconv.AppendUint(buf, uint64(c[2]), 10)
			return string(buf)
		}
	}
	memo := map[[3]uint8]termenv.Color{}
	return func(c [3]uint8, bg bool) string {
		col, ok := memo[c]
		if !ok {
			col = p.Profile.Convert(termenv.RGBColor(fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])))
			memo[c] = col
		}
		return col.Sequence(bg)
	}
}

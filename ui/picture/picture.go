// Package picture draws frames in a terminal: as half-block characters (▀,
// the top pixel in the foreground colour, the bottom one in the
// background), which every colour terminal shows and Bubble Tea's
// line-by-line renderer redraws like any text; or, for headless output to
// a terminal that has one, through its graphics protocol (kitty, iTerm2,
// sixel). It also scales and puts frames side by side for PNG files.
//
// The TUI uses half-blocks only: Bubble Tea v1 diffs and rewrites lines, and
// an image a graphics protocol placed is not a line it knows, so it would
// stay on screen over whatever is drawn next, or vanish on a redraw. Inside
// tmux the protocols need passthrough that is off by default, so there,
// too, half-blocks are what works.
package picture

import (
	"image"
	"image/draw"
)

// Fit is the cells a w×h picture takes in half-blocks, as large as fits in
// maxCols×maxRows, its aspect kept: a cell is one pixel wide and two high,
// and a terminal cell is about twice as high as wide, so pixels come out
// square.
func Fit(w, h, maxCols, maxRows int) (cols, rows int) {
	if w <= 0 || h <= 0 || maxCols <= 0 || maxRows <= 0 {
		return 0, 0
	}
	cols = maxCols
	rows = (cols*h + w) / (2 * w) // rounded
	if rows > maxRows {
		rows = maxRows
		cols = min(maxCols, (2*rows*w+h/2)/h)
	}
	return max(cols, 1), max(rows, 1)
}

// Scale resizes img to w×h by averaging the pixels each new one covers
// (enlarging repeats them). Frames are scaled down to a terminal's cells,
// where averaging keeps thin lines and small text from flickering away.
func Scale(img image.Image, w, h int) *image.NRGBA {
	src := nrgba(img)
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if w <= 0 || h <= 0 || sw == 0 || sh == 0 {
		return out
	}
	for dy := range h {
		y0, y1 := span(dy, h, sh)
		for dx := range w {
			x0, x1 := span(dx, w, sw)
			var r, g, b, a, n uint32
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r, g, b, a = r+uint32(row[i]), g+uint32(row[i+1]), b+uint32(row[i+2]), a+uint32(row[i+3])
					n++
				}
			}
			o := out.PixOffset(dx, dy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] =
				uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((b+n/2)/n), uint8((a+n/2)/n)
		}
	}
	return out
}

// span is the source pixels [lo, hi) that destination pixel i of n covers
// in a line of m; at least one.
func span(i, n, m int) (int, int) {
	lo := i * m / n
	hi := (i + 1) * m / n
	return lo, max(hi, lo+1)
}

// nrgba is img as NRGBA at the origin, converted only when it is not.
func nrgba(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return n
}

// SideBySide puts pictures in a row at the height of the lowest, each
// scaled with its aspect kept, gap pixels apart (black). With no gap and
// frames of one size, each half is exactly its frame.
func SideBySide(gap int, imgs ...image.Image) *image.NRGBA {
	h := 0
	for _, img := range imgs {
		if dy := img.Bounds().Dy(); h == 0 || dy < h {
			h = dy
		}
	}
	var parts []*image.NRGBA
	w := 0
	for i, img := range imgs {
		b := img.Bounds()
		p := nrgba(img)
		if b.Dy() != h {
			p = Scale(img, max(1, (b.Dx()*h+b.Dy()/2)/b.Dy()), h)
		}
		parts = append(parts, p)
		w += p.Rect.Dx()
		if i > 0 {
			w += gap
		}
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Rect, image.Black, image.Point{}, draw.Src)
	x := 0
	for _, p := range parts {
		draw.Draw(out, image.Rect(x, 0, x+p.Rect.Dx(), h), p, image.Point{}, draw.Src)
		x += p.Rect.Dx() + gap
	}
	return out
}

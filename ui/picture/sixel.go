package picture

import (
	"image"
	"strconv"
	"strings"
)

// sixelPayload encodes img as sixel data (what goes between DCS q and ST):
// the size, a palette of the colours used from a 6×6×6 cube, then each
// band of six rows, one pass per colour, runs of a character compressed
// (!n). The cube is coarse but needs no quantiser (x/ansi's sixel encoder
// would bring a dependency for that), and a preview does not need more.
func sixelPayload(img *image.NRGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	idx := make([]uint8, w*h)
	var used [216]bool
	for y := range h {
		for x := range w {
			c := at(img, x, y)
			i := cube(c[0])*36 + cube(c[1])*6 + cube(c[2])
			idx[y*w+x], used[i] = i, true
		}
	}
	var b strings.Builder
	b.WriteString(`"1;1;` + strconv.Itoa(w) + ";" + strconv.Itoa(h))
	for i, u := range used {
		if u {
			r, g, bl := i/36, i/6%6, i%6
			b.WriteString("#" + strconv.Itoa(i) + ";2;" + strconv.Itoa(r*20) + ";" + strconv.Itoa(g*20) + ";" + strconv.Itoa(bl*20))
		}
	}
	for y0 := 0; y0 < h; y0 += 6 {
		var inBand [216]bool
		for k := 0; k < 6 && y0+k < h; k++ {
			for _, i := range idx[(y0+k)*w : (y0+k+1)*w] {
				inBand[i] = true
			}
		}
		first := true
		for c, u := range inBand {
			if !u {
				continue
			}
			if !first {
				b.WriteByte('$') // back to the band's start for the next colour
			}
			first = false
			b.WriteString("#" + strconv.Itoa(c))
			run, runLen := byte(0), 0
			for x := range w {
				bits := byte(0)
				for k := 0; k < 6 && y0+k < h; k++ {
					if idx[(y0+k)*w+x] == uint8(c) {
						bits |= 1 << k
					}
				}
				ch := 63 + bits
				if ch == run {
					runLen++
					continue
				}
				writeRun(&b, run, runLen)
				run, runLen = ch, 1
			}
			writeRun(&b, run, runLen)
		}
		b.WriteByte('-')
	}
	return []byte(b.String())
}

// cube is a channel's step of six (0–5).
func cube(v uint8) uint8 { return uint8((int(v)*5 + 127) / 255) }

func writeRun(b *strings.Builder, ch byte, n int) {
	switch {
	case n <= 0:
	case n > 3:
		b.WriteString("!" + strconv.Itoa(n))
		b.WriteByte(ch)
	default:
		b.WriteString(strings.Repeat(string(ch), n))
	}
}

package format

import (
	"math"
	"strings"
	"time"
)

// Charts drawn with block characters: they read the same with or without
// colour (NO_COLOR), in any terminal font that has the block elements.

var eighths = []rune{'▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'}

// Bar is a horizontal bar of at most width cells for v out of top, in
// eighths of a cell; a value above zero always shows at least a sliver.
func Bar(v, top float64, width int) string {
	if v <= 0 || top <= 0 || width <= 0 {
		return ""
	}
	n := int(math.Round(math.Min(v/top, 1) * float64(width*8)))
	n = max(n, 1)
	s := strings.Repeat("█", n/8)
	if r := n % 8; r > 0 {
		s += string(eighths[r-1])
	}
	return s
}

var levels = []rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Sparkline draws one cell per value, its height between the lowest and
// highest value given; NaN (no value) is a blank. A flat series sits in
// the middle.
func Sparkline(vals []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v):
			b.WriteByte(' ')
		case hi == lo:
			b.WriteRune(levels[3])
		default:
			b.WriteRune(levels[int(math.Round((v-lo)/(hi-lo)*float64(len(levels)-1)))])
		}
	}
	return b.String()
}

// Steps samples a series of readings (times ascending) at n evenly spaced
// moments from from to to, both included: each shows the last reading
// made by then, so a balance holds its value until the next reading, the
// first cell is the value at from and the last the value at to (the ends
// a caption names). Moments before the first reading are NaN.
func Steps(at []time.Time, vals []float64, from, to time.Time, n int) []float64 {
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	span := to.Sub(from)
	j, cur := 0, math.NaN()
	for i := range out {
		when := to
		if n > 1 && i < n-1 {
			when = from.Add(time.Duration(float64(span) * float64(i) / float64(n-1)))
		}
		for j < len(at) && !at[j].After(when) {
			cur = vals[j]
			j++
		}
		out[i] = cur
	}
	return out
}

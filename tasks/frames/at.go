package frames

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// At is which frame of a video: the first, the last, the first shown at or
// after a time, or the last shown before one (the frame before a seam).
type At struct {
	kind atKind
	t    time.Duration
}

type atKind int

const (
	atFirst atKind = iota
	atLast
	atTime
	atBefore
)

// First is a video's first frame.
func First() At { return At{kind: atFirst} }

// Last is a video's last frame.
func Last() At { return At{kind: atLast} }

// Time is the first frame shown at or after d.
func Time(d time.Duration) At {
	if d <= 0 {
		return First()
	}
	return At{kind: atTime, t: d}
}

// Before is the last frame shown before d: the source's side of a seam
// inside a stitched video.
func Before(d time.Duration) At { return At{kind: atBefore, t: max(d, 0)} }

// ParseAt reads first, last or a time in seconds ("8", "7.5", "8s"), as
// 'veox frames --at' takes them.
func ParseAt(s string) (At, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "first", "start":
		return First(), nil
	case "last", "end":
		return Last(), nil
	default:
		secs, err := strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
		if err != nil || secs < 0 || secs > 24*3600 || secs != secs {
			return At{}, fmt.Errorf("%q is not a frame: give first, last or a time in seconds such as 7.5", s)
		}
		return Time(time.Duration(secs * float64(time.Second))), nil
	}
}

// String names the frame for people: "first", "last", "8.000 s",
// "before 8.000 s".
func (a At) String() string {
	switch a.kind {
	case atLast:
		return "last"
	case atTime:
		return fmt.Sprintf("%.3f s", a.t.Seconds())
	case atBefore:
		return fmt.Sprintf("before %.3f s", a.t.Seconds())
	}
	return "first"
}

// Seconds is the time asked for (0 for first and last).
func (a At) Seconds() float64 { return a.t.Seconds() }

// key names the frame in the cache: microseconds are finer than any frame.
func (a At) key() string {
	switch a.kind {
	case atLast:
		return "last"
	case atTime:
		return "t" + strconv.FormatInt(a.t.Microseconds(), 10)
	case atBefore:
		return "b" + strconv.FormatInt(a.t.Microseconds(), 10)
	}
	return "first"
}

// Size is the box a frame is scaled into, its aspect kept; the zero Size is
// the frame as encoded.
type Size struct{ W, H int }

// Preview is what the terminal draws from: big enough for any half-block
// picture (two pixels a cell), small enough to decode and keep cheaply.
var Preview = Size{W: 480, H: 480}

// Full is the frame as encoded, for PNG files.
var Full = Size{}

func (s Size) key() string {
	if s.W <= 0 || s.H <= 0 {
		return "full"
	}
	return fmt.Sprintf("%dx%d", s.W, s.H)
}

// fit is the size a w×h frame gets in the box: never larger than it is,
// never 0, the aspect kept.
func (s Size) fit(w, h int) (int, int) {
	if s.W <= 0 || s.H <= 0 || (w <= s.W && h <= s.H) {
		return w, h
	}
	if w*s.H >= h*s.W { // wider than the box
		return s.W, max(1, (h*s.W+w/2)/w)
	}
	return max(1, (w*s.H+h/2)/h), s.H
}

// Package mp4 checks that a file is a complete, structurally sound MP4 and
// reads the few facts veox shows (duration, frame size, tracks).
//
// It is a box walk of our own because no MP4 library is available to the
// project. It reads only fixed-size headers through io.ReaderAt, so a
// hostile or truncated file can neither make it allocate by a size it
// claims nor make it loop: every box is at least 8 bytes, nesting and box
// counts are capped.
package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ErrInvalid matches (errors.Is) every *FormatError, so callers can tell
// "not an MP4" from an I/O failure of the reader.
var ErrInvalid = errors.New("invalid MP4")

// FormatError says what is wrong with the file's structure, in words a
// user can act on ("no moov box", "box 'mdat' runs past the end of the
// file (truncated download?)").
type FormatError struct{ Reason string }

func (e *FormatError) Error() string        { return "invalid MP4: " + e.Reason }
func (e *FormatError) Is(target error) bool { return target == ErrInvalid }

// Info is what Inspect learns about a file.
type Info struct {
	Duration      time.Duration // from mvhd; 0 if the file does not say
	Width, Height int           // of the first video track (tkhd), 0 if none
	Brand         string        // ftyp major brand, e.g. "isom"
	HasVideo      bool
	HasAudio      bool
}

const (
	// maxDepth bounds recursion; moov/trak/mdia is all we descend into, so
	// anything deeper is malformed.
	maxDepth = 4
	// maxBoxes bounds the work on a file made of millions of tiny boxes.
	// Real files have a handful of top-level boxes and a few dozen in moov.
	maxBoxes = 100000
)

// box is one parsed header: where the box starts, its payload and its end.
type box struct {
	typ     string
	start   int64 // offset of the header
	payload int64 // offset of the payload
	end     int64 // offset one past the box
}

// walker carries the reader and the box budget through one Inspect call.
type walker struct {
	r     io.ReaderAt
	boxes int
	info  Info
}

// Inspect walks the boxes of a file of the given size. It fails unless the
// first box is ftyp, the top-level boxes add up to exactly size, and both
// moov and mdat are present.
func Inspect(r io.ReaderAt, size int64) (Info, error) {
	if size < 8 {
		return Info{}, invalidf("the file is %d bytes, too short for an MP4", size)
	}
	w := &walker{r: r}
	if err := w.startsWithFtyp(); err != nil {
		return Info{}, err
	}
	var sawMoov, sawMdat bool
	for off, i := int64(0), 0; off < size; i++ {
		b, err := w.header(off, size, "the file")
		if err != nil {
			return Info{}, err
		}
		switch b.typ {
		case "ftyp":
			if err := w.ftyp(b, i); err != nil {
				return Info{}, err
			}
		case "moov":
			if sawMoov {
				return Info{}, invalidf("more than one moov box")
			}
			sawMoov = true
			if err := w.moov(b); err != nil {
				return Info{}, err
			}
		case "mdat":
			sawMdat = true
		}
		off = b.end
	}
	if !sawMoov {
		return Info{}, invalidf("no moov box")
	}
	if !sawMdat {
		return Info{}, invalidf("no mdat box")
	}
	return w.info, nil
}

// startsWithFtyp is checked before any size so that an HTML error page or
// other garbage is reported as such, not as a box with an odd size.
func (w *walker) startsWithFtyp() error {
	var h [8]byte
	if err := w.read(h[:], 0); err != nil {
		return err
	}
	if t := typeName(h[4:]); t != "ftyp" {
		return invalidf("the file starts with '%s', not an 'ftyp' box", typeName(h[:4])+t)
	}
	return nil
}

// header reads the box header at off. limit is the end of the enclosing
// box (or the file) and parent names it for the error message.
func (w *walker) header(off, limit int64, parent string) (box, error) {
	if w.boxes++; w.boxes > maxBoxes {
		return box{}, invalidf("more than %d boxes", maxBoxes)
	}
	if limit-off < 8 {
		return box{}, invalidf("%d stray bytes at the end of %s", limit-off, parent)
	}
	var h [16]byte
	if err := w.read(h[:8], off); err != nil {
		return box{}, err
	}
	b := box{typ: typeName(h[4:8]), start: off, payload: off + 8}
	switch size := int64(binary.BigEndian.Uint32(h[:4])); size {
	case 0: // the box runs to the end of its container
		b.end = limit
	case 1: // a 64-bit largesize follows the type
		if err := w.largesize(&b, h[8:16], limit, parent); err != nil {
			return box{}, err
		}
	default:
		if size < 8 {
			return box{}, invalidf("box '%s' at offset %d claims %d bytes, less than its header", b.typ, off, size)
		}
		b.end = off + size
	}
	if b.end > limit {
		return box{}, pastEnd(b, parent)
	}
	return b, nil
}

// largesize fills in b.end from the 64-bit size after the compact header.
func (w *walker) largesize(b *box, buf []byte, limit int64, parent string) error {
	if limit-b.start < 16 {
		return pastEnd(*b, parent)
	}
	if err := w.read(buf, b.start+8); err != nil {
		return err
	}
	size := binary.BigEndian.Uint64(buf)
	if size < 16 {
		return invalidf("box '%s' at offset %d claims %d bytes, less than its header", b.typ, b.start, size)
	}
	if size > uint64(limit-b.start) {
		return pastEnd(*b, parent)
	}
	b.payload = b.start + 16
	b.end = b.start + int64(size)
	return nil
}

func pastEnd(b box, parent string) error {
	if parent == "the file" {
		return invalidf("box '%s' runs past the end of the file (truncated download?)", b.typ)
	}
	return invalidf("box '%s' runs past the end of %s", b.typ, parent)
}

// ftyp checks the file-type box and keeps the major brand.
func (w *walker) ftyp(b box, index int) error {
	if index != 0 {
		return invalidf("a second ftyp box")
	}
	if b.end-b.payload < 8 {
		return invalidf("ftyp box too short")
	}
	var brand [4]byte
	if err := w.read(brand[:], b.payload); err != nil {
		return err
	}
	w.info.Brand = typeName(brand[:])
	return nil
}

// children calls fn for each box inside parent, checking that they tile
// the parent's payload exactly.
func (w *walker) children(parent box, depth int, fn func(box, int) error) error {
	if depth > maxDepth {
		return invalidf("boxes nested too deep")
	}
	name := fmt.Sprintf("box '%s'", parent.typ)
	for off := parent.payload; off < parent.end; {
		b, err := w.header(off, parent.end, name)
		if err != nil {
			return err
		}
		if err := fn(b, depth+1); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

func (w *walker) moov(b box) error {
	var sawMvhd bool
	err := w.children(b, 1, func(c box, depth int) error {
		switch c.typ {
		case "mvhd":
			sawMvhd = true
			return w.mvhd(c)
		case "trak":
			return w.trak(c, depth)
		}
		return nil
	})
	if err == nil && !sawMvhd {
		return invalidf("no mvhd box in moov")
	}
	return err
}

// mvhd reads the movie timescale and duration (version 0: 32-bit times,
// version 1: 64-bit).
func (w *walker) mvhd(b box) error {
	var h [32]byte
	n := int64(20)
	if err := w.read(h[:1], b.payload); err != nil {
		return err
	}
	version := h[0]
	if version == 1 {
		n = 32
	} else if version != 0 {
		return invalidf("mvhd version %d is unknown", version)
	}
	if b.end-b.payload < n {
		return invalidf("mvhd box too short")
	}
	if err := w.read(h[:n], b.payload); err != nil {
		return err
	}
	var scale, dur uint64
	if version == 1 {
		scale = uint64(binary.BigEndian.Uint32(h[20:24]))
		dur = binary.BigEndian.Uint64(h[24:32])
	} else {
		scale = uint64(binary.BigEndian.Uint32(h[12:16]))
		dur = uint64(binary.BigEndian.Uint32(h[16:20]))
	}
	if scale == 0 {
		return invalidf("mvhd timescale is 0")
	}
	w.info.Duration = toDuration(dur, scale, version)
	return nil
}

// toDuration converts ticks of 1/scale seconds without overflowing; the
// all-ones value means "unknown" in both versions.
func toDuration(ticks, scale uint64, version byte) time.Duration {
	if (version == 0 && ticks == math.MaxUint32) || ticks == math.MaxUint64 {
		return 0
	}
	secs, rem := ticks/scale, ticks%scale
	if secs > uint64(math.MaxInt64/int64(time.Second))-1 {
		return time.Duration(math.MaxInt64)
	}
	frac := float64(rem) / float64(scale) * float64(time.Second)
	return time.Duration(secs)*time.Second + time.Duration(frac)
}

// trak reads one track: its frame size from tkhd and its kind from
// mdia/hdlr. Only the first video track sets Width and Height.
func (w *walker) trak(b box, depth int) error {
	var width, height int
	var handler string
	err := w.children(b, depth, func(c box, depth int) error {
		switch c.typ {
		case "tkhd":
			var err error
			width, height, err = w.tkhd(c)
			return err
		case "mdia":
			return w.children(c, depth, func(m box, _ int) error {
				if m.typ != "hdlr" {
					return nil
				}
				var err error
				handler, err = w.hdlr(m)
				return err
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch handler {
	case "vide":
		if !w.info.HasVideo {
			w.info.Width, w.info.Height = width, height
		}
		w.info.HasVideo = true
	case "soun":
		w.info.HasAudio = true
	}
	return nil
}

// tkhd returns the track's width and height, stored as 16.16 fixed point
// at the end of the box (offset 76 in version 0, 88 in version 1).
func (w *walker) tkhd(b box) (int, int, error) {
	var v [1]byte
	if err := w.read(v[:], b.payload); err != nil {
		return 0, 0, err
	}
	off := int64(76)
	switch v[0] {
	case 0:
	case 1:
		off = 88
	default:
		return 0, 0, invalidf("tkhd version %d is unknown", v[0])
	}
	if b.end-b.payload < off+8 {
		return 0, 0, invalidf("tkhd box too short")
	}
	var wh [8]byte
	if err := w.read(wh[:], b.payload+off); err != nil {
		return 0, 0, err
	}
	return int(binary.BigEndian.Uint32(wh[:4]) >> 16), int(binary.BigEndian.Uint32(wh[4:]) >> 16), nil
}

// hdlr returns the handler type ("vide", "soun", …), after 4 bytes of
// version/flags and 4 of pre_defined.
func (w *walker) hdlr(b box) (string, error) {
	if b.end-b.payload < 12 {
		return "", invalidf("hdlr box too short")
	}
	var t [4]byte
	if err := w.read(t[:], b.payload+8); err != nil {
		return "", err
	}
	return typeName(t[:]), nil
}

// read fills p from off. A short read inside bounds we already checked
// means the reader is smaller than the size we were given.
func (w *walker) read(p []byte, off int64) error {
	n, err := w.r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return invalidf("the file ends at offset %d, before the size it was said to have", off+int64(n))
	}
	return fmt.Errorf("mp4: reading at offset %d: %w", off, err)
}

// typeName makes a four-character code printable for messages: anything
// outside printable ASCII becomes '?', so file bytes never reach a terminal.
func typeName(b []byte) string {
	var s [4]byte
	for i := range s {
		s[i] = '?'
		if i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
			s[i] = b[i]
		}
	}
	return string(s[:])
}

func invalidf(format string, args ...any) error {
	return &FormatError{Reason: fmt.Sprintf(format, args...)}
}

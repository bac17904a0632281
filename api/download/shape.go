package download

import (
	"encoding/binary"
	"fmt"
)

// shape follows the top-level box headers of a body as it arrives, so a
// body that cannot be an MP4 (an error page, an endless stream of junk) is
// stopped at its first bytes, and a box claiming more than the host
// announced (or the cap) is stopped at its header, instead of after
// gigabytes. It is a first line only: the whole file is checked with mp4
// before it takes its final name.
type shape struct {
	seen  int64    // bytes fed so far
	next  int64    // offset of the next header; -1 once a box runs to the end
	hdr   [16]byte // the header being collected
	hn    int      // bytes of it collected
	limit int64    // where every box must end by
	// announced: limit is the length the host announced (else the cap).
	announced bool
}

func newShape(limit int64) shape { return shape{limit: limit} }

// Write feeds body bytes in order; the error wraps ErrNotMP4 or
// ErrTooLarge.
func (s *shape) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 && s.next >= 0 {
		if s.seen < s.next { // inside a box: skip to its end
			k := min(int64(len(b)), s.next-s.seen)
			s.seen, b = s.seen+k, b[k:]
			continue
		}
		k := copy(s.hdr[s.hn:s.want()], b) // at a header: collect it
		s.hn, s.seen, b = s.hn+k, s.seen+int64(k), b[k:]
		if s.hn < s.want() {
			continue
		}
		if err := s.box(); err != nil {
			return 0, err
		}
	}
	s.seen += int64(len(b)) // the rest of a box that runs to the end
	return n, nil
}

// want is how many header bytes the current header needs: 8, or 16 when
// its size field says a 64-bit size follows.
func (s *shape) want() int {
	if s.hn >= 8 && binary.BigEndian.Uint32(s.hdr[:4]) == 1 {
		return 16
	}
	return 8
}

// box checks the collected header of the box at s.next and moves s.next
// to its end.
func (s *shape) box() error {
	start := s.next
	typ := typeName(s.hdr[4:8])
	if start == 0 && typ != "ftyp" {
		return fmt.Errorf("%w: the host's body starts with '%s', not an MP4's 'ftyp' box", ErrNotMP4, typeName(s.hdr[:4])+typ)
	}
	size := int64(binary.BigEndian.Uint32(s.hdr[:4]))
	switch size {
	case 0:
		s.next, s.hn = -1, 0
		return nil
	case 1:
		large := binary.BigEndian.Uint64(s.hdr[8:16])
		if large < 16 {
			return tooSmall(typ, start, large)
		}
		if large > uint64(s.limit-start) {
			return s.tooBig(typ, start, large)
		}
		size = int64(large)
	default:
		if size < 8 {
			return tooSmall(typ, start, uint64(size))
		}
	}
	if start+size > s.limit {
		return s.tooBig(typ, start, uint64(size))
	}
	s.next, s.hn = start+size, 0
	return nil
}

func tooSmall(typ string, at int64, size uint64) error {
	return fmt.Errorf("%w: box '%s' at byte %d claims %d bytes, less than its header", ErrNotMP4, typ, at, size)
}

// tooBig: a box ends past the announced length (the file's boxes and the
// host disagree: not a whole MP4) or past the cap (junk, or a file larger
// than veox accepts).
func (s *shape) tooBig(typ string, at int64, size uint64) error {
	if s.announced {
		return fmt.Errorf("%w: box '%s' at byte %d claims %d bytes, past the %d bytes the host announced (a truncated file?)", ErrNotMP4, typ, at, size, s.limit)
	}
	return fmt.Errorf("%w: box '%s' at byte %d claims %d bytes, more than the %d veox accepts without an announced length", ErrTooLarge, typ, at, size, s.limit)
}

// typeName makes a four-character code printable: anything outside
// printable ASCII becomes '?', so body bytes never reach a terminal.
func typeName(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = '?'
		if c >= 0x20 && c < 0x7f {
			out[i] = c
		}
	}
	return string(out)
}

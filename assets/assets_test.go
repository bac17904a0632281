package assets

import (
	"encoding/binary"
	"testing"
	"time"
)

// box is one top-level or nested MP4 box.
type box struct {
	typ  string
	body []byte
}

// boxes splits b into its boxes, failing if sizes do not add up: the same
// structural check the client's download verifier relies on.
func boxes(t *testing.T, b []byte) []box {
	t.Helper()
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			t.Fatalf("trailing %d bytes", len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b))
		hdr := uint64(8)
		if size == 1 {
			size = binary.BigEndian.Uint64(b[8:])
			hdr = 16
		}
		if size < hdr || size > uint64(len(b)) {
			t.Fatalf("box %q size %d exceeds %d", b[4:8], size, len(b))
		}
		out = append(out, box{string(b[4:8]), b[hdr:size]})
		b = b[size:]
	}
	return out
}

func find(bs []box, typ string) *box {
	for i := range bs {
		if bs[i].typ == typ {
			return &bs[i]
		}
	}
	return nil
}

// duration reads the movie duration from moov/mvhd.
func duration(t *testing.T, data []byte) time.Duration {
	t.Helper()
	top := boxes(t, data)
	if top[0].typ != "ftyp" {
		t.Fatalf("first box %q, want ftyp", top[0].typ)
	}
	moov := find(top, "moov")
	if moov == nil || find(top, "mdat") == nil {
		t.Fatal("moov or mdat missing")
	}
	mvhd := find(boxes(t, moov.body), "mvhd")
	if mvhd == nil {
		t.Fatal("mvhd missing")
	}
	b := mvhd.body
	var scale, dur uint64
	if b[0] == 1 { // version 1: 64-bit times
		scale = uint64(binary.BigEndian.Uint32(b[20:]))
		dur = binary.BigEndian.Uint64(b[24:])
	} else {
		scale = uint64(binary.BigEndian.Uint32(b[12:]))
		dur = uint64(binary.BigEndian.Uint32(b[16:]))
	}
	return time.Duration(dur * uint64(time.Second) / scale)
}

func TestClipsAreSmallValidMP4s(t *testing.T) {
	names := Clips()
	if len(names) != 5 {
		t.Fatalf("Clips() = %v, want 5 clips", names)
	}
	total := 0
	for _, n := range names {
		data, err := Clip(n)
		if err != nil {
			t.Fatal(err)
		}
		total += len(data)
		d := duration(t, data)
		if d < 6*time.Second || d > 25*time.Second {
			t.Errorf("%s lasts %v, want 6–25 s", n, d)
		}
	}
	if total >= 1<<20 {
		t.Errorf("clips total %d bytes, want < 1 MB", total)
	}
}

func TestNamedClipsExist(t *testing.T) {
	want := map[string]time.Duration{
		Source8A: 8 * time.Second, Source8B: 8 * time.Second, Source8C: 8 * time.Second,
		Extended15: 15 * time.Second, Extended22: 22 * time.Second,
	}
	for n, d := range want {
		data, err := Clip(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if got := duration(t, data).Round(time.Second); got != d {
			t.Errorf("%s: %v, want %v", n, got, d)
		}
	}
	if _, err := Clip("nope.mp4"); err == nil {
		t.Error("unknown clip: want error")
	}
}

// Package mp4test builds small synthetic MP4 files for tests, so tests of
// the box walk and of downloads need neither ffmpeg nor checked-in clips.
// The files carry the boxes veox reads (ftyp, moov{mvhd, trak{tkhd,
// mdia{hdlr}}}, mdat); they are not playable.
package mp4test

import (
	"encoding/binary"
	"time"
)

// Options describes the file to build. The zero value gives a 1280x720,
// 8-second, video+audio file with a 1 KiB mdat, moov after mdat.
type Options struct {
	Width, Height int
	Duration      time.Duration
	Timescale     uint32 // default 1000
	NoAudio       bool
	Faststart     bool // moov before mdat
	Version1      bool // 64-bit mvhd and tkhd
	MdatSize      int  // payload bytes, default 1024
	LargeMdat     bool // mdat with a 64-bit largesize header
	MdatToEnd     bool // mdat with size 0 (runs to the end of the file); implies moov first
	Brand         string
	Seed          uint64 // varies the mdat bytes so files differ
}

// Build returns the file described by o.
func Build(o Options) []byte {
	o = defaults(o)
	ftyp := Box("ftyp", []byte(o.Brand), u32(0x200), []byte(o.Brand), []byte("mp41"))
	moov := Box("moov", mvhd(o), trak(o, "vide", o.Width, o.Height))
	if !o.NoAudio {
		moov = Box("moov", mvhd(o), trak(o, "vide", o.Width, o.Height), trak(o, "soun", 0, 0))
	}
	mdat := mdatBox(o)
	if o.Faststart || o.MdatToEnd {
		return concat(ftyp, moov, mdat)
	}
	return concat(ftyp, mdat, moov)
}

func defaults(o Options) Options {
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 1280, 720
	}
	if o.Duration == 0 {
		o.Duration = 8 * time.Second
	}
	if o.Timescale == 0 {
		o.Timescale = 1000
	}
	if o.MdatSize == 0 {
		o.MdatSize = 1024
	}
	if o.Brand == "" {
		o.Brand = "isom"
	}
	return o
}

// Box frames payload parts as one box with a 32-bit size.
func Box(typ string, parts ...[]byte) []byte {
	body := concat(parts...)
	return concat(u32(uint32(8+len(body))), []byte(typ), body)
}

func mdatBox(o Options) []byte {
	payload := Payload(o.MdatSize, o.Seed)
	switch {
	case o.MdatToEnd:
		return concat(u32(0), []byte("mdat"), payload)
	case o.LargeMdat:
		return concat(u32(1), []byte("mdat"), u64(uint64(16+len(payload))), payload)
	}
	return Box("mdat", payload)
}

// Payload returns n deterministic pseudo-random bytes (xorshift), so a
// corrupted or misplaced range shows up in a hash comparison.
func Payload(n int, seed uint64) []byte {
	p := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range p {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		p[i] = byte(x)
	}
	return p
}

func ticks(o Options) uint64 {
	return uint64(o.Duration) * uint64(o.Timescale) / uint64(time.Second)
}

func mvhd(o Options) []byte {
	var head []byte
	if o.Version1 {
		head = concat([]byte{1, 0, 0, 0}, u64(0), u64(0), u32(o.Timescale), u64(ticks(o)))
	} else {
		head = concat([]byte{0, 0, 0, 0}, u32(0), u32(0), u32(o.Timescale), u32(uint32(ticks(o))))
	}
	// rate, volume, reserved, matrix, pre_defined, next_track_ID
	return Box("mvhd", head, u32(0x00010000), []byte{1, 0}, make([]byte, 10), make([]byte, 36), make([]byte, 24), u32(3))
}

func trak(o Options, handler string, w, h int) []byte {
	hdlr := Box("hdlr", u32(0), u32(0), []byte(handler), make([]byte, 12), []byte("h\x00"))
	return Box("trak", tkhd(o, w, h), Box("mdia", Box("mdhd", make([]byte, 24)), hdlr))
}

func tkhd(o Options, w, h int) []byte {
	var head []byte
	if o.Version1 {
		head = concat([]byte{1, 0, 0, 3}, u64(0), u64(0), u32(1), u32(0), u64(ticks(o)))
	} else {
		head = concat([]byte{0, 0, 0, 3}, u32(0), u32(0), u32(1), u32(0), u32(uint32(ticks(o))))
	}
	// reserved, layer, alternate_group, volume, reserved, matrix, width, height (16.16)
	return Box("tkhd", head, make([]byte, 8), make([]byte, 8), make([]byte, 36), u32(uint32(w)<<16), u32(uint32(h)<<16))
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func concat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Package mp4test builds small synthetic MP4 files for tests, so tests of
// the structure check and of downloads need neither ffmpeg nor checked-in
// clips. The files carry the boxes veox reads (ftyp, moov{mvhd, trak{tkhd,
// mdia{mdhd, hdlr, minf{stbl}}}}, mdat) with sample tables that place every
// sample inside the mdat, as an encoder's would; they are not playable.
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
	LargeMdat     bool // mdat with a 64-bit largesize header (and co64 chunk offsets)
	MdatToEnd     bool // mdat with size 0 (runs to the end of the file); implies moov first
	Fragmented    bool // moov without samples, then one moof+mdat per track
	Brand         string
	Seed          uint64 // varies the mdat bytes so files differ
}

// samplesPerChunk groups samples as muxers do, so the tables have more
// than one chunk and a chunk of more than one sample.
const samplesPerChunk = 4

// sampleSize is the size of every sample but a track's last.
const sampleSize = 100

// Build returns the file described by o.
func Build(o Options) []byte {
	o = defaults(o)
	ftyp := Box("ftyp", []byte(o.Brand), u32(0x200), []byte(o.Brand), []byte("mp41"))
	payload := Payload(o.MdatSize, o.Seed)
	tracks := split(o, len(payload))
	if o.Fragmented {
		return fragmented(o, ftyp, payload, tracks)
	}
	hdr := 8
	if o.LargeMdat && !o.MdatToEnd {
		hdr = 16
	}
	// The moov's size does not depend on where the samples are, so build
	// it once to learn where the mdat's payload will start.
	moovLen := len(moov(o, tracks, 0))
	var base int
	if o.Faststart || o.MdatToEnd {
		base = len(ftyp) + moovLen + hdr
	} else {
		base = len(ftyp) + hdr
	}
	mv, mdat := moov(o, tracks, base), mdatBox(o, payload)
	if o.Faststart || o.MdatToEnd {
		return concat(ftyp, mv, mdat)
	}
	return concat(ftyp, mdat, mv)
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

// track is one track's share of the mdat payload: [start, start+len(sizes)…).
type track struct {
	handler string
	start   int // offset of its first sample in the payload
	sizes   []uint32
}

// split gives video the first three quarters of the payload and audio the
// rest (all of it without audio), cut into samples.
func split(o Options, n int) []track {
	video := n
	if !o.NoAudio {
		video = n - n/4
	}
	tr := []track{{handler: "vide", start: 0, sizes: samples(video)}}
	if !o.NoAudio {
		tr = append(tr, track{handler: "soun", start: video, sizes: samples(n - video)})
	}
	return tr
}

func samples(n int) []uint32 {
	var s []uint32
	for ; n > sampleSize; n -= sampleSize {
		s = append(s, sampleSize)
	}
	if n > 0 {
		s = append(s, uint32(n))
	}
	return s
}

// Box frames payload parts as one box with a 32-bit size.
func Box(typ string, parts ...[]byte) []byte {
	body := concat(parts...)
	return concat(u32(uint32(8+len(body))), []byte(typ), body)
}

// FullBox is a Box whose payload starts with version and flags.
func FullBox(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	return Box(typ, append([]byte{version, byte(flags >> 16), byte(flags >> 8), byte(flags)}, concat(parts...)...))
}

func mdatBox(o Options, payload []byte) []byte {
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

// moov builds the movie box; base is the file offset of the mdat payload.
func moov(o Options, tracks []track, base int) []byte {
	dur := ticks(o)
	if o.Fragmented {
		dur = 0 // as fragmenting muxers write it: the fragments say
	}
	parts := [][]byte{mvhd(o, dur)}
	if o.Fragmented {
		var trex [][]byte
		for i := range tracks {
			trex = append(trex, FullBox("trex", 0, 0, u32(uint32(i+1)), u32(1), u32(0), u32(0), u32(0)))
		}
		// mehd: the whole duration, so a file cut at a fragment boundary
		// can be told from a whole one.
		mehd := FullBox("mehd", 0, 0, u32(uint32(ticks(o))))
		parts = append(parts, Box("mvex", append([][]byte{mehd}, trex...)...))
	}
	for i, t := range tracks {
		w, h := o.Width, o.Height
		if t.handler != "vide" {
			w, h = 0, 0
		}
		st := stbl(o, t, base)
		if o.Fragmented {
			st = stbl(o, track{}, 0)
		}
		parts = append(parts, trak(o, uint32(i+1), t.handler, w, h, st))
	}
	return Box("moov", parts...)
}

func mvhd(o Options, dur uint64) []byte {
	var head []byte
	if o.Version1 {
		head = concat(u64(0), u64(0), u32(o.Timescale), u64(dur))
	} else {
		head = concat(u32(0), u32(0), u32(o.Timescale), u32(uint32(dur)))
	}
	// rate, volume, reserved, matrix, pre_defined, next_track_ID
	return FullBox("mvhd", version(o), 0, head, u32(0x00010000), []byte{1, 0}, make([]byte, 10), matrix(), make([]byte, 24), u32(3))
}

func version(o Options) byte {
	if o.Version1 {
		return 1
	}
	return 0
}

func matrix() []byte {
	return concat(u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000))
}

func trak(o Options, id uint32, handler string, w, h int, stbl []byte) []byte {
	hdlr := FullBox("hdlr", 0, 0, u32(0), []byte(handler), make([]byte, 12), []byte("h\x00"))
	mdhd := FullBox("mdhd", 0, 0, u32(0), u32(0), u32(o.Timescale), u32(uint32(ticks(o))), []byte{0x55, 0xc4, 0, 0})
	minf := Box("minf", Box("dinf", FullBox("dref", 0, 0, u32(1), FullBox("url ", 0, 1))), stbl)
	return Box("trak", tkhd(o, id, w, h), Box("mdia", mdhd, hdlr, minf))
}

// stbl places t's samples from base+t.start on, samplesPerChunk to a chunk.
func stbl(o Options, t track, base int) []byte {
	n := len(t.sizes)
	var stsc [][]byte
	if n >= samplesPerChunk {
		stsc = append(stsc, u32(1), u32(samplesPerChunk), u32(1))
	}
	if rest := n % samplesPerChunk; rest != 0 {
		stsc = append(stsc, u32(uint32(n/samplesPerChunk+1)), u32(uint32(rest)), u32(1))
	}
	var offsets []uint64
	off := uint64(base + t.start)
	for i, s := range t.sizes {
		if i%samplesPerChunk == 0 {
			offsets = append(offsets, off)
		}
		off += uint64(s)
	}
	var co []byte
	if o.LargeMdat {
		var b []byte
		for _, x := range offsets {
			b = append(b, u64(x)...)
		}
		co = FullBox("co64", 0, 0, u32(uint32(len(offsets))), b)
	} else {
		var b []byte
		for _, x := range offsets {
			b = append(b, u32(uint32(x))...)
		}
		co = FullBox("stco", 0, 0, u32(uint32(len(offsets))), b)
	}
	var sizes []byte
	for _, s := range t.sizes {
		sizes = append(sizes, u32(s)...)
	}
	var stts []byte
	if n > 0 {
		stts = concat(u32(uint32(n)), u32(uint32(ticks(o)/uint64(n))))
	}
	return Box("stbl",
		FullBox("stsd", 0, 0, u32(0)),
		FullBox("stts", 0, 0, u32(uint32(len(stts)/8)), stts),
		FullBox("stsc", 0, 0, u32(uint32(len(stsc)/3)), concat(stsc...)),
		FullBox("stsz", 0, 0, u32(0), u32(uint32(n)), sizes),
		co)
}

func tkhd(o Options, id uint32, w, h int) []byte {
	var head []byte
	if o.Version1 {
		head = concat(u64(0), u64(0), u32(id), u32(0), u64(ticks(o)))
	} else {
		head = concat(u32(0), u32(0), u32(id), u32(0), u32(uint32(ticks(o))))
	}
	// reserved, layer, alternate_group, volume, reserved, matrix, width, height (16.16)
	return FullBox("tkhd", version(o), 3, head, make([]byte, 8), make([]byte, 8), matrix(), u32(uint32(w)<<16), u32(uint32(h)<<16))
}

// fragmented lays out ftyp, a moov without samples, then one moof+mdat
// per track whose trun places the samples right after the mdat header
// (offsets relative to the moof: default-base-is-moof).
func fragmented(o Options, ftyp, payload []byte, tracks []track) []byte {
	out := concat(ftyp, moov(o, tracks, 0))
	for i, t := range tracks {
		end := t.start
		for _, s := range t.sizes {
			end += int(s)
		}
		data := payload[t.start:end]
		moof := moofBox(o, uint32(i+1), t.sizes, 0)
		moof = moofBox(o, uint32(i+1), t.sizes, int32(len(moof)+8))
		out = concat(out, moof, Box("mdat", data))
	}
	return out
}

func moofBox(o Options, id uint32, sizes []uint32, dataOffset int32) []byte {
	var rows []byte
	left := ticks(o)
	for i, s := range sizes {
		dur := left / uint64(len(sizes)-i) // the last sample takes the remainder
		left -= dur
		rows = append(rows, concat(u32(uint32(dur)), u32(s))...)
	}
	tfhd := FullBox("tfhd", 0, 0x020000, u32(id))
	trun := FullBox("trun", 0, 0x000301, u32(uint32(len(sizes))), u32(uint32(dataOffset)), rows)
	return Box("moof", FullBox("mfhd", 0, 0, u32(id)), Box("traf", tfhd, FullBox("tfdt", 0, 0, u32(0)), trun))
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

// Package mp4 checks that a file is a complete, structurally sound MP4 and
// reads the few facts veox shows (duration, frame size, tracks).
//
// Boxes are decoded by github.com/Eyevinn/mp4ff. This package walks only
// the top-level box headers itself, because it must judge what mp4ff lets
// pass: mp4ff seeks past the end of a cut file without noticing, and
// refuses a last box of size 0 ("to the end of the file"), which encoders
// may write. Then it checks what mp4ff decoded against the file: every
// sample of every track, located through the sample tables (or the
// fragments' runs), must lie inside an mdat of this file. A download cut
// short, even one whose mdat size was rewritten to fit, fails that check.
//
// Hostile input can neither make it allocate by a size it claims nor make
// it loop: every box header is checked against the bytes that exist, the
// boxes read into memory are capped, the work is bounded by the tables'
// lengths, which are bounded by the file.
package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/Eyevinn/mp4ff/bits"
	mp4ff "github.com/Eyevinn/mp4ff/mp4"
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
	Duration      time.Duration // from mvhd (or the fragments); 0 if the file does not say
	Width, Height int           // of the first video track (tkhd), 0 if none
	// VideoDuration is how long the first video track is presented (its
	// tkhd, else its media or fragments); 0 if the file does not say. It
	// can differ from Duration, which the longest track sets: it is where
	// the pictures end, and so where an extension's new part begins.
	VideoDuration time.Duration
	Brand         string // ftyp major brand, e.g. "isom"
	HasVideo      bool   // a video track with at least one sample
	HasAudio      bool   // an audio track with at least one sample
	Samples       int64  // samples in all tracks, each checked to lie in an mdat
}

const (
	// maxBoxes bounds the top-level walk of a file made of millions of
	// tiny boxes. Real files have a handful (a fragmented one a few
	// thousand).
	maxBoxes = 100000
	// maxMetaBox caps a box read into memory to be decoded (moov, moof,
	// ftyp). A 148 s Veo video's moov is about 100 KB; hours of video stay
	// far below this.
	maxMetaBox = 16 << 20
)

// top is one top-level box: where it starts, its payload and its end.
type top struct {
	typ     string
	start   int64
	payload int64
	end     int64
}

// inspector carries one Inspect call's state.
type inspector struct {
	r     io.ReaderAt
	size  int64
	info  Info
	moov  *mp4ff.MoovBox
	moofs []*mp4ff.MoofBox
	mdats []top // payload ranges, in file order
	boxes int
}

// Inspect checks a file of the given size. It fails unless the first box
// is ftyp, the top-level boxes add up to exactly size, there is one moov,
// and every sample the moov (or the fragments) describe lies inside an
// mdat of the file.
func Inspect(r io.ReaderAt, size int64) (Info, error) {
	if size < 8 {
		return Info{}, invalidf("the file is %d bytes, too short for an MP4", size)
	}
	in := &inspector{r: r, size: size}
	if err := in.startsWithFtyp(); err != nil {
		return Info{}, err
	}
	if err := in.walk(); err != nil {
		return Info{}, err
	}
	if err := in.check(); err != nil {
		return Info{}, err
	}
	return in.info, nil
}

// startsWithFtyp is checked before any size so that an HTML error page or
// other garbage is reported as such, not as a box with an odd size.
func (in *inspector) startsWithFtyp() error {
	var h [8]byte
	if err := in.read(h[:], 0); err != nil {
		return err
	}
	if t := typeName(h[4:]); t != "ftyp" {
		return invalidf("the file starts with '%s', not an 'ftyp' box", typeName(h[:4])+t)
	}
	return nil
}

// walk reads the top-level headers and decodes the boxes veox needs.
func (in *inspector) walk() error {
	for off, i := int64(0), 0; off < in.size; i++ {
		b, err := in.header(off)
		if err != nil {
			return err
		}
		if err := in.visit(b, i); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

func (in *inspector) visit(b top, index int) error {
	switch b.typ {
	case "ftyp":
		if index != 0 {
			return invalidf("a second ftyp box")
		}
		box, err := in.decode(b)
		if err != nil {
			return err
		}
		in.info.Brand = typeName([]byte(box.(*mp4ff.FtypBox).MajorBrand()))
	case "moov":
		if in.moov != nil {
			return invalidf("more than one moov box")
		}
		box, err := in.decode(b)
		if err != nil {
			return err
		}
		in.moov = box.(*mp4ff.MoovBox)
	case "moof":
		box, err := in.decode(b)
		if err != nil {
			return err
		}
		moof := box.(*mp4ff.MoofBox)
		moof.StartPos = uint64(b.start)
		in.moofs = append(in.moofs, moof)
	case "mdat":
		in.mdats = append(in.mdats, b)
	}
	return nil
}

// header reads the top-level box header at off and checks the box fits in
// the file.
func (in *inspector) header(off int64) (top, error) {
	if in.boxes++; in.boxes > maxBoxes {
		return top{}, invalidf("more than %d boxes", maxBoxes)
	}
	if in.size-off < 8 {
		return top{}, invalidf("%d stray bytes at the end of the file", in.size-off)
	}
	var h [16]byte
	if err := in.read(h[:8], off); err != nil {
		return top{}, err
	}
	b := top{typ: typeName(h[4:8]), start: off, payload: off + 8}
	switch size := int64(binary.BigEndian.Uint32(h[:4])); size {
	case 0: // the box runs to the end of the file
		b.end = in.size
	case 1: // a 64-bit largesize follows the type
		if in.size-off < 16 {
			return top{}, pastEnd(b)
		}
		if err := in.read(h[8:16], off+8); err != nil {
			return top{}, err
		}
		large := binary.BigEndian.Uint64(h[8:16])
		if large < 16 {
			return top{}, invalidf("box '%s' at offset %d claims %d bytes, less than its header", b.typ, off, large)
		}
		if large > uint64(in.size-off) {
			return top{}, pastEnd(b)
		}
		b.payload, b.end = off+16, off+int64(large)
	default:
		if size < 8 {
			return top{}, invalidf("box '%s' at offset %d claims %d bytes, less than its header", b.typ, off, size)
		}
		b.end = off + size
	}
	if b.end > in.size {
		return top{}, pastEnd(b)
	}
	return b, nil
}

func pastEnd(b top) error {
	return invalidf("box '%s' runs past the end of the file (truncated download?)", b.typ)
}

// decode reads a whole box into memory (it fits in the file: header
// checked that) and lets mp4ff decode it. A box size 0 or a largesize is
// rewritten into the compact form mp4ff expects.
func (in *inspector) decode(b top) (mp4ff.Box, error) {
	n := b.end - b.start
	if n > maxMetaBox {
		return nil, invalidf("box '%s' is %d bytes, more than veox reads (%d)", b.typ, n, maxMetaBox)
	}
	hdr := b.payload - b.start
	buf := make([]byte, 8+(n-hdr))
	if err := in.read(buf[8:], b.payload); err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(buf[:4], uint32(len(buf)))
	copy(buf[4:8], b.typ)
	box, err := decodeBox(b.start, buf)
	if err != nil {
		return nil, invalidf("box '%s' at offset %d: %s", b.typ, b.start, clean(err.Error()))
	}
	return box, nil
}

// decodeBox runs mp4ff on a box held in memory. mp4ff is fuzzed upstream,
// but a panic on a file from the network must not take veox down: it
// becomes a FormatError.
func decodeBox(start int64, buf []byte) (box mp4ff.Box, err error) {
	defer func() {
		if r := recover(); r != nil {
			box, err = nil, fmt.Errorf("the decoder failed (%v)", r)
		}
	}()
	sr := bits.NewFixedSliceReader(buf)
	box, err = mp4ff.DecodeBoxSR(uint64(start), sr)
	if err == nil && sr.NrRemainingBytes() != 0 {
		err = fmt.Errorf("%d bytes left over", sr.NrRemainingBytes())
	}
	return box, err
}

// check applies the rules to what walk found.
func (in *inspector) check() error {
	if in.moov == nil {
		return invalidf("no moov box")
	}
	if len(in.mdats) == 0 {
		return invalidf("no mdat box")
	}
	mvhd := in.moov.Mvhd
	if mvhd == nil {
		return invalidf("no mvhd box in moov")
	}
	if mvhd.Timescale == 0 {
		return invalidf("mvhd timescale is 0")
	}
	if len(in.moov.Traks) == 0 {
		return invalidf("no track in moov")
	}
	in.info.Duration = toDuration(mvhd.Duration, uint64(mvhd.Timescale), mvhd.Version)
	frags, err := in.fragments()
	if err != nil {
		return err
	}
	whole := in.fragmentedDuration()
	var fragDur time.Duration
	for _, trak := range in.moov.Traks {
		d, err := in.track(trak, frags)
		if err != nil {
			return err
		}
		// A fragmented file cut at a fragment boundary has whole boxes;
		// the duration its mehd announces is what gives it away.
		if whole > 0 && d < whole-fragmentSlack {
			return invalidf("track %d's fragments last %v of the %v the file announces (truncated download?)",
				trak.Tkhd.TrackID, d.Round(time.Millisecond), whole.Round(time.Millisecond))
		}
		fragDur = max(fragDur, d)
	}
	if in.info.Duration == 0 {
		in.info.Duration = max(whole, fragDur)
	}
	if in.info.Samples == 0 {
		return invalidf("no samples: the file holds neither video nor audio")
	}
	return nil
}

// fragmentSlack is how much shorter than the announced whole a track's
// fragments may be: audio often ends a few frames before video.
const fragmentSlack = time.Second

// fragmentedDuration is the mehd's duration of a fragmented file, 0 when
// the file is not fragmented or does not say.
func (in *inspector) fragmentedDuration() time.Duration {
	mv := in.moov.Mvex
	if len(in.moofs) == 0 || mv == nil || mv.Mehd == nil || mv.Mehd.FragmentDuration <= 0 {
		return 0
	}
	return toDuration(uint64(mv.Mehd.FragmentDuration), uint64(in.moov.Mvhd.Timescale), 1)
}

// track checks one track's samples and records what it is. It returns the
// track's duration in fragments (0 when not fragmented).
func (in *inspector) track(trak *mp4ff.TrakBox, frags map[uint32]fragTotal) (time.Duration, error) {
	if trak.Tkhd == nil || trak.Mdia == nil || trak.Mdia.Hdlr == nil || trak.Mdia.Mdhd == nil {
		return 0, invalidf("a track lacks its tkhd, mdhd or hdlr box")
	}
	id := trak.Tkhd.TrackID
	n, err := in.progressiveSamples(trak)
	if err != nil {
		return 0, err
	}
	f := frags[id]
	n += f.samples
	ticks := f.ticks
	in.info.Samples += n
	if n > 0 {
		switch trak.Mdia.Hdlr.HandlerType {
		case "vide":
			if !in.info.HasVideo {
				in.info.Width, in.info.Height = int(trak.Tkhd.Width>>16), int(trak.Tkhd.Height>>16)
				in.info.VideoDuration = in.presented(trak, ticks)
			}
			in.info.HasVideo = true
		case "soun":
			in.info.HasAudio = true
		}
	}
	scale := uint64(trak.Mdia.Mdhd.Timescale)
	if ticks == 0 || scale == 0 {
		return 0, nil
	}
	return toDuration(ticks, scale, 1), nil
}

// presented is a track's length as shown: its tkhd duration (in the
// movie's timescale, after the edit list), else its media's (mdhd), else
// what its fragments add up to.
func (in *inspector) presented(trak *mp4ff.TrakBox, fragTicks uint64) time.Duration {
	if d := toDuration(trak.Tkhd.Duration, uint64(in.moov.Mvhd.Timescale), trak.Tkhd.Version); d > 0 {
		return d
	}
	if scale := uint64(trak.Mdia.Mdhd.Timescale); scale > 0 {
		if d := toDuration(trak.Mdia.Mdhd.Duration, scale, trak.Mdia.Mdhd.Version); d > 0 {
			return d
		}
		return toDuration(fragTicks, scale, 1)
	}
	return 0
}

// progressiveSamples walks the track's chunks (stsc, stco/co64) with the
// sizes of their samples (stsz) and checks each chunk lies in an mdat.
// The work is one step per chunk and per listed sample size, both bounded
// by the tables' lengths in the file.
func (in *inspector) progressiveSamples(trak *mp4ff.TrakBox) (int64, error) {
	if trak.Mdia.Minf == nil || trak.Mdia.Minf.Stbl == nil {
		return 0, invalidf("track %d has no sample table", trak.Tkhd.TrackID)
	}
	st := trak.Mdia.Minf.Stbl
	if st.Stsz == nil || st.Stsc == nil || (st.Stco == nil && st.Co64 == nil) {
		return 0, invalidf("track %d's sample table lacks stsz, stsc or stco", trak.Tkhd.TrackID)
	}
	t := sampleTable{sizes: st.Stsz, stsc: st.Stsc.Entries}
	if st.Co64 != nil {
		t.offsets = st.Co64.ChunkOffset
	} else {
		t.offsets = make([]uint64, len(st.Stco.ChunkOffset))
		for i, o := range st.Stco.ChunkOffset {
			t.offsets[i] = uint64(o)
		}
	}
	n, err := t.walk(in.inMdat)
	if err != nil {
		return 0, invalidf("track %d: %s", trak.Tkhd.TrackID, err)
	}
	return n, nil
}

// sampleTable is a progressive track's tables as mp4ff decoded them.
type sampleTable struct {
	sizes   *mp4ff.StszBox
	stsc    []mp4ff.StscEntry
	offsets []uint64
}

// walk calls inside for every chunk's byte range and returns the number
// of samples, which must be the number stsz declares.
func (t sampleTable) walk(inside func(off, n uint64) error) (int64, error) {
	var sample uint64 // samples consumed so far
	total := uint64(t.sizes.SampleNumber)
	if t.sizes.SampleUniformSize == 0 && uint64(len(t.sizes.SampleSize)) != total {
		return 0, errors.New("stsz lists a different number of sizes than samples")
	}
	for i, e := range t.stsc {
		first, last := uint64(e.FirstChunk), uint64(len(t.offsets))
		if i+1 < len(t.stsc) {
			last = uint64(t.stsc[i+1].FirstChunk) - 1
		}
		if first == 0 || first > last+1 || last > uint64(len(t.offsets)) {
			return 0, errors.New("stsc names chunks that stco does not have")
		}
		for c := first; c <= last; c++ {
			per := uint64(e.SamplesPerChunk)
			if per > total-sample {
				return 0, errors.New("stsc places more samples than stsz declares")
			}
			var bytes uint64
			if u := uint64(t.sizes.SampleUniformSize); u != 0 {
				bytes = per * u
			} else {
				for _, s := range t.sizes.SampleSize[sample : sample+per] {
					bytes += uint64(s)
				}
			}
			if err := inside(t.offsets[c-1], bytes); err != nil {
				return 0, fmt.Errorf("chunk %d: %w", c, err)
			}
			sample += per
		}
	}
	if sample != total {
		return 0, fmt.Errorf("the chunks hold %d samples, stsz declares %d", sample, total)
	}
	return int64(sample), nil
}

// fragments checks the runs of every moof once and sums, per track id,
// their samples and duration (in the track's timescale).
func (in *inspector) fragments() (map[uint32]fragTotal, error) {
	trex := map[uint32]*mp4ff.TrexBox{}
	if in.moov.Mvex != nil {
		for _, t := range in.moov.Mvex.Trexs {
			trex[t.TrackID] = t
		}
	}
	totals := map[uint32]fragTotal{}
	for _, moof := range in.moofs {
		// Without base-data-offset, a traf's data follows the previous
		// traf's in the same moof, the first starting at the moof.
		next := moof.StartPos
		for _, traf := range moof.Trafs {
			if traf.Tfhd == nil {
				return nil, invalidf("a traf without tfhd")
			}
			base := next
			if traf.Tfhd.HasBaseDataOffset() {
				base = traf.Tfhd.BaseDataOffset
			} else if traf.Tfhd.DefaultBaseIfMoof() {
				base = moof.StartPos
			}
			id := traf.Tfhd.TrackID
			end, got, err := in.runs(traf, trex[id], base)
			if err != nil {
				return nil, err
			}
			next = end
			t := totals[id]
			totals[id] = fragTotal{samples: t.samples + got.samples, ticks: t.ticks + got.ticks}
		}
	}
	return totals, nil
}

// fragTotal is what the fragments hold of one track.
type fragTotal struct {
	samples int64
	ticks   uint64
}

// runs checks every trun of traf; data starts at base (plus each trun's
// offset) and continues where the previous run ended.
func (in *inspector) runs(traf *mp4ff.TrafBox, trex *mp4ff.TrexBox, base uint64) (end uint64, got fragTotal, err error) {
	pos := base
	for _, trun := range traf.Truns {
		got.ticks += trun.AddSampleDefaultValues(traf.Tfhd, trex)
		if trun.HasDataOffset() {
			pos = uint64(int64(base) + int64(trun.DataOffset))
		}
		var bytes uint64
		for _, s := range trun.Samples {
			bytes += uint64(s.Size)
		}
		if err := in.inMdat(pos, bytes); err != nil {
			return 0, got, invalidf("track %d fragment: %s", traf.Tfhd.TrackID, err)
		}
		pos += bytes
		got.samples += int64(len(trun.Samples))
	}
	return pos, got, nil
}

// inMdat checks that n bytes from file offset off lie inside the payload
// of one mdat.
func (in *inspector) inMdat(off, n uint64) error {
	// mdats are in file order and do not overlap: find the last one
	// whose payload starts at or before off.
	i := sort.Search(len(in.mdats), func(i int) bool { return uint64(in.mdats[i].payload) > off }) - 1
	if i >= 0 {
		if m := in.mdats[i]; off <= uint64(m.end) && n <= uint64(m.end)-off {
			return nil
		}
	}
	if end := off + n; end > uint64(in.size) || end < off {
		return fmt.Errorf("samples at bytes %d–%d lie past the end of the file (%d bytes; truncated download?)", off, off+n, in.size)
	}
	return fmt.Errorf("samples at bytes %d–%d lie outside every mdat box", off, off+n)
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

// read fills p from off. A short read inside bounds we already checked
// means the reader is smaller than the size we were given.
func (in *inspector) read(p []byte, off int64) error {
	n, err := in.r.ReadAt(p, off)
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

// clean keeps a decoder's message printable: it may quote box types and
// strings from the file.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func invalidf(format string, args ...any) error {
	return &FormatError{Reason: fmt.Sprintf(format, args...)}
}

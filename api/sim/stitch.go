package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
)

// Each extension adds 7 s to the stitched video (veo-api.md: 8 → 15 → 22
// → 29 → 36 s …). Two chains are embedded clips; longer ones are made here
// by looping a clip's samples into a new, real MP4 of the right length, so
// a client checking "whole ≥ parent + 5 s" sees a chain grow without end.

// chainSeconds is the length of the stitched video of an extension chain
// of the given depth (1 = the first extension).
func chainSeconds(depth int) int { return 8 + 7*depth }

// stitchedName names a made clip; clipBytes recognises it.
func stitchedName(seconds int) string { return fmt.Sprintf("stitched%ds.mp4", seconds) }

// loopedMP4 returns a progressive MP4 (ftyp, moov, mdat) that plays src's
// samples again and again for d. Every loop starts on src's first sample,
// a sync sample, so the result decodes from start to end; each track's
// edit list keeps src's start offset and presents exactly d.
func loopedMP4(src []byte, d time.Duration) ([]byte, error) {
	f, err := mp4.DecodeFile(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	if f.Ftyp == nil || f.Moov == nil || len(f.Moov.Traks) == 0 {
		return nil, fmt.Errorf("sim: the clip to loop is not a progressive MP4")
	}
	movieTS := uint64(f.Moov.Mvhd.Timescale)
	tracks := make([]*looped, len(f.Moov.Traks))
	for i, tr := range f.Moov.Traks {
		if tracks[i], err = loopTrack(tr, src, d); err != nil {
			return nil, err
		}
	}
	// Tables first (they fix moov's size), then the chunk offsets, which
	// do not change it: one chunk per track, tracks one after the other.
	for i, tr := range f.Moov.Traks {
		tracks[i].apply(tr, movieTS, d)
		tr.Mdia.Minf.Stbl.Stco.ChunkOffset = []uint32{0} // sized now, set below
	}
	const mdatHeader = 8
	at := f.Ftyp.Size() + f.Moov.Size() + mdatHeader
	for i, tr := range f.Moov.Traks {
		tr.Mdia.Minf.Stbl.Stco.ChunkOffset = []uint32{uint32(at)}
		at += uint64(len(tracks[i].data))
	}
	f.Moov.Mvhd.Duration = uint64(d.Seconds() * float64(movieTS))
	var out bytes.Buffer
	if err := f.Ftyp.Encode(&out); err != nil {
		return nil, err
	}
	if err := f.Moov.Encode(&out); err != nil {
		return nil, err
	}
	size := uint32(mdatHeader)
	for _, t := range tracks {
		size += uint32(len(t.data))
	}
	_ = binary.Write(&out, binary.BigEndian, size)
	out.WriteString("mdat")
	for _, t := range tracks {
		out.Write(t.data)
	}
	return out.Bytes(), nil
}

// sample is one sample of the source track.
type sample struct {
	off, size uint64
	dur       uint32
	cto       int32
	sync      bool
}

// looped is one track's new sample tables and media data.
type looped struct {
	sizes []uint32
	durs  []uint32
	ctos  []int32
	syncs []uint32 // 1-based sample numbers
	data  []byte
	total uint64 // media duration in the track's timescale
}

// loopTrack takes src's samples in order, starting over at the end, until
// the presented time (after the edit list's start offset) reaches d.
func loopTrack(tr *mp4.TrakBox, src []byte, d time.Duration) (*looped, error) {
	samples, err := trackSamples(tr.Mdia.Minf.Stbl)
	if err != nil || len(samples) == 0 {
		return nil, fmt.Errorf("sim: cannot read the clip's samples: %v", err)
	}
	ts := uint64(tr.Mdia.Mdhd.Timescale)
	need := uint64(d.Seconds()*float64(ts)) + mediaStart(tr)
	l := &looped{}
	for i := 0; l.total < need; i = (i + 1) % len(samples) {
		s := samples[i]
		if s.off+s.size > uint64(len(src)) {
			return nil, fmt.Errorf("sim: a sample lies outside the clip")
		}
		l.sizes = append(l.sizes, uint32(s.size))
		l.durs = append(l.durs, s.dur)
		l.ctos = append(l.ctos, s.cto)
		if s.sync {
			l.syncs = append(l.syncs, uint32(len(l.sizes)))
		}
		l.data = append(l.data, src[s.off:s.off+s.size]...)
		l.total += uint64(s.dur)
	}
	return l, nil
}

// mediaStart is where the edit list starts presenting the media (the
// encoder's delay), 0 without one.
func mediaStart(tr *mp4.TrakBox) uint64 {
	if tr.Edts == nil || len(tr.Edts.Elst) == 0 || len(tr.Edts.Elst[0].Entries) == 0 {
		return 0
	}
	return uint64(max(tr.Edts.Elst[0].Entries[0].MediaTime, 0))
}

// trackSamples lists a progressive track's samples with their offsets in
// the file, from the chunk, size, time and sync tables.
func trackSamples(st *mp4.StblBox) ([]sample, error) {
	if st.Stsz == nil || st.Stsc == nil || st.Stts == nil || st.Stco == nil {
		return nil, fmt.Errorf("a sample table is missing")
	}
	var chunks []uint64 // the clips are small: 32-bit offsets (stco), as the output's
	for _, o := range st.Stco.ChunkOffset {
		chunks = append(chunks, uint64(o))
	}
	n := int(st.Stsz.SampleNumber)
	sync := map[uint32]bool{}
	if st.Stss != nil {
		for _, nr := range st.Stss.SampleNumber {
			sync[nr] = true
		}
	}
	out := make([]sample, 0, n)
	e := 0
	for ci, off := range chunks {
		for e+1 < len(st.Stsc.Entries) && st.Stsc.Entries[e+1].FirstChunk <= uint32(ci+1) {
			e++
		}
		for k := uint32(0); k < st.Stsc.Entries[e].SamplesPerChunk && len(out) < n; k++ {
			nr := uint32(len(out) + 1)
			s := sample{off: off, size: uint64(st.Stsz.GetSampleSize(int(nr))), dur: st.Stts.GetDur(nr),
				sync: st.Stss == nil || sync[nr]}
			if st.Ctts != nil {
				s.cto = st.Ctts.GetCompositionTimeOffset(nr)
			}
			out = append(out, s)
			off += s.size
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("the chunks hold %d of %d samples", len(out), n)
	}
	return out, nil
}

// apply writes the new tables into the track's boxes in place (mp4ff
// encodes a box's children, so the boxes are changed, not replaced).
func (l *looped) apply(tr *mp4.TrakBox, movieTS uint64, d time.Duration) {
	st := tr.Mdia.Minf.Stbl
	st.Stts.SampleCount, st.Stts.SampleTimeDelta = nil, nil
	for _, dur := range l.durs {
		if k := len(st.Stts.SampleTimeDelta) - 1; k >= 0 && st.Stts.SampleTimeDelta[k] == dur {
			st.Stts.SampleCount[k]++
			continue
		}
		st.Stts.SampleCount = append(st.Stts.SampleCount, 1)
		st.Stts.SampleTimeDelta = append(st.Stts.SampleTimeDelta, dur)
	}
	st.Stsz.SampleUniformSize, st.Stsz.SampleNumber, st.Stsz.SampleSize = 0, uint32(len(l.sizes)), l.sizes
	st.Stsc.Entries = []mp4.StscEntry{{FirstChunk: 1, SamplesPerChunk: uint32(len(l.sizes)), FirstSampleNr: 1}}
	st.Stsc.SampleDescriptionID = nil
	if st.Stss != nil {
		st.Stss.SampleNumber = l.syncs
	}
	if st.Ctts != nil {
		st.Ctts.EndSampleNr, st.Ctts.SampleOffset = nil, nil
		var counts []uint32
		var offs []int32
		for _, c := range l.ctos {
			if k := len(offs) - 1; k >= 0 && offs[k] == c {
				counts[k]++
				continue
			}
			counts, offs = append(counts, 1), append(offs, c)
		}
		_ = st.Ctts.AddSampleCountsAndOffset(counts, offs)
	}
	present := uint64(d.Seconds() * float64(movieTS))
	tr.Mdia.Mdhd.Duration = l.total
	tr.Tkhd.Duration = present
	if tr.Edts != nil {
		for _, el := range tr.Edts.Elst {
			for i := range el.Entries {
				el.Entries[i].SegmentDuration = present
			}
		}
	}
}

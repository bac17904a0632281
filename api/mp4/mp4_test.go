package mp4_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/api/mp4/mp4test"
)

func inspect(b []byte) (mp4.Info, error) {
	return mp4.Inspect(bytes.NewReader(b), int64(len(b)))
}

func TestInspectValidLayouts(t *testing.T) {
	t.Parallel()
	cases := map[string]mp4test.Options{
		"moov last":                       {},
		"faststart":                       {Faststart: true},
		"version 1":                       {Version1: true, Timescale: 90000},
		"64-bit mdat":                     {LargeMdat: true},
		"mdat to the end":                 {MdatToEnd: true},
		"no audio":                        {NoAudio: true},
		"portrait":                        {Width: 720, Height: 1280},
		"long odd timing":                 {Duration: 22*time.Second + 500*time.Millisecond, Timescale: 600},
		"tiny mdat":                       {MdatSize: 4},
		"mdat to the end, 64-bit offsets": {MdatToEnd: true, LargeMdat: true},
		"fragmented":                      {Fragmented: true},
		"fragmented, no audio":            {Fragmented: true, NoAudio: true, Duration: 15 * time.Second},
		"another brand":                   {Brand: "mp42"},
		"1080p, 64-bit v1":                {Width: 1920, Height: 1080, Version1: true, LargeMdat: true},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			info, err := inspect(mp4test.Build(o))
			if err != nil {
				t.Fatal(err)
			}
			wantW, wantH, wantD := o.Width, o.Height, o.Duration
			if wantW == 0 {
				wantW, wantH = 1280, 720
			}
			if wantD == 0 {
				wantD = 8 * time.Second
			}
			if info.Width != wantW || info.Height != wantH {
				t.Errorf("size %dx%d, want %dx%d", info.Width, info.Height, wantW, wantH)
			}
			if info.Duration != wantD {
				t.Errorf("duration %v, want %v", info.Duration, wantD)
			}
			if !info.HasVideo || info.HasAudio == o.NoAudio {
				t.Errorf("video %v audio %v", info.HasVideo, info.HasAudio)
			}
			if want := strings.TrimSpace(o.Brand); want != "" && info.Brand != want || want == "" && info.Brand != "isom" {
				t.Errorf("brand %q", info.Brand)
			}
		})
	}
}

// Every strict prefix of a valid file is what a cut download leaves; none
// may pass.
func TestInspectRejectsEveryTruncation(t *testing.T) {
	t.Parallel()
	for _, o := range []mp4test.Options{{}, {Faststart: true}, {LargeMdat: true, Version1: true}, {MdatToEnd: true}, {Fragmented: true}} {
		full := mp4test.Build(o)
		for n := 0; n < len(full); n++ {
			if _, err := inspect(full[:n]); err == nil {
				t.Fatalf("%+v truncated to %d of %d bytes passed", o, n, len(full))
			} else if !errors.Is(err, mp4.ErrInvalid) {
				t.Fatalf("truncated to %d: %v is not ErrInvalid", n, err)
			}
		}
	}
}

// A cut download can be made to look whole: an mdat of size 0 ("to the
// end of the file") ends wherever the file does, and a cut file's mdat
// size can be rewritten to fit. Both still describe samples the file does
// not have, and the check sees every one (issue 9 item 9).
func TestInspectRejectsCutFilesThatLookWhole(t *testing.T) {
	t.Parallel()
	cases := map[string]func() []byte{
		"mdat of size 0 cut short": func() []byte {
			b := mp4test.Build(mp4test.Options{MdatToEnd: true, MdatSize: 4096})
			return b[:len(b)-1000]
		},
		"mdat size rewritten to fit the cut": func() []byte {
			b := mp4test.Build(mp4test.Options{Faststart: true, MdatSize: 4096})
			b = b[:len(b)-1000]
			i := bytes.LastIndex(b, []byte("mdat")) - 4
			binary.BigEndian.PutUint32(b[i:], uint32(len(b)-i))
			return b
		},
		"64-bit mdat size rewritten to fit the cut": func() []byte {
			b := mp4test.Build(mp4test.Options{Faststart: true, LargeMdat: true, MdatSize: 4096})
			b = b[:len(b)-1]
			i := bytes.LastIndex(b, []byte("mdat")) - 4
			binary.BigEndian.PutUint64(b[i+8:], uint64(len(b)-i))
			return b
		},
		"fragment cut and its mdat rewritten": func() []byte {
			b := mp4test.Build(mp4test.Options{Fragmented: true, NoAudio: true, MdatSize: 4096})
			b = b[:len(b)-1]
			i := bytes.LastIndex(b, []byte("mdat")) - 4
			binary.BigEndian.PutUint32(b[i:], uint32(len(b)-i))
			return b
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := inspect(build())
			if !errors.Is(err, mp4.ErrInvalid) || !strings.Contains(err.Error(), "past the end of the file") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// Sample tables that point anywhere but into the mdat, or disagree with
// each other, are refused.
func TestInspectRejectsInconsistentSampleTables(t *testing.T) {
	t.Parallel()
	valid := func() []byte { return mp4test.Build(mp4test.Options{Faststart: true, NoAudio: true}) }
	at := func(b []byte, box string) int { return bytes.Index(b, []byte(box)) + 4 }
	cases := []struct {
		name  string
		file  func() []byte
		wantx string
	}{
		{"chunk pointing into moov", func() []byte {
			b := valid()
			binary.BigEndian.PutUint32(b[at(b, "stco")+8:], 40)
			return b
		}, "outside every mdat"},
		{"sample bigger than the mdat", func() []byte {
			b := valid()
			binary.BigEndian.PutUint32(b[at(b, "stsz")+12:], 1<<30)
			return b
		}, "past the end of the file"},
		{"more samples declared than placed", func() []byte {
			b := valid()
			// 11 samples in chunks of 4, 4, 3: the last chunk now holds 2.
			binary.BigEndian.PutUint32(b[at(b, "stsc")+24:], 2)
			return b
		}, "stsz declares"},
		{"more samples placed than declared", func() []byte {
			b := valid()
			binary.BigEndian.PutUint32(b[at(b, "stsc")+12:], 1000)
			return b
		}, "more samples than stsz"},
		{"stsc naming a chunk stco lacks", func() []byte {
			b := valid()
			binary.BigEndian.PutUint32(b[at(b, "stsc")+8:], 500)
			return b
		}, "chunks that stco does not have"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := inspect(valid()); err != nil {
				t.Fatal(err)
			}
			_, err := inspect(c.file())
			if !errors.Is(err, mp4.ErrInvalid) || !strings.Contains(err.Error(), c.wantx) {
				t.Fatalf("got %v, want it to mention %q", err, c.wantx)
			}
		})
	}
}

func TestInspectNoSamplesIsNotAVideo(t *testing.T) {
	t.Parallel()
	b := mp4test.Build(mp4test.Options{Faststart: true, NoAudio: true, MdatSize: 1})
	i := bytes.Index(b, []byte("stsz")) + 4
	binary.BigEndian.PutUint32(b[i+4:], 1) // uniform size 1
	binary.BigEndian.PutUint32(b[i+8:], 0) // and no sample
	// The table's one listed size stays: the box no longer matches its
	// count, which mp4ff refuses too. Either way it is invalid.
	if _, err := inspect(b); !errors.Is(err, mp4.ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

func TestInspectErrorsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	valid := mp4test.Build(mp4test.Options{})
	ftyp := mp4test.Box("ftyp", []byte("isom"), make([]byte, 4))
	mdat := mp4test.Box("mdat", make([]byte, 16))
	moovNoMvhd := mp4test.Box("moov", mp4test.Box("free", nil))
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"garbage", []byte("<html><body>403 Forbidden</body></html>"), "starts with '<html><b', not an 'ftyp' box"},
		{"tiny", []byte("abc"), "too short"},
		{"no moov", concat(ftyp, mdat), "no moov box"},
		{"no mdat", concat(ftyp, mp4test.Box("moov", mvhdOnly())), "no mdat box"},
		{"no mvhd", concat(ftyp, moovNoMvhd, mdat), "no mvhd"},
		{"truncated", valid[:len(valid)-100], "runs past the end of the file (truncated download?)"},
		{"trailing bytes", concat(valid, []byte{1, 2, 3}), "stray bytes"},
		{"size below header", concat(ftyp, []byte{0, 0, 0, 4, 'f', 'r', 'e', 'e'}), "less than its header"},
		{"zero-size box inside moov", concat(ftyp, mp4test.Box("moov", []byte{0, 0, 0, 0, 'f', 'r', 'e', 'e'}), mdat), "box 'moov' at offset 16"},
		{"huge claimed size", concat(ftyp, []byte{0xff, 0xff, 0xff, 0xff, 'm', 'd', 'a', 't'}), "runs past the end of the file"},
		{"huge largesize", concat(ftyp, []byte{0, 0, 0, 1, 'm', 'd', 'a', 't'}, u64(1<<62)), "runs past the end of the file"},
		{"largesize below header", concat(ftyp, []byte{0, 0, 0, 1, 'm', 'd', 'a', 't'}, u64(8)), "less than its header"},
		{"two moovs", concat(valid, mp4test.Box("moov", mvhdOnly())), "more than one moov"},
		{"child past parent", concat(ftyp, mp4test.Box("moov", []byte{0, 0, 1, 0, 'm', 'v', 'h', 'd'}), mdat), "too big"},
		{"no track", concat(ftyp, mp4test.Box("moov", mvhdOnly()), mdat), "no track"},
		{"non-printable type", concat(ftyp, []byte{0, 0, 0, 0xff, 0x1b, '[', '2', 'J'}), "box '?[2J' runs past"},
		{"ftyp not first", concat(mdat, ftyp), "starts with '????mdat'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := inspect(c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to mention %q", err, c.want)
			}
			if !errors.Is(err, mp4.ErrInvalid) {
				t.Fatalf("%v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestInspectZeroTimescale(t *testing.T) {
	t.Parallel()
	b := mp4test.Build(mp4test.Options{Faststart: true})
	i := bytes.Index(b, []byte("mvhd"))
	binary.BigEndian.PutUint32(b[i+4+12:], 0) // timescale of a version 0 mvhd
	if _, err := inspect(b); err == nil || !strings.Contains(err.Error(), "timescale is 0") {
		t.Fatalf("got %v", err)
	}
}

func TestInspectUnknownDurationIsZero(t *testing.T) {
	t.Parallel()
	b := mp4test.Build(mp4test.Options{Faststart: true})
	i := bytes.Index(b, []byte("mvhd"))
	binary.BigEndian.PutUint32(b[i+4+16:], 0xffffffff)
	info, err := inspect(b)
	if err != nil || info.Duration != 0 {
		t.Fatalf("got %v, %v", info.Duration, err)
	}
}

// A reader that is shorter than the size passed in is reported as invalid,
// not as an I/O error and not as a panic.
func TestInspectReaderShorterThanSize(t *testing.T) {
	t.Parallel()
	b := mp4test.Build(mp4test.Options{})
	if _, err := mp4.Inspect(bytes.NewReader(b[:50]), int64(len(b))); !errors.Is(err, mp4.ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, os.ErrPermission }

func TestInspectReadErrorIsNotInvalid(t *testing.T) {
	t.Parallel()
	_, err := mp4.Inspect(failingReader{}, 1000)
	if err == nil || errors.Is(err, mp4.ErrInvalid) || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("got %v", err)
	}
}

// Many tiny boxes are bounded work, not an endless walk.
func TestInspectManyTinyBoxes(t *testing.T) {
	t.Parallel()
	ftyp := mp4test.Box("ftyp", []byte("isom"), make([]byte, 4))
	free := mp4test.Box("free", nil)
	b := append([]byte(nil), ftyp...)
	for range 200000 {
		b = append(b, free...)
	}
	if _, err := inspect(b); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("got %v", err)
	}
}

// Real encoder output: the project's sample clips and, when ffmpeg is
// installed, fresh files in both layouts.
func TestInspectRealClips(t *testing.T) {
	t.Parallel()
	clips, _ := filepath.Glob("../../assets/clips/*.mp4")
	clips = append(clips, ffmpegClips(t)...)
	if len(clips) == 0 {
		t.Skip("no sample clips and no ffmpeg")
	}
	for _, path := range clips {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		info, err := inspect(b)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !info.HasVideo || info.Width == 0 || info.Height == 0 || info.Duration <= 0 {
			t.Errorf("%s: %+v", path, info)
		}
		if _, err := inspect(b[:len(b)-1]); err == nil {
			t.Errorf("%s: truncated by one byte passed", path)
		}
	}
}

func ffmpegClips(t *testing.T) []string {
	if testing.Short() {
		return nil
	}
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil
	}
	dir := t.TempDir()
	var out []string
	for _, flags := range [][]string{{"-movflags", "+faststart"}, nil} {
		path := filepath.Join(dir, "clip"+string(rune('a'+len(out)))+".mp4")
		args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2",
			"-f", "lavfi", "-i", "sine=duration=2", "-shortest", "-c:v", "libx264", "-c:a", "aac"}
		args = append(append(args, flags...), path)
		if err := exec.Command(ff, args...).Run(); err != nil {
			t.Logf("ffmpeg: %v", err)
			continue
		}
		out = append(out, path)
	}
	return out
}

func FuzzInspect(f *testing.F) {
	for _, o := range []mp4test.Options{{}, {Faststart: true}, {Version1: true, LargeMdat: true}, {MdatToEnd: true}, {NoAudio: true, MdatSize: 3}, {Fragmented: true}} {
		b := mp4test.Build(o)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:40])
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 'f', 't', 'y', 'p', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := inspect(b)
		if err != nil {
			return
		}
		// Anything accepted starts with ftyp and has non-negative facts.
		if len(b) < 8 || string(b[4:8]) != "ftyp" || info.Duration < 0 || info.Width < 0 || info.Height < 0 {
			t.Fatalf("accepted %x as %+v", b, info)
		}
	})
}

func mvhdOnly() []byte {
	// A version 0 mvhd with timescale 1000 and duration 1000.
	return mp4test.Box("mvhd", make([]byte, 12), u32(1000), u32(1000), make([]byte, 80))
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

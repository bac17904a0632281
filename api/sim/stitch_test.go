package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/assets"
)

// A chain grows by 7 s at every step, beyond the embedded clips, and
// every length is a whole, valid MP4 with video and audio.
func TestChainsGrowBySevenSeconds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	src := DemoLighthouse
	prev := 8 * time.Second
	for depth := 1; depth <= 5; depth++ {
		id := e.extend(src, "and then")
		_, r := e.record(id)
		full := urls(t, r.Response["fullResultUrls"])
		resp, body, err := fetch(t, full[0], nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("depth %d: %v", depth, err)
		}
		info, err := mp4.Inspect(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("depth %d: the stitched video is not a valid MP4: %v", depth, err)
		}
		want := time.Duration(chainSeconds(depth)) * time.Second
		if d := info.Duration - want; d < -300*time.Millisecond || d > 300*time.Millisecond || !info.HasVideo || !info.HasAudio {
			t.Errorf("depth %d: %v (video %v, audio %v), want %v", depth, info.Duration, info.HasVideo, info.HasAudio, want)
		}
		if info.Duration < prev+5*time.Second {
			t.Errorf("depth %d: %v is not 7 s longer than %v", depth, info.Duration, prev)
		}
		prev, src = info.Duration, id
	}
}

// The loop keeps every sample whole and in order: the made file's media
// is the source's, repeated.
func TestLoopedMP4IsTheSourceRepeated(t *testing.T) {
	t.Parallel()
	src, _ := assets.Clip(assets.Extended22)
	out, err := loopedMP4(src, 148*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	info, err := mp4.Inspect(bytes.NewReader(out), int64(len(out)))
	if err != nil || info.Duration < 147*time.Second || info.Duration > 149*time.Second {
		t.Fatalf("148 s chain: %v, %v", info.Duration, err)
	}
	if len(out) < 6*len(src) || len(out) > 8*len(src) {
		t.Errorf("148 s from a 22 s clip is %d bytes, the clip %d", len(out), len(src))
	}
}

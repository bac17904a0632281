package mp4

import (
	"bytes"
	"testing"
	"time"

	"github.com/veox/veox/assets"
)

// The video track's length is where an extension's new part begins; the
// embedded clips say it in their tkhd.
func TestVideoDurationOfTheClips(t *testing.T) {
	t.Parallel()
	want := map[string]time.Duration{
		assets.Source8A: 8 * time.Second, assets.Source8B: 8 * time.Second,
		assets.Extended15: 15 * time.Second, assets.Extended22: 22 * time.Second,
	}
	for name, d := range want {
		b, err := assets.Clip(name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.VideoDuration != d {
			t.Errorf("%s: video lasts %v, want %v", name, info.VideoDuration, d)
		}
	}
}

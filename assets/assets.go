// Package assets holds small real MP4 clips (H.264 + AAC) embedded in the
// binary. The simulator serves them as "generated" videos so the demo mode
// and every test download, resume and verify genuine MP4 files without any
// network or ffmpeg. make-clips.sh documents how they were made.
package assets

import (
	"embed"
	"io/fs"
	"path"
	"sort"
)

// Clip names. Source clips stand in for 8 s generations; the extended clips
// stand in for stitched extension chains (8 → 15 → 22 s). Some clips have
// moov before mdat (faststart) and some after, so both layouts get tested.
const (
	Source8A   = "source8a.mp4"   // testsrc2 pattern, 440 Hz, faststart
	Source8B   = "source8b.mp4"   // SMPTE bars, 330 Hz, moov at the end
	Source8C   = "source8c.mp4"   // mandelbrot zoom, 550 Hz, faststart
	Extended15 = "extended15.mp4" // testsrc, 262 Hz, 15 s, moov at the end
	Extended22 = "extended22.mp4" // RGB test source, 392 Hz, 22 s, faststart
)

//go:embed clips/*.mp4
var clips embed.FS

// Clip returns the bytes of the named clip (one of the constants above).
// The slice is a fresh copy, so callers may modify it.
func Clip(name string) ([]byte, error) {
	return fs.ReadFile(clips, path.Join("clips", name))
}

// Clips lists the embedded clip names in sorted order.
func Clips() []string {
	entries, err := fs.ReadDir(clips, "clips")
	if err != nil {
		// Cannot happen: the directory is embedded at build time.
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Sources lists the 8 s clips used for plain generations.
func Sources() []string {
	return []string{Source8A, Source8B, Source8C}
}

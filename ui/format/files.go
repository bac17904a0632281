package format

import (
	"fmt"
	"strings"

	"github.com/veox/veox/store"
)

// Words about downloaded files that both faces show.
const (
	PartOnly    = "new part only" // an extension's new part saved alone; the whole video is not on disk yet
	MissingFile = "missing"       // recorded, but gone from disk
	Waiting     = "another veox is downloading it; waiting…"
)

// FileMarks is what a file's line says besides its path: "new part only",
// "missing", both, or "".
func FileMarks(f store.File, missing bool) string {
	var m []string
	if f.Part {
		m = append(m, PartOnly)
	}
	if missing {
		m = append(m, MissingFile)
	}
	return strings.Join(m, ", ")
}

// Fetched says what a download did with a file, so nothing is called
// "saved" that was not written: "saved PATH", "already on disk, verified:
// PATH", "another veox downloaded it meanwhile: PATH", with the file's
// marks.
func Fetched(f store.File, wrote, waited bool) string {
	var s string
	switch {
	case waited && !wrote:
		s = "another veox downloaded it meanwhile: " + f.Path
	case wrote:
		s = "saved " + f.Path
	default:
		s = "already on disk, verified: " + f.Path
	}
	if marks := FileMarks(f, false); marks != "" {
		s += " (" + marks + ")"
	}
	return s
}

// FileCount is a list's files column: how many files, and "new part only"
// when an extension has its new part on disk but not yet its whole video.
func FileCount(t *store.Task) string {
	whole := 0
	for _, f := range t.Files {
		if !f.Part {
			whole++
		}
	}
	if whole == 0 && len(t.Files) > 0 {
		return fmt.Sprintf("%d (%s)", len(t.Files), PartOnly)
	}
	return fmt.Sprint(len(t.Files))
}

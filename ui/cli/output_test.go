package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/format"
)

// TestReadableOutputUsesTheTUIsWords: a task printed by a command reads
// with the same status word, glyph, size and duration as on the TUI's
// screens. A 9,100,000-byte file used to read "8.7 MB" here and "9.1 MB"
// in the TUI.
func TestReadableOutputUsesTheTUIsWords(t *testing.T) {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.Local)
	tk := &store.Task{LocalID: "l1hqmd7lmkn9usrd3d", TaskID: "31b434709b3c9ab7ceedc0259a1b886a", Kind: store.KindExtend,
		Status: store.StatusSucceeded, CreatedAt: at, SubmittedAt: at, CompletedAt: at.Add(75 * time.Second),
		Seeds: []int{24680}, Request: store.Request{Prompt: "a storm rolls in", Seed: 12345},
		Files: []store.File{{Path: "/v/a.mp4", Size: 9_100_000, Duration: 8 * time.Second, SHA256: "0123456789abcdef"}}}
	var b bytes.Buffer
	printTask(&b, tk)
	out := b.String()
	for _, want := range []string{format.Status(store.StatusSucceeded), "9.1 MB", "took 1m15s", "seed      24680", format.Stamp(at)} {
		if !strings.Contains(out, want) {
			t.Errorf("the readable task lacks %q (the TUI's words):\n%s", want, out)
		}
	}
	if got := toJSON(tk).Seed; got == nil || *got != 24680 {
		t.Errorf("JSON seed %v, want the one the service reports, as the TUI shows", got)
	}
}

// Issue 8 item 4: `files` lists the files on disk, newest first; a file
// gone from disk stays in `downloads`, marked missing; an extension's new
// part saved alone is marked part (JSON) and "new part only" (text).
func TestFilesAsTheyAreOnDisk(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	part := filepath.Join(dir, "a_part.mp4")
	whole := filepath.Join(dir, "a.mp4")
	gone := filepath.Join(dir, "elsewhere", "a.mp4")
	for _, p := range []string{part, whole} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tk := &store.Task{LocalID: "l1", TaskID: "ext1", Kind: store.KindExtend, Status: store.StatusSucceeded, CreatedAt: at,
		Files: []store.File{
			{Path: gone, DownloadedAt: at.Add(3 * time.Hour)}, // the newest record, but deleted since
			{Path: part, Part: true, DownloadedAt: at},
			{Path: whole, DownloadedAt: at.Add(time.Hour)},
		}}
	j := toJSON(tk)
	if !slices.Equal(j.Files, []string{whole, part}) {
		t.Errorf("files %v, want the existing ones newest first", j.Files)
	}
	if len(j.Downloads) != 3 || !j.Downloads[0].Missing || j.Downloads[1].Missing || !j.Downloads[1].Part || j.Downloads[2].Part {
		t.Errorf("downloads %+v", j.Downloads)
	}
	var b bytes.Buffer
	printTask(&b, tk)
	if out := b.String(); !strings.Contains(out, "a_part.mp4") || !strings.Contains(out, "· new part only") || !strings.Contains(out, "· missing") {
		t.Errorf("readable:\n%s", out)
	}
}

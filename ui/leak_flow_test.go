package ui

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// TestScreenNeverShowsTheKey runs a whole TUI session with a real key
// (extend, run, download, Details, help), draws a frame after every
// message as the program would, and searches every frame, all the program
// wrote to the terminal, and the history file, for it.
func TestScreenNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	const key = "sk-SCREENLEAK-7f3a9c1e"
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{APIKey: key}, api.Options{}, download.Options{})
	f := startFlowOn(t, p, e, config.Settings{APIKey: key, AutoDownload: true})
	f.record()
	f.submit(t, "n", "Extend a video", "the lamp turns on")
	f.until(t, store.KindExtend, func(tk *store.Task) bool { return len(tk.Files) == 1 })
	for _, k := range []string{"enter", "c", "esc", "?", "esc", "f", "esc"} {
		f.press(k)
	}
	screen := strings.Join(f.frames, "\n") + f.o.Output.(*bytes.Buffer).String()
	if len(f.frames) < 20 || !strings.Contains(screen, "lamp turns on") {
		t.Fatalf("the session drew too little to say anything (%d frames)", len(f.frames))
	}
	if strings.Contains(screen, key) || strings.Contains(screen, strings.TrimPrefix(key, "sk-")) {
		t.Fatal("the API key was drawn on the screen")
	}
	db, err := os.ReadFile(e.DB)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(key)) {
		t.Fatal("the API key is in the history file")
	}
}

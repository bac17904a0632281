package ui

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// TestScreenNeverShowsTheKey runs a whole TUI session with a real key
// (extend, run, download, Details, help) and searches everything the program
// drew, and the history file, for it.
func TestScreenNeverShowsTheKey(t *testing.T) {
	const key = "sk-SCREENLEAK-7f3a9c1e"
	e := uitest.NewEnvWith(t, sim.Options{APIKey: key, MinDuration: 100 * time.Millisecond, MaxDuration: 200 * time.Millisecond},
		api.Options{}, download.Options{}, time.Now)
	f := startFlowOn(t, e, config.Settings{APIKey: key, AutoDownload: true})
	tm := f.tm
	f.key("n")
	f.waitScreen(t, "Extend a video")
	f.tm.Type("the lamp turns on")
	f.key("ctrl+s")
	f.waitScreen(t, "Review before spending")
	f.key("y")
	f.waitTask(t, store.KindExtend, func(tk *store.Task) bool { return len(tk.Files) == 1 })
	for _, k := range []string{"enter", "esc", "?", "esc", "f", "esc"} {
		f.key(k)
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	screen, err := io.ReadAll(tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if len(screen) < 1000 || !bytes.Contains(screen, []byte("lamp turns on")) {
		t.Fatalf("the session drew too little to say anything (%d bytes)", len(screen))
	}
	if bytes.Contains(screen, []byte(key)) || bytes.Contains(screen, []byte(strings.TrimPrefix(key, "sk-"))) {
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

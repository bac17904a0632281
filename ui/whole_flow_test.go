package ui

import (
	"os"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
)

// An extension whose record lists only its new part while it is downloaded
// is saved as the part; the open TUI keeps asking, and once the service
// lists the stitched video it fetches it beside the part (issue 8.2).
func TestFlowPartOnlyExtensionGetsItsWholeVideoWhenListed(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{SparseEvery: 1}, api.Options{}, download.Options{})
	// Ask once for the whole video before giving up on it (30 s of real
	// time otherwise).
	e.Svc = tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: e.Srv.URL, APIKey: "k"}),
		Downloader: download.New(download.Options{}), Store: e.Store, Now: p.Now, DownloadDir: e.Dir,
		NullGrace: time.Hour, WholeWait: time.Millisecond, WholePoll: time.Millisecond})
	f := startFlowOn(t, p, e, config.Settings{AutoDownload: true})
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	part := f.until(t, store.KindExtend, func(t *store.Task) bool { return len(t.Files) > 0 })
	if !part.Files[0].Part || !tasks.AwaitsWhole(part, p.Now()) {
		t.Fatalf("with only sparse answers the extension's file is %+v; want the new part alone", part.Files)
	}
	f.shows(t, "Running 0")

	e.Srv.Sim.SetSparseEvery(0) // the service lists the whole video from now on
	whole := f.until(t, store.KindExtend, func(t *store.Task) bool { return tasks.WholeDuration(t) > 0 })
	if len(whole.Files) != 2 {
		t.Fatalf("files %+v; want the whole video beside the part", whole.Files)
	}
	for _, file := range whole.Files {
		if st, err := os.Stat(file.Path); err != nil || st.Size() != file.Size {
			t.Errorf("%s: %v", file.Path, err)
		}
	}
	if d := tasks.WholeDuration(whole); d < 15*time.Second {
		t.Errorf("the whole video is %v long; want the stitched 15 s", d)
	}
	if f.poller.Watching(whole.LocalID) {
		t.Errorf("still asking about a task whose whole video is on disk")
	}
}

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
	p, e := sparseEnv(t)
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

// A part saved by an earlier veox is asked about again by the next one
// that opens, without a key pressed: the creator who closed veox right
// after the part came still ends up with the whole video.
func TestPartSavedByAnEarlierVeoxIsFetchedWholeByTheNext(t *testing.T) {
	t.Parallel()
	p, e := sparseEnv(t)
	first := startFlowOn(t, p, e, config.Settings{AutoDownload: true})
	first.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	part := first.until(t, store.KindExtend, func(t *store.Task) bool { return len(t.Files) > 0 })
	if !part.Files[0].Part {
		t.Fatalf("files %+v; want the new part alone", part.Files)
	}
	p.Quit() // the user closes veox with the part on disk
	p.Advance(2 * time.Hour)

	e.Srv.Sim.SetSparseEvery(0) // the service lists the whole video now
	next := &flow{env: e, rig: newRig(p, Options{Service: e.Svc, Demo: true, Settings: config.Settings{AutoDownload: true}}, 120, 36)}
	if !next.poller.Watching(part.LocalID) {
		t.Fatalf("the new veox does not ask about %s, saved as its part alone", part.LocalID)
	}
	done := p.AdvanceUntil(time.Minute+time.Second, func() bool {
		got, err := e.Store.Get(part.LocalID)
		return err == nil && tasks.WholeDuration(got) > 0
	})
	if !done {
		got, _ := e.Store.Get(part.LocalID)
		t.Fatalf("no whole video within a minute of opening; files %+v, timers %v", got.Files, p.Timers())
	}
	got, _ := e.Store.Get(part.LocalID)
	if len(got.Files) != 2 || tasks.WholeDuration(got) < 15*time.Second {
		t.Errorf("files %+v; want the stitched 15 s video beside the part", got.Files)
	}
}

// sparseEnv is a simulator that answers every status in the older, sparse
// shape (the new part alone), with a service that asks once for the whole
// video before saving the part (30 s of real time otherwise).
func sparseEnv(t *testing.T) (*uitest.Pump, *uitest.Env) {
	t.Helper()
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{SparseEvery: 1}, api.Options{}, download.Options{})
	e.Svc = tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: e.Srv.URL, APIKey: "k"}),
		Downloader: download.New(download.Options{}), Store: e.Store, Now: p.Now, DownloadDir: e.Dir,
		NullGrace: time.Hour, WholeWait: time.Millisecond, WholePoll: time.Millisecond})
	return p, e
}

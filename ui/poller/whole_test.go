package poller

import (
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
)

// partOnly is a finished extension saved as its new part alone, with the
// record still not listing the whole video.
func partOnly(now time.Time) *store.Task {
	return &store.Task{LocalID: "x1", TaskID: "t1", Kind: store.KindExtend, ParentID: "p1",
		Status: store.StatusSucceeded, CreatedAt: now, CompletedAt: now,
		ResultURLs: []string{"https://cdn/part.mp4"},
		Files:      []store.File{{Path: "/v/x1_part.mp4", Part: true}}}
}

// wholeLater answers the first asks with the part alone, then lists the
// whole video.
type wholeLater struct {
	asks *int
	at   int
}

func (w wholeLater) Refresh(_ context.Context, id string) (*store.Task, error) {
	*w.asks++
	t := partOnly(uitest.Now)
	if *w.asks >= w.at {
		t.FullResultURLs = []string{"https://cdn/full.mp4"}
	}
	return t, nil
}

func (wholeLater) PollDelay(*store.Task, time.Time) time.Duration { return time.Second }

// A finished extension saved as its part alone is asked about, slowly,
// until the service lists its whole video; the chain then ends with
// Event.Whole and never counts as a running task.
func TestWatchWholeAsksUntilTheWholeVideoIsListed(t *testing.T) {
	pump := &uitest.Pump{}
	asks := 0
	p := New(context.Background(), wholeLater{asks: &asks, at: 3}, pump.Now, pump.Timer)
	var ended *Event
	pump.Update = func(msg tea.Msg) tea.Cmd {
		cmd, ev, _ := p.Update(msg)
		if ev != nil && ev.Ended {
			ended = ev
		}
		return cmd
	}
	pump.Run(p.WatchWhole(partOnly(pump.Now())))
	if p.Running() != 0 || !p.Watching("x1") {
		t.Fatalf("running %d, watching %v; want a chain that is not a running task", p.Running(), p.Watching("x1"))
	}
	if pump.Advance(59 * time.Second); asks != 0 {
		t.Fatalf("asked %d times within the first minute; want slow asks", asks)
	}
	pump.AdvanceUntil(time.Hour, func() bool { return ended != nil })
	if ended == nil || !ended.Whole || asks != 3 || p.Watching("x1") {
		t.Fatalf("ended %+v after %d asks (watching %v); want the chain ended with Whole at the 3rd", ended, asks, p.Watching("x1"))
	}
}

// Only a task that awaits its whole video gets such a chain.
func TestWatchWholeIgnoresOtherTasks(t *testing.T) {
	pump := &uitest.Pump{}
	p := New(context.Background(), service{}, pump.Now, pump.Timer)
	whole := partOnly(pump.Now())
	whole.Files = append(whole.Files, store.File{Path: "/v/x1.mp4"})
	old := partOnly(pump.Now().Add(-15 * 24 * time.Hour))
	generated := partOnly(pump.Now())
	generated.Kind, generated.ParentID = store.KindGenerate, ""
	for name, task := range map[string]*store.Task{"whole on disk": whole, "past 14 days": old, "not an extension": generated} {
		if cmd := p.WatchWhole(task); cmd != nil || p.Watching(task.LocalID) {
			t.Errorf("%s: watched", name)
		}
	}
}

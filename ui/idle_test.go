package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/nav"
)

// historyWith is a seeded history of n tasks whose active ones are set to
// status; it is closed with the test.
func historyWith(t *testing.T, n int, status string) *uitest.History {
	t.Helper()
	h, err := uitest.NewHistory(n, func(s *store.Store) error {
		return uitest.SetAll(s, []string{store.StatusRunning, store.StatusSubmitting}, status)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// pumped is the root over h, started with the pump, which records every
// timer it is asked to start.
func pumped(h *uitest.History) (*Model, *uitest.Pump) {
	m := New(Options{Service: h.Svc, Now: uitest.Clock, Styles: uitest.Styles(), Output: &bytes.Buffer{}})
	p := &uitest.Pump{Update: m.update}
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 36})
	p.Run(m.Init())
	return &m, p
}

// With nothing running and nothing downloading, start-up and browsing
// start no timer at all: an idle veox does no work.
func TestIdleStartsNoTimer(t *testing.T) {
	m, p := pumped(historyWith(t, 300, store.StatusSucceeded))
	if m.list.Selected() == nil {
		t.Fatal("the first page did not load")
	}
	for _, k := range []string{"down", "down", "end", "home", "enter", "esc", "tab", "2", "?", "esc", "f", "esc"} {
		p.Send(uitest.Key(k))
		_ = m.View()
	}
	if len(p.Timers) > 0 {
		t.Errorf("an idle veox started timers: %s", strings.Join(p.Timers, ", "))
	}
}

// A running task turns the spinner and gets a poll; once it ends, the
// spinner's next frame starts no further timer.
func TestTimersStopWhenTheLastTaskEnds(t *testing.T) {
	h := historyWith(t, 300, store.StatusRunning)
	m, p := pumped(h)
	if len(p.Timers) < 2 || m.poller.Running() == 0 {
		t.Fatalf("a running history started %d timers and polls %d tasks; want a spinner and polls", len(p.Timers), m.poller.Running())
	}
	active, err := h.Store.Active()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		a.Status = store.StatusSucceeded
		p.Send(nav.TaskChanged{Task: a})
	}
	p.Reset()
	p.Send(spinner.TickMsg{})
	p.Send(uitest.Key("down"))
	if len(p.Timers) > 0 {
		t.Errorf("timers after every task ended: %s", strings.Join(p.Timers, ", "))
	}
}

package poller

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
)

// service answers every refresh at once with the task still running; the
// tests count the refreshes the poller's commands make.
type service struct{}

func (service) Refresh(_ context.Context, id string) (*store.Task, error) {
	return &store.Task{LocalID: id, Status: store.StatusRunning}, nil
}

func (service) PollDelay(*store.Task, time.Time) time.Duration { return time.Second }

// idle is a poller whose timers a pump holds, so no test waits for one.
func idle() Poller {
	p := &uitest.Pump{}
	return New(context.Background(), service{}, p.Now, p.Timer)
}

// refreshes runs cmd (timers are held, not fired) and counts the answers
// of the refreshes it made.
func refreshes(t *testing.T, cmd tea.Cmd) int {
	t.Helper()
	p := &uitest.Pump{}
	p.Run(cmd)
	n := 0
	for _, msg := range p.Seen {
		if _, ok := msg.(resultMsg); ok {
			n++
		}
	}
	return n
}

func watchAll(p *Poller, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("t%03d", i)
		p.Watch(&store.Task{LocalID: ids[i], Status: store.StatusRunning})
	}
	return ids
}

func tick(p *Poller, id string) tea.Cmd {
	cmd, _, _ := p.Update(tickMsg{id: id, gen: p.chains[id].gen})
	return cmd
}

func answer(p *Poller, id string) tea.Cmd {
	cmd, _, _ := p.Update(resultMsg{id: id, gen: p.chains[id].gen,
		task: &store.Task{LocalID: id, Status: store.StatusRunning}, at: time.Now()})
	return cmd
}

// With 100 tasks due at once, only MaxInFlight requests go out; each answer
// lets exactly one waiting task through, oldest first, until all were asked.
func TestPollerBoundsRequestsInFlight(t *testing.T) {
	p := idle()
	ids := watchAll(&p, 100)
	sent := 0
	for _, id := range ids {
		sent += refreshes(t, tick(&p, id))
	}
	if sent != MaxInFlight || p.InFlight() != MaxInFlight {
		t.Fatalf("%d requests sent, %d in flight; want %d", sent, p.InFlight(), MaxInFlight)
	}
	for i := 0; i < len(ids); i++ {
		if n := refreshes(t, answer(&p, ids[i])); n != 1 && i < len(ids)-MaxInFlight {
			t.Fatalf("answer %d let %d requests through, want 1", i, n)
		}
		if p.InFlight() > MaxInFlight {
			t.Fatalf("%d in flight", p.InFlight())
		}
	}
	if p.InFlight() != 0 {
		t.Errorf("%d still in flight after every answer", p.InFlight())
	}
}

// A task never has two requests in flight, nor waits twice in the queue.
func TestPollerOneRequestPerTask(t *testing.T) {
	p := idle()
	ids := watchAll(&p, MaxInFlight+1)
	for _, id := range ids {
		tick(&p, id)
	}
	for _, id := range ids {
		if n := refreshes(t, tick(&p, id)); n != 0 {
			t.Errorf("a second tick of %s sent %d requests", id, n)
		}
	}
	if len(p.slots.waiting) != 1 {
		t.Errorf("%d ticks waiting, want 1", len(p.slots.waiting))
	}
}

// A task that ends frees its slot for the next one.
func TestPollerEndedTaskFreesItsSlot(t *testing.T) {
	p := idle()
	ids := watchAll(&p, MaxInFlight+1)
	for _, id := range ids {
		tick(&p, id)
	}
	cmd, ev, _ := p.Update(resultMsg{id: ids[0], gen: p.chains[ids[0]].gen,
		task: &store.Task{LocalID: ids[0], Status: store.StatusSucceeded}})
	if ev == nil || !ev.Ended || p.Watching(ids[0]) {
		t.Fatalf("the finished task's chain did not end: %+v", ev)
	}
	if n := refreshes(t, cmd); n != 1 || p.InFlight() != MaxInFlight {
		t.Errorf("%d requests started, %d in flight; want the waiting task asked", n, p.InFlight())
	}
}

// 100 tasks picked up at once are first asked spread over the interval,
// not in the same instant (issue 17.4), in the same places in every run.
func TestPollerSpreadsTasksPickedUpTogether(t *testing.T) {
	pump := &uitest.Pump{}
	p := New(context.Background(), service{}, pump.Now, pump.Timer)
	for i := range 100 {
		pump.Run(p.Watch(&store.Task{LocalID: fmt.Sprintf("l%03d", i), Status: store.StatusRunning}))
	}
	ts := pump.Timers()
	if len(ts) != 100 {
		t.Fatalf("%d first ticks, want 100", len(ts))
	}
	first, last := ts[0].D, ts[len(ts)-1].D
	seconds := map[time.Duration]int{}
	for _, x := range ts {
		seconds[x.D.Truncate(100*time.Millisecond)]++
	}
	busiest := 0
	for _, n := range seconds {
		busiest = max(busiest, n)
	}
	if first < 200*time.Millisecond || last > time.Second || last-first < 600*time.Millisecond || busiest > 25 {
		t.Errorf("first ticks from %v to %v, %d in the busiest 100 ms; want them spread over the 1 s interval", first, last, busiest)
	}
}

package uitest

import (
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Pump runs a model's commands the way the program would, but one at a time
// in the caller's goroutine, so a test sees exactly what happened and in
// which order, and a benchmark measures the work itself.
//
// Nothing waits on the clock. The model starts its timers through Timer (its
// timer.Func); running such a command yields a pending timer, recognised by
// its type, that the test fires when it chooses: Advance moves the pump's
// clock and fires what came due, AdvanceUntil fires them in order until a
// condition holds. Commands that do real work (bbolt, HTTP to the
// simulator on loopback) simply run to their end before the next one
// starts.
type Pump struct {
	Update func(tea.Msg) tea.Cmd
	Seen   []tea.Msg // every message that reached Update, in order

	// elapsed is how far the pump's clock is past Now. Atomic: the
	// simulator reads the clock from its own goroutines.
	elapsed atomic.Int64
	pending []*Timer
	started int
}

// Timer is a timer the model started and the pump holds.
type Timer struct {
	D   time.Duration // as asked
	Due time.Time     // on the pump's clock
	fn  func(time.Time) tea.Msg
	seq int // start order: timers due at the same time fire in it
}

// Msg is the message the timer delivers when it fires.
func (t *Timer) Msg() tea.Msg { return t.fn(t.Due) }

// String names a timer by the message it will deliver and its delay.
func (t *Timer) String() string { return fmt.Sprintf("%T after %v", t.Msg(), t.D) }

// timerMsg is what a command started through Pump.Timer yields when run:
// the pump knows a timer by this type.
type timerMsg struct{ t *Timer }

// Now is the pump's clock: uitest.Now until Advance moves it. Hand it to the
// model (and the simulator) so what they show follows the fired timers.
func (p *Pump) Now() time.Time { return Now.Add(time.Duration(p.elapsed.Load())) }

// Timer is the model's timer.Func: the timer starts when the command is
// made, as tea.Tick's does, and waits in the pump once the command runs.
func (p *Pump) Timer(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	due := p.Now().Add(d)
	return func() tea.Msg { return timerMsg{&Timer{D: d, Due: due, fn: fn}} }
}

// Run executes cmd and everything its messages lead to, breadth first, the
// way the program's loop would, holding timers instead of waiting.
func (p *Pump) Run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if t, ok := msg.(timerMsg); ok {
			p.started++
			t.t.seq = p.started
			p.pending = append(p.pending, t.t)
			continue
		}
		if cmds, ok := commands(msg); ok {
			queue = append(queue, cmds...)
			continue
		}
		if msg != nil {
			queue = append(queue, p.deliver(msg))
		}
	}
}

func (p *Pump) deliver(msg tea.Msg) tea.Cmd {
	p.Seen = append(p.Seen, msg)
	if p.Update == nil {
		return nil
	}
	return p.Update(msg)
}

// Send delivers one message and runs what follows from it.
func (p *Pump) Send(msg tea.Msg) { p.Run(func() tea.Msg { return msg }) }

// Timers are the pending timers, earliest first.
func (p *Pump) Timers() []*Timer {
	out := slices.Clone(p.pending)
	slices.SortFunc(out, func(a, b *Timer) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	return out
}

// Started is how many timers the model has started so far.
func (p *Pump) Started() int { return p.started }

func (p *Pump) fire(t *Timer) {
	p.pending = slices.DeleteFunc(p.pending, func(x *Timer) bool { return x == t })
	if d := t.Due.Sub(Now); d > time.Duration(p.elapsed.Load()) {
		p.elapsed.Store(int64(d))
	}
	p.Send(t.Msg())
}

// Advance moves the clock by d, firing in order every timer that comes due
// meanwhile, including those the fired ones start.
func (p *Pump) Advance(d time.Duration) {
	end := time.Duration(p.elapsed.Load()) + d
	for {
		ts := p.Timers()
		if len(ts) == 0 || ts[0].Due.Sub(Now) > end {
			break
		}
		p.fire(ts[0])
	}
	if end > time.Duration(p.elapsed.Load()) {
		p.elapsed.Store(int64(end))
	}
}

// AdvanceUntil fires timers in order until ok holds, or fails when the clock
// would pass limit or no timer is left to fire. It returns ok's last answer.
func (p *Pump) AdvanceUntil(limit time.Duration, ok func() bool) bool {
	end := time.Duration(p.elapsed.Load()) + limit
	for !ok() {
		ts := p.Timers()
		if len(ts) == 0 || ts[0].Due.Sub(Now) > end {
			return false
		}
		p.fire(ts[0])
	}
	return true
}

// Quit drops every pending timer, as the end of the program would: a test
// can then start another model on the same history and clock, the way a
// user opens veox again.
func (p *Pump) Quit() { p.pending = nil }

// Reset forgets the messages seen so far.
func (p *Pump) Reset() { p.Seen = nil }

// commands unpacks a batch or a sequence (whose type Bubble Tea keeps
// private); run here one at a time, both keep their order.
func commands(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}

// Package poller keeps running tasks up to date from the service. Each
// running task has one chain of commands: a tick after the service's
// cadence, then one refresh request, then the next tick. There is at most
// one request in flight per task and MaxInFlight overall (a tick that finds
// every slot taken waits its turn), errors back off, and when nothing runs
// nothing ticks at all.
package poller

import (
	"context"
	"errors"
	"math"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/timer"
)

// Backoff bounds: the first error waits at least minBackoff, and each
// further one doubles it up to maxBackoff.
const (
	minBackoff = 5 * time.Second
	maxBackoff = 2 * time.Minute
)

// MaxInFlight caps the refreshes in flight across all tasks. The service
// allows about 100 running tasks; their ticks would otherwise line up into
// bursts of 100 requests. Reads are not rate-limited, but a few
// connections are polite and keep the program light.
const MaxInFlight = 8

// Poller is part of the root model. Its map and slots are shared between
// copies of the model, which is fine: Bubble Tea keeps only the latest one.
type Poller struct {
	svc    Service
	ctx    context.Context
	now    func() time.Time
	after  timer.Func
	chains map[string]*chain // by local id
	slots  *slots
	gen    int
}

// slots count the refreshes in flight and hold the ticks that came due
// while all were taken, oldest first.
type slots struct {
	inFlight int
	waiting  []tickMsg
}

type chain struct {
	gen      int
	inFlight bool
	queued   bool // its tick came due while every slot was taken
	backoff  time.Duration
	whole    bool // a finished extension asked about until its whole video is listed
}

// tickMsg says it is time to ask about a task; gen drops ticks of a chain
// that was stopped.
type tickMsg struct {
	id  string
	gen int
}

// resultMsg is one refresh's answer.
type resultMsg struct {
	id   string
	gen  int
	task *store.Task
	err  error
	at   time.Time
}

// Event is what the root learns from a poll: the task as it now is, whether
// its chain ended (and why), and the error of the moment, if any.
type Event struct {
	Task    *store.Task // nil if the refresh failed before reading the task
	At      time.Time   // when the answer came
	Ended   bool        // the chain stopped: the task finished, or an error no retry can mend
	Whole   bool        // the chain was WatchWhole's: Ended means the whole video may be listed now
	Err     error       // the refresh failed (the chain backs off unless Ended)
	Backoff time.Duration
}

// Service is what the poller asks: *tasks.Service in the program.
type Service interface {
	Refresh(ctx context.Context, id string) (*store.Task, error)
	PollDelay(t *store.Task, now time.Time) time.Duration
}

// New builds an idle poller; tick starts its timers (nil = tea.Tick).
func New(ctx context.Context, svc Service, now func() time.Time, tick timer.Func) Poller {
	return Poller{svc: svc, ctx: ctx, now: now, after: tick, chains: map[string]*chain{}, slots: &slots{}}
}

// InFlight is how many refreshes are under way.
func (p *Poller) InFlight() int { return p.slots.inFlight }

// Running is how many running tasks are being polled (a finished
// extension waiting for its whole video is not running).
func (p *Poller) Running() int {
	n := 0
	for _, c := range p.chains {
		if !c.whole {
			n++
		}
	}
	return n
}

// Watching reports whether a task has a chain.
func (p *Poller) Watching(id string) bool { _, ok := p.chains[id]; return ok }

// Watch starts a chain for a running task. A task that already has one
// keeps it: starting a second would put two requests in flight.
func (p *Poller) Watch(t *store.Task) tea.Cmd {
	if t == nil || t.Status != store.StatusRunning || p.Watching(t.LocalID) {
		return nil
	}
	p.gen++
	c := &chain{gen: p.gen}
	p.chains[t.LocalID] = c
	return p.tick(t.LocalID, c, phase(p.gen, p.svc.PollDelay(t, p.now())))
}

// phase is when the k-th chain first asks: somewhere in its first
// interval. Tasks picked up together (at start-up, a batch a script made)
// would otherwise ask in the same instant, every answer landing between
// two keys at once. Stepping by the golden ratio spreads any number of
// chains evenly over the interval (100 of them about one every
// interval/100), and they keep that spacing, since each chain's next tick
// follows its own answer. The k-th place is the same in every run.
func phase(k int, d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	const golden = 0.6180339887498949
	_, frac := math.Modf(float64(k) * golden)
	return d/5 + time.Duration(frac*float64(d-d/5))
}

// WatchWhole starts a slow chain for a finished extension saved as its
// new part alone (tasks.AwaitsWhole): it ends, with Event.Whole, when the
// service lists the whole video or stops keeping the task.
func (p *Poller) WatchWhole(t *store.Task) tea.Cmd {
	return p.watchWhole(t, func(now time.Time) time.Duration { return tasks.WholeDelay(t, now) })
}

// ResumeWhole is WatchWhole for a part an earlier veox saved: its first
// ask comes within a minute (spread like Watch's), since nobody has asked
// for a while, then the chain slows down as WatchWhole's does.
func (p *Poller) ResumeWhole(t *store.Task) tea.Cmd {
	return p.watchWhole(t, func(time.Time) time.Duration { return phase(p.gen, time.Minute) })
}

func (p *Poller) watchWhole(t *store.Task, first func(now time.Time) time.Duration) tea.Cmd {
	now := p.now()
	if !tasks.AwaitsWhole(t, now) || p.Watching(t.LocalID) {
		return nil
	}
	p.gen++
	c := &chain{gen: p.gen, whole: true}
	p.chains[t.LocalID] = c
	return p.tick(t.LocalID, c, first(now))
}

func (p *Poller) tick(id string, c *chain, d time.Duration) tea.Cmd {
	gen := c.gen
	return timer.After(p.after, d, func(time.Time) tea.Msg { return tickMsg{id: id, gen: gen} })
}

// Update handles the poller's own messages. ok is false for any other
// message. A non-nil Event is news for the root.
func (p *Poller) Update(msg tea.Msg) (cmd tea.Cmd, ev *Event, ok bool) {
	switch msg := msg.(type) {
	case tickMsg:
		return p.onTick(msg), nil, true
	case resultMsg:
		cmd, ev := p.onResult(msg)
		return cmd, ev, true
	}
	return nil, nil, false
}

func (p *Poller) onTick(msg tickMsg) tea.Cmd {
	c, ok := p.chains[msg.id]
	if !ok || c.gen != msg.gen || c.inFlight || c.queued {
		return nil
	}
	if p.slots.inFlight >= MaxInFlight {
		c.queued = true
		p.slots.waiting = append(p.slots.waiting, msg)
		return nil
	}
	return p.start(msg.id, c)
}

func (p *Poller) start(id string, c *chain) tea.Cmd {
	c.inFlight, c.queued = true, false
	p.slots.inFlight++
	return p.refresh(id, c.gen)
}

// release frees the slot of a finished refresh and hands it to the oldest
// waiting tick whose chain still stands.
func (p *Poller) release() tea.Cmd {
	p.slots.inFlight = max(0, p.slots.inFlight-1)
	for len(p.slots.waiting) > 0 {
		next := p.slots.waiting[0]
		p.slots.waiting = p.slots.waiting[1:]
		if c, ok := p.chains[next.id]; ok && c.gen == next.gen && c.queued {
			return p.start(next.id, c)
		}
	}
	return nil
}

// refresh is the command that asks the service; it captures only values.
func (p *Poller) refresh(id string, gen int) tea.Cmd {
	svc, parent, now := p.svc, p.ctx, p.now
	return func() tea.Msg {
		t, err := svc.Refresh(parent, id) // the service bounds the call
		return resultMsg{id: id, gen: gen, task: t, err: err, at: now()}
	}
}

// onResult frees the request's slot whatever the answer, then carries the
// task's chain on.
func (p *Poller) onResult(msg resultMsg) (tea.Cmd, *Event) {
	next := p.release()
	cmd, ev := p.onAnswer(msg)
	return tea.Batch(cmd, next), ev
}

func (p *Poller) onAnswer(msg resultMsg) (tea.Cmd, *Event) {
	c, ok := p.chains[msg.id]
	if !ok || c.gen != msg.gen {
		return nil, nil
	}
	c.inFlight = false
	ev := &Event{Task: msg.task, At: msg.at, Err: msg.err, Whole: c.whole}
	if msg.err != nil {
		if stops(msg.err) {
			delete(p.chains, msg.id)
			ev.Ended = true
			return nil, ev
		}
		c.backoff = min(max(2*c.backoff, minBackoff), maxBackoff)
		ev.Backoff = c.backoff
		return p.tick(msg.id, c, max(c.backoff, p.delay(c, msg.task))), ev
	}
	c.backoff = 0
	if msg.task == nil || !p.goesOn(c, msg.task) {
		delete(p.chains, msg.id)
		ev.Ended = true
		return nil, ev
	}
	return p.tick(msg.id, c, p.delay(c, msg.task)), ev
}

// goesOn: the chain has more to ask about t.
func (p *Poller) goesOn(c *chain, t *store.Task) bool {
	if c.whole {
		return tasks.AwaitsWhole(t, p.now())
	}
	return t.Status == store.StatusRunning
}

func (p *Poller) delay(c *chain, t *store.Task) time.Duration {
	switch {
	case t == nil:
		return minBackoff
	case c.whole:
		return tasks.WholeDelay(t, p.now())
	}
	return p.svc.PollDelay(t, p.now())
}

// stops: errors no retry can mend until the user acts (a wrong key, a
// disabled feature, a broken history), or a program shutting down. The rule
// is tasks.Fatal, shared with the headless --wait.
func stops(err error) bool {
	return errors.Is(err, context.Canceled) || tasks.Fatal(err)
}

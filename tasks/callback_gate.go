package tasks

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits on what callbacks can make veox do with the user's key. Every
// callback that needs the service costs a record-info call (two when it
// settles a create), and anyone who can reach the receiver can send them:
// 3,000 forged callbacks made 3,000 calls in 1.6 s. Real ones come when
// tasks end, a few a minute even with 100 tasks running, so a bucket of 20
// refilled once a second never holds a real one back for long, and the
// service retries a callback that was refused.
const (
	callbackBurst    = 20
	callbackRefill   = time.Second
	callbackRemember = 10 * time.Minute // an id answered for sure is not asked about again for so long
	callbackMaxIDs   = 4096             // ids remembered at most
)

// callbackGate decides, before answering, whether a callback may cost a
// call: the same id is asked about once at a time and not again soon after
// a sure answer, and the calls of all the others share a token bucket.
type callbackGate struct {
	now  func() time.Time
	mu   sync.Mutex
	lim  *rate.Limiter
	busy map[string]bool
	done map[string]time.Time
	ids  []string // done's keys, oldest first
}

func newCallbackGate(now func() time.Time) *callbackGate {
	return &callbackGate{now: now, lim: rate.NewLimiter(rate.Every(callbackRefill), callbackBurst),
		busy: map[string]bool{}, done: map[string]time.Time{}}
}

// admission is the gate's verdict on one callback.
type admission int

const (
	admitted  admission = iota
	duplicate           // being handled, or answered for sure a moment ago: nothing to do
	overLimit           // too many calls lately: ask the sender to come back
)

// admit takes a token only when costsCall says the callback will ask the
// service: one that matches nothing in the history makes no call and must
// not crowd out real ones. costsCall reads the history, so it runs outside
// the lock, and not at all once the bucket is empty: a flood then costs no
// more than its HTTP requests.
func (g *callbackGate) admit(id string, costsCall func() bool) admission {
	if v, ok := g.precheck(id); !ok {
		return v
	}
	costs := costsCall()
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := g.precheckLocked(id); !ok {
		return v
	}
	if costs && !g.lim.AllowN(g.now(), 1) {
		return overLimit
	}
	g.busy[id] = true
	return admitted
}

func (g *callbackGate) precheck(id string) (admission, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.precheckLocked(id)
}

func (g *callbackGate) precheckLocked(id string) (admission, bool) {
	now := g.now()
	if g.busy[id] {
		return duplicate, false
	}
	if at, ok := g.done[id]; ok && now.Sub(at) < callbackRemember {
		return duplicate, false
	}
	if g.lim.TokensAt(now) < 1 {
		return overLimit, false
	}
	return admitted, true
}

// finish releases id; sure says the service's answer about it is final (a
// finished task, or no such task), so repeats are not worth a call.
func (g *callbackGate) finish(id string, sure bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.busy, id)
	if !sure {
		return
	}
	if _, ok := g.done[id]; !ok {
		g.ids = append(g.ids, id)
	}
	g.done[id] = g.now()
	for len(g.ids) > callbackMaxIDs {
		delete(g.done, g.ids[0])
		g.ids = g.ids[1:]
	}
}

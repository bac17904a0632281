package api

import (
	"context"
	"sync"
	"time"
)

// Pacer holds a create back until the service's rate limit lets it
// through. *rate.Limiter is one (tests pass rate.Inf); the default is
// Window.
type Pacer interface {
	Wait(ctx context.Context) error
}

// The service's limit: at most 20 task-creating requests in any 10 s
// (veo-api.md). windowSlack keeps our window a little longer than the
// service's, so a request that reaches it later than the one 20 before
// it (the network's jitter) still lands outside that one's window.
const (
	createsPerWindow = 20
	createWindow     = 10 * time.Second
	windowSlack      = 250 * time.Millisecond
)

// Window lets at most n creates start in any span of per: as fast as the
// service allows, no slower. 100 creates start in five waves of 20, the
// last about 41 s after the first (a token bucket of burst 3 and one per
// 600 ms, as before, took 58 s, where the limit allows 40).
type Window struct {
	mu   sync.Mutex
	n    int
	per  time.Duration
	sent []time.Time // start times of the last n creates, oldest first
}

// NewWindow is a Window of n per span.
func NewWindow(n int, per time.Duration) *Window { return &Window{n: n, per: per} }

func defaultPacer() Pacer { return NewWindow(createsPerWindow, createWindow+windowSlack) }

// Wait returns when a create may start, or with ctx's error.
func (w *Window) Wait(ctx context.Context) error {
	for {
		wait := w.take()
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take claims a place now if the window has one (0), or says how long
// until the oldest place frees.
func (w *Window) take() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for len(w.sent) > 0 && now.Sub(w.sent[0]) >= w.per {
		w.sent = w.sent[1:]
	}
	if len(w.sent) < w.n {
		w.sent = append(w.sent, now)
		return 0
	}
	return w.per - now.Sub(w.sent[0])
}

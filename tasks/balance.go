package tasks

import (
	"context"
	"sync"
	"time"
)

// Balance is one reading of the credit balance.
type Balance struct {
	Credits float64
	At      time.Time // when it was read
}

// balanceFresh is how old a reading may be and still stand for "now" in a
// decision about money (the review of a create, the figure kept beside it).
const balanceFresh = 10 * time.Second

// balances keeps the last reading. The Service is the one owner of the
// balance: the status bar, the composer, the review, the figure kept with
// a create and the CLI all ask it, so one create no longer reads the
// balance five times from three places.
type balances struct {
	mu    sync.Mutex
	last  Balance
	known bool
	stale bool // money may have moved since: a create was sent or a task ended
}

func (b *balances) get() (Balance, bool, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.known, b.stale
}

func (b *balances) put(v Balance) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.known && v.At.Before(b.last.At) {
		return // an older read answered late
	}
	b.last, b.known, b.stale = v, true, false
}

// moved marks the last reading as out of date.
func (b *balances) moved() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stale = true
}

// Balance returns the balance as of now: the last reading if it is younger
// than a few seconds and no money can have moved since, else a new one.
func (s *Service) Balance(ctx context.Context) (Balance, error) {
	if last, ok, stale := s.bal.get(); ok && !stale && s.now().Sub(last.At) < balanceFresh {
		return last, nil
	}
	return s.ReadBalance(ctx)
}

// KnownBalance is for display only: any reading already made, however old,
// else a new one.
func (s *Service) KnownBalance(ctx context.Context) (Balance, error) {
	if last, ok, _ := s.bal.get(); ok {
		return last, nil
	}
	return s.ReadBalance(ctx)
}

// ReadBalance always asks the service ('veox credits'), within the read
// budget, and keeps the answer for the others.
func (s *Service) ReadBalance(ctx context.Context) (Balance, error) {
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	at := s.now()
	c, err := s.api.Credit(ctx)
	if err != nil {
		return Balance{}, err
	}
	b := Balance{Credits: c, At: at}
	s.bal.put(b)
	return b, nil
}

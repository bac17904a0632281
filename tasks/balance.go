package tasks

import (
	"context"
	"sync"
	"time"

	"github.com/veox/veox/store"
)

// Balance is one reading of the credit balance.
type Balance struct {
	Credits float64
	At      time.Time // when it was asked for
	// Seq is the history's change sequence just before it was asked for
	// (store.BalanceReading): what was written since is what may have
	// moved the balance since. seqOK is false when it could not be read.
	Seq   uint64
	seqOK bool
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
// budget, keeps the answer for the others and adds it to the balance
// history (the ledger's chart, and the reading a task's end is compared
// with). The change sequence is read first, so anything written to the
// history after it counts as "since this reading".
func (s *Service) ReadBalance(ctx context.Context) (Balance, error) {
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	seq, seqErr := s.store.ChangeSeq()
	at := s.now()
	c, err := s.api.Credit(ctx)
	if err != nil {
		return Balance{}, err
	}
	b := Balance{Credits: c, At: at, Seq: seq, seqOK: seqErr == nil}
	s.bal.put(b)
	if b.seqOK && !s.store.ReadOnly() {
		if err := s.store.PutBalance(store.BalanceReading{At: at, Credits: c, Seq: seq}); err != nil {
			s.log.Warn("the balance history could not be written", "err", err)
		}
	}
	return b, nil
}

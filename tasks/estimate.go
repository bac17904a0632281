package tasks

import (
	"time"

	"github.com/veox/veox/store"
)

// estimateSample is how many recent successes of a kind make the mean.
const estimateSample = 20

// estimatePage is how many of the newest successes are read.
const estimatePage = 100

// Estimates is how long each kind of task usually runs: the mean of up to
// estimateSample of its newest successes, from acceptance to completion.
// It reads one page of the newest successes: filtering by kind in the store
// would walk the whole history for a kind never used, while one page costs
// the same at 100 tasks or 100,000, and a kind absent from the recent past
// gets no estimate. Both faces show it (the task list, 'veox wait').
func Estimates(s *store.Store) map[string]time.Duration {
	out := map[string]time.Duration{}
	ts, _, err := s.List(store.Query{Statuses: []string{store.StatusSucceeded}, Limit: estimatePage})
	if err != nil {
		return out
	}
	byKind := map[string][]store.Task{}
	for _, t := range ts {
		if len(byKind[t.Kind]) < estimateSample {
			byKind[t.Kind] = append(byKind[t.Kind], t)
		}
	}
	for kind, ts := range byKind {
		if d := meanDuration(ts); d > 0 {
			out[kind] = d
		}
	}
	return out
}

func meanDuration(ts []store.Task) time.Duration {
	var sum time.Duration
	n := 0
	for _, t := range ts {
		if t.SubmittedAt.IsZero() || t.CompletedAt.Before(t.SubmittedAt) {
			continue
		}
		sum += t.CompletedAt.Sub(t.SubmittedAt)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / time.Duration(n)
}

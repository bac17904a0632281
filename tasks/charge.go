package tasks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/veox/veox/store"
)

// The real charge of a task (issue 14) is read off the credit balance: the
// reading before a create was sent against the reading after its answer,
// and, because when the service bills is not documented (at acceptance or
// at completion, veo-api.md), the last reading before the task ended
// against one made when this veox sees it end.
//
// A difference between two readings is one task's only when nothing else
// that moves the balance happened between them, as far as the history can
// tell. Several veox share one history, so "in flight" is read from it,
// not from this process: each reading keeps the history's change sequence
// (Balance.Seq), and every task written since is looked at: another
// create whose intent-to-answer span meets the interval, or another task
// whose end falls in it (a refund, or a charge at completion), makes the
// figure an estimate, with the reason. An end this veox only learns of
// later is caught then (reviseAround). What no history records (the web
// dashboard, another program with the same key, a top-up) cannot be told
// apart; a balance that rose is never taken for a charge.
const (
	// chargeSlack widens a task's end: the service's clock and ours, and
	// the moment it books the money, may differ by a little.
	chargeSlack = 5 * time.Second
	// unknownLive is how long a create of unknown outcome may still be
	// running upstream (the service gives up after about 10 minutes).
	unknownLive = time.Hour
	// afterRead bounds the balance reads a create or an end adds.
	afterRead = 5 * time.Second
)

// runningSeen keeps, for this veox, when each task was last seen running:
// a task whose end the service does not date (upscales, sparse answers)
// ended after that.
type runningSeen struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (r *runningSeen) running(localID string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[string]time.Time{}
	}
	r.last[localID] = at
}

// ended forgets a task and says when it was last seen running.
func (r *runningSeen) ended(localID string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.last[localID]
	delete(r.last, localID)
	return at, ok
}

// noteEnd keeps with a charged task when it ended upstream: the service's
// completion time, or, when it gave none, from when this veox last saw it
// run (its acceptance, if it never did) to now.
func (s *Service) noteEnd(t *store.Task, svcEnd time.Time) *store.Task {
	from, to := svcEnd, svcEnd
	if last, ok := s.seen.ended(t.LocalID); svcEnd.IsZero() {
		from, to = t.SubmittedAt, s.now()
		if ok {
			from = last
		}
		if from.IsZero() {
			from = t.CreatedAt
		}
	}
	if t.Charge == nil {
		return t
	}
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		if t.Charge != nil {
			t.Charge.EndFrom, t.Charge.EndTo = from, to
		}
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// span is the interval between two balance readings: from the first
// (whose change sequence is seq) to the answer of the second.
type span struct {
	from, to time.Time
	seq      uint64
}

// quiet reports whether nothing but self can have moved the balance in
// sp, and if not, why. idle also asks that no other task be running now:
// one that ends unseen before the second reading would be in it.
func (s *Service) quiet(self string, sp span, idle bool) (bool, string) {
	cs, err := s.store.Changes(sp.seq)
	if err != nil {
		return false, "the history could not be read"
	}
	if cs.Reset {
		return false, "more changed in the history meanwhile than veox can look back over"
	}
	for _, id := range cs.IDs {
		if id == self {
			continue
		}
		t, err := s.store.Get(id)
		if errors.Is(err, store.ErrNotFound) {
			continue // removed: only entries that never ran are
		}
		if err != nil {
			return false, "the history could not be read"
		}
		if why := movedIn(t, sp); why != "" {
			return false, why
		}
	}
	active, err := s.store.Active()
	if err != nil {
		return false, "the history could not be read"
	}
	now := s.now()
	for _, t := range active {
		switch {
		case t.LocalID == self:
		case t.Status == store.StatusSubmitting:
			return false, fmt.Sprintf("another create (%s) was being sent", t.LocalID)
		case idle && t.Status == store.StatusRunning:
			return false, fmt.Sprintf("task %s was running, and its end may have moved the balance", shortID(&t))
		case idle && t.Status == store.StatusUnknown && now.Sub(t.CreatedAt) < unknownLive:
			return false, fmt.Sprintf("create %s, whose answer was lost, may be running", t.LocalID)
		}
	}
	return true, ""
}

// unbilledOther names another task whose charge has not shown on the
// balance yet ("" if none): accepted, and the balance did not move for it.
// Its money may land at any moment, and may already have: the service
// may book it a moment after it answers, or the reading after it may have
// come from a cache. A fall of the balance around a create is then not
// that create's alone.
func (s *Service) unbilledOther(self string) string {
	active, err := s.store.Active()
	if err != nil {
		return "the history could not be read"
	}
	for _, t := range active {
		if t.LocalID != self && t.Charge != nil && t.Charge.State == store.ChargePending {
			return fmt.Sprintf("task %s's charge had not shown on the balance yet, and may be in the difference", shortID(&t))
		}
	}
	return ""
}

// movedIn says how t may have moved the balance within sp ("" if it
// cannot have): its create was in flight, or it ended then.
func movedIn(t *store.Task, sp span) string {
	if start, end, ok := createSpan(t); ok && !start.After(sp.to) && (end.IsZero() || !end.Before(sp.from)) && !readAfterIt(t, sp) {
		return fmt.Sprintf("another create (%s) was in flight at the same time", shortID(t))
	}
	if lo, hi, ok := endWindow(t); ok && !lo.After(sp.to) && hi.After(sp.from) {
		return fmt.Sprintf("task %s ended at the same time (a refund or a charge at its end would be in the difference)", shortID(t))
	}
	return ""
}

// readAfterIt: sp starts at or after t's own after-answer reading, which
// was asked for once its answer had come, so t's create was billed before
// sp (a create's first reading is often the one before it, kept a few
// seconds: one moment on a clock, but after it in fact).
func readAfterIt(t *store.Task, sp span) bool {
	return t.Charge != nil && !t.Charge.To.IsZero() && !t.Charge.To.After(sp.from)
}

// endWindow is when on our clock t's end (and whatever it moved) may lie:
// its end span widened by chargeSlack for the service's clock, but never
// before it was accepted, nor after a veox had the service's word that it
// had ended (a reading asked for after that holds the end).
func endWindow(t *store.Task) (lo, hi time.Time, ok bool) {
	a, b, ok := endSpan(t)
	if !ok {
		return lo, hi, false
	}
	lo, hi = a.Add(-chargeSlack), b.Add(chargeSlack)
	accepted := t.SubmittedAt
	if accepted.IsZero() {
		accepted = t.CreatedAt
	}
	if lo.Before(accepted) && t.Kind != store.KindImport { // an import's times are the service's
		lo = accepted
	}
	for _, e := range t.Events {
		if e.Status == store.StatusSucceeded || e.Status == store.StatusFailed {
			if e.At.Before(hi) {
				hi = e.At
			}
			break
		}
	}
	if hi.Before(lo) {
		hi = lo
	}
	return lo, hi, true
}

// createSpan is when t's create may have been billed: from its intent to
// its answer (end is zero while it is still being sent). Imports and
// refused creates billed nothing here.
func createSpan(t *store.Task) (start, end time.Time, ok bool) {
	if t.Kind == store.KindImport || t.Status == store.StatusRefused {
		return time.Time{}, time.Time{}, false
	}
	for _, e := range t.Events {
		if e.Status != store.StatusSubmitting && e.Status != "" && e.Status != "changed" {
			return t.CreatedAt, e.At, true
		}
	}
	if t.Status == store.StatusSubmitting {
		return t.CreatedAt, time.Time{}, true
	}
	return t.CreatedAt, t.UpdatedAt, true
}

// endSpan is when t ended upstream: as noted when it was seen to end
// (noteEnd), else its completion time, or, when that may be only the
// moment veox saw the end, anywhere from its acceptance to then.
func endSpan(t *store.Task) (a, b time.Time, ok bool) {
	if t.Status != store.StatusSucceeded && t.Status != store.StatusFailed {
		return time.Time{}, time.Time{}, false
	}
	if t.Error != nil && t.Error.Kind == "dismissed" {
		return time.Time{}, time.Time{}, false // it never ran
	}
	if c := t.Charge; c != nil && !c.EndTo.IsZero() {
		return c.EndFrom, c.EndTo, true
	}
	end := t.CompletedAt
	if end.IsZero() {
		end = t.UpdatedAt
	}
	if !t.CompletedAt.IsZero() && !t.CompletedAt.Equal(t.PolledAt) && t.Kind != store.KindUpscale {
		return end, end, true
	}
	start := t.SubmittedAt
	if start.IsZero() || start.After(end) {
		start = t.CreatedAt
	}
	return start, end, true
}

func shortID(t *store.Task) string {
	if t.TaskID != "" {
		return t.TaskID
	}
	return t.LocalID
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// creditsText is a figure as the screens show it: whole credits without
// decimals, others with two.
func creditsText(c float64) string {
	if c == math.Trunc(c) {
		return fmt.Sprintf("%d", int64(c))
	}
	return fmt.Sprintf("%.2f", c)
}

// readAfter reads the balance for a charge, briefly: a create or an end
// must not wait on it.
func (s *Service) readAfter(ctx context.Context) (Balance, error) {
	ctx, cancel := context.WithTimeout(ctx, afterRead)
	defer cancel()
	return s.ReadBalance(ctx)
}

// chargeAtAcceptance measures an accepted create: before is the reading
// it was sent after; a new one is made now. It returns the task with its
// Charge recorded.
func (s *Service) chargeAtAcceptance(ctx context.Context, t *store.Task, before Balance, beforeErr error) *store.Task {
	after, afterErr := s.readAfter(ctx)
	to := s.now()
	c := &store.Charge{From: before.At, To: after.At}
	switch {
	case beforeErr != nil || afterErr != nil || !before.seqOK:
		c.State, c.Note = store.ChargeEstimate, "the balance could not be read around the create"
	default:
		d := round2(before.Credits - after.Credits)
		ok, why := s.quiet(t.LocalID, span{before.At, to, before.Seq}, false)
		if ok && d > 0 {
			if why = s.unbilledOther(t.LocalID); why != "" {
				ok = false
			}
		}
		switch {
		case !ok:
			c.State, c.Note = store.ChargeEstimate, why
		case d > 0:
			c.State, c.Credits, c.Billed, c.When = store.ChargeMeasured, d, d, store.ChargedAtAcceptance
		case d == 0:
			c.State = store.ChargePending
		default:
			c.State, c.Note = store.ChargeEstimate, "the balance rose while it was created (a top-up, or a refund of another task)"
		}
	}
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		if beforeErr == nil {
			t.CreditsBefore = before.Credits
		}
		if afterErr == nil {
			t.CreditsAfter = after.Credits
		}
		t.Charge = c
		return nil
	})
	if err != nil {
		return t
	}
	if c.State == store.ChargeMeasured || c.State == store.ChargePending {
		// Another veox may have written an end of another task between the
		// check and this write; its own look-back (reviseAround) ran
		// before this charge was there to find, so look once more.
		if ok, why := s.quiet(u.LocalID, span{before.At, s.now(), before.Seq}, false); !ok {
			u = s.revise(u, why)
		}
	}
	return u
}

// revise turns a charge the balance can no longer vouch for into an
// estimate, keeping what it fell by as evidence.
func (s *Service) revise(t *store.Task, why string) *store.Task {
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		if t.Charge == nil || t.Charge.State == store.ChargeEstimate {
			return nil
		}
		t.Charge.State, t.Charge.Credits, t.Charge.When, t.Charge.Note = store.ChargeEstimate, 0, "", why
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// chargeAtEnd runs when this veox sees a task end. A create the balance
// did not move for (the service may bill at completion), and a failed one
// it did move for (a refund may come), are compared with the newest
// reading since their acceptance, when nothing else is running or being
// sent: the difference is then theirs. Otherwise a pending charge becomes
// an estimate, and a failed task's refund stays unconfirmed.
func (s *Service) chargeAtEnd(ctx context.Context, t *store.Task) *store.Task {
	c := t.Charge
	if c == nil || t.Kind == store.KindImport {
		return t
	}
	pending := c.State == store.ChargePending
	refundable := c.State == store.ChargeMeasured && c.When == store.ChargedAtAcceptance && t.Status == store.StatusFailed
	if !pending && !refundable {
		return t
	}
	lo, hi, _ := endWindow(t)
	switch {
	case !hi.After(c.To):
		// It ended before its after-acceptance reading: the difference
		// measured then already holds its end.
		return s.settleEndWith(t, 0)
	case lo.Before(c.To):
		return s.endUnknown(t, "it ended too close to its acceptance to tell the two apart")
	}
	prev, found, err := s.store.BalanceBefore(lo)
	if err != nil || !found || prev.At.Before(c.To) {
		return s.endUnknown(t, "no balance reading lies between its acceptance and its end")
	}
	sp := span{prev.At, s.now(), prev.Seq}
	if ok, why := s.quiet(t.LocalID, sp, true); !ok {
		return s.endUnknown(t, why)
	}
	now, err := s.readAfter(ctx)
	if err != nil {
		return s.endUnknown(t, "the balance could not be read when it ended")
	}
	sp.to = s.now()
	if ok, why := s.quiet(t.LocalID, sp, true); !ok {
		return s.endUnknown(t, why)
	}
	return s.settleEndWith(t, round2(prev.Credits-now.Credits))
}

func (s *Service) settleEndWith(t *store.Task, d float64) *store.Task {
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		if t.Charge != nil {
			settleEnd(t, d)
		}
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// settleEnd reads the difference d (what the balance fell by) across the
// end of t, which nothing else shared.
func settleEnd(t *store.Task, d float64) {
	c := t.Charge
	failed := t.Status == store.StatusFailed
	switch {
	case c.State == store.ChargePending && d > 0:
		c.State, c.Credits, c.When = store.ChargeMeasured, d, store.ChargedAtEnd
		if failed {
			c.Note = "charged although it failed"
		}
	case c.State == store.ChargePending && d == 0 && failed:
		c.State = store.ChargeNotCharged
	case c.State == store.ChargePending && d == 0:
		c.State, c.Note = store.ChargeEstimate, "the balance moved neither when it was accepted nor when it ended"
	case c.State == store.ChargePending:
		c.State, c.Note = store.ChargeEstimate, "the balance rose when it ended (a top-up?)"
	case d == -c.Billed: // failed, billed at acceptance: the refund came
		c.State, c.Credits = store.ChargeRefunded, 0
	case d == 0:
		c.Note = "it failed, and the balance shows no refund"
	case d < 0 && -d < c.Billed:
		c.Credits, c.Note = round2(c.Billed+d), fmt.Sprintf("it failed and %s of %s credits came back", creditsText(-d), creditsText(c.Billed))
	default:
		c.State, c.Credits, c.When = store.ChargeEstimate, 0, ""
		c.Note = "the balance moved by another amount than its charge when it ended"
	}
}

// endUnknown records that the end could not be read off the balance.
func (s *Service) endUnknown(t *store.Task, why string) *store.Task {
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		c := t.Charge
		if c == nil {
			return nil
		}
		if c.State == store.ChargePending {
			c.State, c.Note = store.ChargeEstimate, "the balance did not move when it was accepted, and when it ended it could not tell: "+why
			return nil
		}
		c.State, c.Credits, c.When = store.ChargeEstimate, 0, ""
		c.Note = "it failed; whether the charge came back the balance could not tell: " + why
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// reviseAround runs when this veox sees ended end: a charge measured
// around another create whose readings enclose that end is no longer that
// create's alone (a refund or a charge at completion may be in it).
func (s *Service) reviseAround(ended *store.Task) {
	lo, hi, ok := endWindow(ended)
	if !ok {
		return
	}
	// A create's readings start at most balanceFresh before its intent and
	// end within createBudget and a read after it.
	oldest := lo.Add(-createBudget - balanceFresh - afterRead)
	cursor := store.CursorBefore(hi.Add(balanceFresh + time.Second))
	for {
		page, next, err := s.store.List(store.Query{Cursor: cursor, Limit: 20})
		if err != nil {
			return
		}
		for i := range page {
			t := &page[i]
			if t.CreatedAt.Before(oldest) {
				return
			}
			c := t.Charge
			if t.LocalID == ended.LocalID || c == nil || c.To.IsZero() || c.To.Before(lo) || !hi.After(c.From) {
				continue
			}
			if c.State == store.ChargePending || (c.State == store.ChargeMeasured && c.When == store.ChargedAtAcceptance) {
				s.revise(t, fmt.Sprintf("task %s ended while this one was created (a refund or a charge at its end would be in the difference)", shortID(ended)))
			}
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

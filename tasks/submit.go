package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// ErrUnknownOutcome is returned (wrapped) when a create may have reached the
// service and its answer never came: the task is recorded "unknown".
var ErrUnknownOutcome = errors.New("the outcome of this create is unknown")

// Extend validates, checks the source with the service, records the intent,
// then sends the create once.
func (s *Service) Extend(ctx context.Context, in ExtendInput) (*store.Task, error) {
	if err := ValidateExtend(&in); err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	src, err := s.CheckSource(ctx, in.Source)
	if err != nil {
		return nil, err
	}
	t := &store.Task{Kind: store.KindExtend, ParentID: src.TaskID, Request: store.Request{
		Prompt: in.Prompt, Model: in.Model, Seed: in.Seed, Watermark: in.Watermark, CallbackURL: in.CallbackURL,
	}}
	req := api.ExtendRequest{TaskID: src.TaskID, Prompt: in.Prompt, Seeds: in.Seed, Model: in.Model,
		Watermark: in.Watermark, CallBackURL: in.CallbackURL}
	return s.submit(ctx, t, in.OverBudget, func(ctx context.Context) (string, error) {
		id, err := s.api.Extend(ctx, req)
		return id, extendRefusal(err)
	})
}

// extendRefusal rewords the hint of an extend the service refused on a
// rule of its own (code 422 "1080P-generated videos cannot be extended"):
// its message names no field, so "fix the field the message names" would
// send the user looking for one.
func extendRefusal(err error) error {
	e, ok := api.AsError(err)
	if !ok || e.Kind != api.KindValidation || e.MaybeCreated {
		return err
	}
	c := *e
	c.Hint = "the service will not extend this video (its message says why); nothing was created or charged. Extend another video, or generate a new one"
	return &c
}

// Generate validates, records the intent, then sends the create once.
func (s *Service) Generate(ctx context.Context, in GenerateInput) (*store.Task, error) {
	if err := ValidateGenerate(&in); err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	t := &store.Task{Kind: store.KindGenerate, Request: store.Request{
		Prompt: in.Prompt, Model: in.Model, Seed: in.Seed, Watermark: in.Watermark, CallbackURL: in.CallbackURL,
		GenerationType: in.Type, ImageURLs: in.ImageURLs, AspectRatio: in.Aspect, Resolution: in.Resolution,
		Duration: in.Duration,
	}}
	req := api.GenerateRequest{Prompt: in.Prompt, Model: in.Model, GenerationType: in.Type, ImageURLs: in.ImageURLs,
		AspectRatio: in.Aspect, Resolution: in.Resolution, Duration: in.Duration, Seeds: in.Seed,
		Watermark: in.Watermark, EnableTranslation: in.Translate, CallBackURL: in.CallbackURL}
	return s.submit(ctx, t, in.OverBudget, func(ctx context.Context) (string, error) { return s.api.Generate(ctx, req) })
}

// submit checks the daily budget (unless over), writes the intent, sends
// once and records what came back. The intent is in bbolt (fsynced) before
// a byte leaves, so a crash at any point leaves a trace that Recover turns
// into "unknown".
func (s *Service) submit(ctx context.Context, t *store.Task, over bool, send func(context.Context) (string, error)) (*store.Task, error) {
	return s.submitOver(ctx, t, budgetCheck{before: !over, after: !over}, s.store.Put, send)
}

// submitWith is submit with the write that records the intent in the
// caller's hands: a story step records it together with its claim on the
// step (store.ClaimStoryStep), in one transaction. If that write fails,
// nothing is sent. The daily budget is checked before (unless the story
// was started past it on purpose); the intent is not taken back after
// (the story's step points at it).
func (s *Service) submitWith(ctx context.Context, t *store.Task, checkBudget bool, record func(*store.Task) error, send func(context.Context) (string, error)) (*store.Task, error) {
	return s.submitOver(ctx, t, budgetCheck{before: checkBudget}, record, send)
}

// budgetCheck says when a create checks the daily limit: before its
// intent is written, and again after (taking the intent back if another
// create raced it past the limit).
type budgetCheck struct{ before, after bool }

func (s *Service) submitOver(ctx context.Context, t *store.Task, check budgetCheck, record func(*store.Task) error, send func(context.Context) (string, error)) (*store.Task, error) {
	cost := float64(EstimateFor(t))
	if check.before {
		if err := s.CheckBudget(cost); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, createBudget)
	defer cancel()
	now := s.now()
	t.LocalID = s.store.NewLocalID()
	// Claimed before it is recorded, so another veox's Recover never takes
	// this create for one a stopped veox left behind while it is on its way.
	release, claimErr := s.store.ClaimIntent(t.LocalID)
	if claimErr != nil {
		return nil, fmt.Errorf("nothing was sent: %w", claimErr)
	}
	defer release()
	t.CreatedAt = now
	t.SetStatus(store.StatusSubmitting, now, "intent recorded before sending")
	if err := record(t); err != nil {
		return nil, fmt.Errorf("recording the intent failed, so nothing was sent: %w", err)
	}
	if check.after {
		if err := s.recheckBudget(t.LocalID, cost); err != nil {
			return nil, err
		}
	}
	_ = s.store.PutPrompt(t.Request.Prompt)
	before, beforeErr := s.balanceBefore(ctx)
	id, sendErr := send(ctx)
	s.bal.moved() // whatever the answer, the create may have been billed
	t, err := s.recordOutcome(t.LocalID, id, sendErr)
	switch {
	case t == nil:
	case t.Status == store.StatusRunning:
		t = s.chargeAtAcceptance(context.WithoutCancel(ctx), t, before, beforeErr)
	case errors.Is(err, ErrUnknownOutcome):
		t = s.recordUnknownBalances(t, before, beforeErr)
	}
	return t, err
}

// recheckBudget looks at today once more with this create's intent in the
// history: another create (of this veox or another) that passed the check
// at the same moment is counted now. Over the limit, the intent is taken
// back and nothing is sent; two creates racing may then both be refused,
// which is the safe way round.
func (s *Service) recheckBudget(localID string, cost float64) error {
	if s.budget.DailyLimit <= 0 {
		return nil
	}
	spent, err := s.SpentToday() // this create included, as an estimate
	if err == nil && round2(spent.Credits) <= s.budget.DailyLimit {
		return nil
	}
	if derr := s.store.Delete(localID); derr != nil {
		s.log.Warn("a create refused by the budget could not be taken back from the history", "local", localID, "err", derr)
	}
	if err != nil {
		return fmt.Errorf("today's spending could not be read, so the daily limit cannot be checked: nothing was sent (--over-budget sends it unchecked): %w", err)
	}
	return s.overBudget(round2(spent.Credits-cost), cost)
}

// balanceBefore reads the credit balance a create's charge is measured
// from, briefly: a create must not wait on it. A reading of the last few
// seconds (the review's) stands for now; its change sequence says what
// happened since.
func (s *Service) balanceBefore(ctx context.Context) (Balance, error) {
	ctx, cancel := context.WithTimeout(ctx, afterRead)
	defer cancel()
	return s.Balance(ctx)
}

// recordUnknownBalances keeps the balance before a create whose answer
// never came and just after, with advice that says what the figures show
// and what they cannot prove. Its charge stays unknown.
func (s *Service) recordUnknownBalances(t *store.Task, before Balance, beforeErr error) *store.Task {
	if beforeErr != nil || before.Credits <= 0 {
		return t
	}
	after, err := s.readAfter(context.Background())
	if err != nil {
		return t
	}
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		t.CreditsBefore, t.CreditsAfter = before.Credits, after.Credits
		if t.Error != nil {
			t.Error.Hint = balanceAdvice(before.Credits, after.Credits, t.LocalID)
		}
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// balanceAdvice reads the two figures kept around an unknown create. When
// the service bills (at acceptance or at completion) is not documented, so a
// balance that did not move proves nothing: against two stand-ins the task
// had been created every time (8 of 8). The way out is finding the task,
// never dismissing it on the balance alone.
func balanceAdvice(before, after float64, localID string) string {
	find := fmt.Sprintf("Look for the task: a callback settles it by itself (once record-info confirms it); "+
		"or find its id on the service's dashboard and run 'veox settle %s TASK_ID'. Do not send it again "+
		"until you know, and dismiss it ('veox dismiss %s') only when the service's own records show no such task", localID, localID)
	if after < before {
		return fmt.Sprintf("the balance fell by %.2f credits (%.2f → %.2f) as this create went out: a sign it was created and billed, "+
			"though other tasks can move the balance too. %s.", before-after, before, after, find)
	}
	return fmt.Sprintf("the balance did not fall (%.2f credits before, %.2f after), which proves nothing: the service may bill "+
		"when a task is accepted or only when it ends, so it may exist and be billed later. %s.", before, after, find)
}

func (s *Service) recordOutcome(localID, taskID string, sendErr error) (*store.Task, error) {
	now := s.now()
	outcome := sendErr
	t, err := s.store.Update(localID, func(t *store.Task) error {
		switch {
		case sendErr == nil:
			t.TaskID, t.SubmittedAt = taskID, now
			t.SetStatus(store.StatusRunning, now, "accepted by the service")
		case maybeCreated(sendErr):
			t.Error = unknownError()
			t.Error.Message = api.Sanitize(sendErr.Error())
			t.SetStatus(store.StatusUnknown, now, "no answer; it may exist and be billed")
			outcome = fmt.Errorf("%w: %v", ErrUnknownOutcome, sendErr)
		default:
			t.Error = taskError(sendErr)
			t.SetStatus(store.StatusRefused, now, "refused by the service; nothing was created or charged")
		}
		return nil
	})
	if err != nil {
		// The create happened (or not) but we could not record it: say so
		// loudly, with the id, so the user can import it by hand.
		return nil, fmt.Errorf("the service answered (task %q, error %v) but recording it failed: %w; run 'veox import %s' once the disk is fixed", taskID, sendErr, err, taskID)
	}
	return t, outcome
}

// maybeCreated: a client error that says so, or anything that is not a
// client error at all (a cancelled context mid-request): both may have
// reached the service.
func maybeCreated(err error) bool {
	if _, ok := api.AsError(err); ok {
		return api.MaybeCreated(err)
	}
	return true
}

// CheckSource asks the service about a video to extend and records it in the
// history. Anything that makes it unextendable is a ValidationError: nothing
// was sent.
func (s *Service) CheckSource(ctx context.Context, id string) (*store.Task, error) {
	id = strings.TrimSpace(id)
	if err := CheckTaskID(id); err != nil {
		return nil, err
	}
	if local, err := s.store.Get(id); err == nil && local.TaskID != "" {
		id = local.TaskID
	}
	t, err := s.Import(ctx, id)
	if err != nil {
		if api.KindOf(err) == api.KindNotFound {
			return nil, &ValidationError{[]FieldError{{"source", fmt.Sprintf("the service has no task %q (unknown id, or older than 14 days)", id)}}}
		}
		return nil, err
	}
	if msg := WhyNotExtendable(t, s.now()); msg != "" {
		return nil, &ValidationError{[]FieldError{{"source", msg}}}
	}
	return t, nil
}

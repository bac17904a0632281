package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Running a story. The history is the runner's whole state, so any veox
// (the TUI, 'veox story run') can run any story, after a restart or a
// crash, and several at once: Drive looks at the story, does the one thing
// due, and says what it did. Sending a step claims it in the transaction
// that records the create's intent, so a step is sent once, whoever runs.

// StoryReview is the one confirmation that covers a whole story: every
// step, the money, the final length, and anything that stands in the way.
type StoryReview struct {
	View         *StoryView
	Balance      float64
	BalanceKnown bool
	After        float64 // the balance once every step still to send is paid (about)
	// Today is what today's creates cost so far (as the daily budget
	// counts it); TodayKnown is false when it could not be read.
	Today      float64
	TodayKnown bool
	DailyLimit float64 // the daily budget; 0 = none
	// OverBudget is set when the steps still to send would pass the daily
	// limit (and its problem is in Problems, the last one).
	OverBudget *OverBudgetError
	// Problems stop the story from starting; nothing is sent while any is
	// left. Notes are what the user should know before saying yes.
	Problems []string
	Notes    []string
}

// CanStart reports whether nothing stands in the way.
func (r *StoryReview) CanStart() bool { return len(r.Problems) == 0 }

// CanStartOverBudget reports whether the daily limit is all that stands
// in the way: the user may start it anyway (--over-budget). The limit's
// problem is the last a review adds (reviewBudget).
func (r *StoryReview) CanStartOverBudget() bool { return r.OverBudget != nil && len(r.Problems) == 1 }

// ReviewStory gathers what the user confirms before a story starts or
// goes on: it reads the balance now and asks the service about the video
// the next step extends (reads only; nothing is sent).
func (s *Service) ReviewStory(ctx context.Context, id string) (*StoryReview, error) {
	v, err := s.LoadStory(id)
	if err != nil {
		return nil, err
	}
	r := &StoryReview{View: v}
	if v.Next == len(v.Steps) {
		r.Problems = append(r.Problems, "every step succeeded: the story is done")
		return r, nil
	}
	cur := v.Steps[v.Next]
	switch {
	case cur.State == store.StatusUnknown || (cur.State == store.StatusSubmitting && !s.store.IntentClaimed(cur.Task.LocalID)):
		r.Problems = append(r.Problems, unknownStepReason(cur))
	case cur.State == store.StatusSubmitting:
		r.Notes = append(r.Notes, fmt.Sprintf("step %d is being sent by another veox right now", cur.N))
	case cur.State == StepMissing:
		r.Problems = append(r.Problems, fmt.Sprintf("step %d's task (%s) is no longer in the history, so veox cannot know what became of it: edit step %d to send it again",
			cur.N, v.Story.Steps[v.Next].LocalID, cur.N))
	case cur.Void():
		r.Notes = append(r.Notes, fmt.Sprintf("step %d %s (%s): it is sent again as it stands; edit it first to change it", cur.N, voidWord(cur), stepReason(cur)))
	}
	if cur.Editable() {
		if err := s.reviewSource(ctx, r, v); err != nil {
			return nil, err
		}
	}
	b, err := s.Balance(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read the balance, so the story was not started: %w", err)
	}
	r.Balance, r.BalanceKnown, r.After = b.Credits, true, b.Credits-float64(v.ToSpend)
	if float64(v.ToSpend) > b.Credits {
		r.Problems = append(r.Problems, fmt.Sprintf("the steps still to send cost about %d credits and the balance is %.0f: top up, or plan fewer steps or a cheaper model",
			v.ToSpend, b.Credits))
	}
	s.reviewBudget(r)
	return r, nil
}

// reviewBudget adds today's spending and, under a daily limit, refuses a
// story whose steps still to send would pass it: every step is checked
// against the limit again when it is sent, so a story started over it
// would only stop half-way.
func (s *Service) reviewBudget(r *StoryReview) {
	r.DailyLimit = s.budget.DailyLimit
	spent, err := s.SpentToday()
	if err != nil {
		if r.DailyLimit > 0 {
			r.Problems = append(r.Problems, "today's spending could not be read, so the daily limit cannot be checked: "+err.Error())
		}
		return
	}
	r.Today, r.TodayKnown = spent.Credits, true
	if r.DailyLimit <= 0 {
		return
	}
	if err := s.overBudget(spent.Credits, float64(r.View.ToSpend)); err != nil {
		r.OverBudget = err.(*OverBudgetError)
		r.Problems = append(r.Problems, err.Error()+": raise dailyLimit in the config file, plan fewer steps or a cheaper model, or start it anyway with 'veox story run --over-budget'")
	}
}

// reviewSource asks the service whether the video the next step extends
// can be extended now, and notes any warning about it.
func (s *Service) reviewSource(ctx context.Context, r *StoryReview, v *StoryView) error {
	parent := v.Story.Source
	if v.Next > 0 {
		parent = v.Steps[v.Next-1].Task.TaskID
	}
	src, err := s.CheckSource(ctx, parent)
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		r.Problems = append(r.Problems, fmt.Sprintf("step %d cannot extend %s: %s", v.Next+1, parent, ve.For("source")))
		return nil
	case err != nil:
		return fmt.Errorf("cannot ask the service about %s, so the story was not started: %w", parent, err)
	}
	if w := s.ExtendWarning(src); w != "" {
		r.Notes = append(r.Notes, "warning: "+w)
	}
	return nil
}

func unknownStepReason(cur StepView) string {
	id := cur.Task.LocalID
	return fmt.Sprintf("step %d's create (%s) never got an answer: it may exist and be billed, and veox never sends it again on its own. "+
		"Look for it: 'veox settle %s TASK_ID' if it went through (the story then follows it), 'veox dismiss %s' if it did not (the story then sends step %d again)",
		cur.N, id, id, id, cur.N)
}

func voidWord(cur StepView) string {
	switch {
	case cur.Task != nil && cur.Task.Error != nil && cur.Task.Error.Kind == "dismissed":
		return "was dismissed"
	case cur.State == store.StatusRefused:
		return "was refused"
	}
	return "failed"
}

func stepReason(cur StepView) string {
	if cur.Task == nil || cur.Task.Error == nil {
		return "no reason given"
	}
	msg := api.Sanitize(cur.Task.Error.Message)
	if h := cur.Task.Error.Hint; h != "" {
		msg += " — " + api.Sanitize(h)
	}
	return msg
}

// StartStory makes a planned or stopped story run (the user confirmed its
// review). A step whose attempt made nothing keeps that attempt in its
// Tried list and is sent again. A story that runs already is left as it is.
//
// The steps still to send are held to the daily limit together here (an
// *OverBudgetError; nothing sent), and each again when its turn comes.
func (s *Service) StartStory(id string) (*StoryView, error) { return s.StartStoryWith(id, false) }

// StartStoryWith is StartStory; overBudget starts it past the daily limit
// (the user saw the numbers: story run --over-budget), and its steps are
// then not held to the limit either, or it would stop half-way.
func (s *Service) StartStoryWith(id string, overBudget bool) (*StoryView, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	v, err := s.LoadStory(id)
	if err != nil {
		return nil, err
	}
	if v.Story.Status != store.StoryRunning && v.Next < len(v.Steps) && !overBudget {
		if err := s.CheckBudget(float64(v.ToSpend)); err != nil {
			return nil, err
		}
	}
	if v.Next < len(v.Steps) {
		switch cur := v.Steps[v.Next]; {
		case cur.State == store.StatusUnknown:
			return nil, fmt.Errorf("%w: %s", ErrUnknownOutcome, unknownStepReason(cur))
		case cur.State == StepMissing:
			return nil, &ValidationError{[]FieldError{{"step", fmt.Sprintf("step %d's task is no longer in the history: edit the step to send it again", cur.N)}}}
		}
	}
	now := s.now()
	st, err := s.store.UpdateStory(v.Story.ID, func(st *store.Story) error {
		if !sameSent(st.Steps[:min(v.Next+1, len(st.Steps))], v.Story.Steps[:min(v.Next+1, len(v.Story.Steps))]) {
			return errors.New("the story changed meanwhile (another veox ran a step); review it again")
		}
		switch {
		case v.Next == len(v.Steps):
			st.Status, st.Reason = store.StoryDone, ""
			return nil
		case st.Status == store.StoryRunning:
			return nil
		}
		if cur := v.Steps[v.Next]; cur.Void() {
			step := &st.Steps[v.Next]
			step.Tried, step.LocalID = append(step.Tried, step.LocalID), ""
		}
		word := "started"
		if st.Status == store.StoryStopped {
			word = "resumed"
		}
		st.Status, st.Reason, st.OverBudget = store.StoryRunning, "", overBudget
		if overBudget {
			word += " past the daily limit"
		}
		st.Log(now, store.StoryRunning, fmt.Sprintf("%s at step %d, confirmed by the user", word, v.Next+1))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.storyView(st), nil
}

// StopStory stops a running story by the user's wish: the step on its way
// goes on at the service (and stays in the history); nothing more is sent.
func (s *Service) StopStory(id, why string) (*StoryView, error) {
	st, err := s.stopStory(id, why)
	if err != nil {
		return nil, err
	}
	return s.storyView(st), nil
}

func (s *Service) stopStory(id, reason string) (*store.Story, error) {
	now := s.now()
	return s.store.UpdateStory(id, func(st *store.Story) error {
		if st.Status != store.StoryRunning {
			return nil
		}
		st.Status, st.Reason = store.StoryStopped, reason
		st.Log(now, store.StoryStopped, reason)
		return nil
	})
}

// DriveAction is what Drive did.
type DriveAction int

const (
	DriveIdle    DriveAction = iota // the story is not running (planned, stopped or done): nothing to do
	DriveSent                       // a step's create was accepted: follow Task
	DriveWaiting                    // a step is being made: follow Task, then drive again
	DriveBusy                       // another veox is sending the step: look again shortly
	DriveStopped                    // the story stopped (the story's Reason says why)
	DriveDone                       // every step succeeded
)

// Drive is the outcome of one look at a story.
type Drive struct {
	Action DriveAction
	View   *StoryView
	Task   *store.Task // the step's task to follow (Sent, Waiting), or the one that stopped the story
}

// Drive does the one thing a running story needs now: send the next step
// when the one before it succeeded, stop the story when a step made
// nothing or got no answer, mark it done when every step succeeded. It
// never waits for a task (the caller polls the Task it returns) and never
// sends a step twice. An error leaves the story running (a network
// problem while checking the source, a history that cannot be written):
// drive again later.
func (s *Service) Drive(ctx context.Context, id string) (*Drive, error) {
	v, err := s.LoadStory(id)
	if err != nil {
		return nil, err
	}
	if v.Story.Status != store.StoryRunning {
		return &Drive{Action: DriveIdle, View: v}, nil
	}
	if v.Next == len(v.Steps) {
		return s.finishStory(v)
	}
	cur := v.Steps[v.Next]
	switch {
	case cur.State == StepPlanned:
		return s.sendStep(ctx, v)
	case cur.State == store.StatusRunning:
		return &Drive{Action: DriveWaiting, View: v, Task: cur.Task}, nil
	case cur.State == store.StatusSubmitting && s.store.IntentClaimed(cur.Task.LocalID):
		return &Drive{Action: DriveBusy, View: v, Task: cur.Task}, nil
	case cur.State == store.StatusSubmitting:
		// Its sender stopped while sending: what Recover does at start-up.
		if _, err := s.Recover(); err != nil {
			return nil, err
		}
		return s.Drive(ctx, id)
	case cur.State == StepMissing:
		return s.stopped(v, cur.Task, fmt.Sprintf("step %d's task is no longer in the history: edit step %d to send it again", cur.N, cur.N))
	case cur.State == store.StatusUnknown:
		return s.stopped(v, cur.Task, unknownStepReason(cur))
	}
	return s.stopped(v, cur.Task, fmt.Sprintf("step %d %s: %s. Edit the step and run the story again (it is sent again as it stands if you do not)",
		cur.N, voidWord(cur), stepReason(cur)))
}

func (s *Service) finishStory(v *StoryView) (*Drive, error) {
	now := s.now()
	st, err := s.store.UpdateStory(v.Story.ID, func(st *store.Story) error {
		if st.Status == store.StoryRunning {
			st.Status, st.Reason = store.StoryDone, ""
			st.Log(now, store.StoryDone, fmt.Sprintf("all %d steps succeeded", len(st.Steps)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Drive{Action: DriveDone, View: s.storyView(st)}, nil
}

func (s *Service) stopped(v *StoryView, t *store.Task, reason string) (*Drive, error) {
	st, err := s.stopStory(v.Story.ID, reason)
	if err != nil {
		return nil, err
	}
	return &Drive{Action: DriveStopped, View: s.storyView(st), Task: t}, nil
}

// sendStep sends the step in hand, extending the step before it (or the
// story's source), through the same intent-first path as every create.
func (s *Service) sendStep(ctx context.Context, v *StoryView) (*Drive, error) {
	i := v.Next
	cur, step := v.Steps[i], v.Story.Steps[i]
	parent, prevLocal := v.Story.Source, ""
	if i > 0 {
		parent, prevLocal = v.Steps[i-1].Task.TaskID, v.Steps[i-1].Task.LocalID
	}
	in := ExtendInput{Source: parent, Prompt: cur.Prompt, Seed: cur.Seed, Model: cur.Model, Watermark: cur.Watermark}
	if err := ValidateExtend(&in); err != nil {
		return s.stopped(v, nil, fmt.Sprintf("step %d cannot be sent: %v. Edit it and run the story again", cur.N, err))
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	src, err := s.CheckSource(ctx, parent)
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return s.stopped(v, nil, fmt.Sprintf("step %d cannot extend %s: %s", cur.N, parent, ve.For("source")))
	case err != nil:
		return nil, err
	}
	t := &store.Task{Kind: store.KindExtend, ParentID: src.TaskID, Request: store.Request{
		Prompt: in.Prompt, Model: in.Model, Seed: in.Seed, Watermark: in.Watermark}}
	claim := func(t *store.Task) error {
		_, err := s.store.ClaimStoryStep(v.Story.ID, i, t, func(st *store.Story) error {
			switch {
			case st.Status != store.StoryRunning:
				return fmt.Errorf("%w: the story is %s now", store.ErrStepTaken, st.Status)
			case i > 0 && st.Steps[i-1].LocalID != prevLocal:
				return fmt.Errorf("%w: step %d changed", store.ErrStepTaken, i)
			case !sameStep(st.Steps[i], step):
				return fmt.Errorf("%w: step %d was edited", store.ErrStepTaken, i+1)
			}
			return nil
		})
		return err
	}
	req := api.ExtendRequest{TaskID: src.TaskID, Prompt: in.Prompt, Seeds: in.Seed, Model: in.Model, Watermark: in.Watermark}
	t, err = s.submitWith(ctx, t, !v.Story.OverBudget, claim, func(ctx context.Context) (string, error) {
		id, err := s.api.Extend(ctx, req)
		return id, extendRefusal(err)
	})
	var over *OverBudgetError
	if t == nil {
		if errors.As(err, &over) { // steps are not sent past the daily limit: the user decides
			return s.stopped(v, nil, fmt.Sprintf("step %d was not sent: %v. Raise dailyLimit in the config file (or wait for tomorrow), then run the story again",
				cur.N, err))
		}
		if errors.Is(err, store.ErrStepTaken) {
			nv, lerr := s.LoadStory(v.Story.ID)
			if lerr != nil {
				return nil, lerr
			}
			return &Drive{Action: DriveBusy, View: nv}, nil
		}
		return nil, err
	}
	now := s.now()
	_, _ = s.store.UpdateStory(v.Story.ID, func(st *store.Story) error {
		st.Log(now, "sent", fmt.Sprintf("step %d sent as %s: %s", i+1, displayID(t), t.Status))
		return nil
	})
	nv, lerr := s.LoadStory(v.Story.ID)
	if lerr != nil {
		return nil, lerr
	}
	if t.Status == store.StatusRunning {
		return &Drive{Action: DriveSent, View: nv, Task: t}, nil
	}
	return s.Drive(ctx, v.Story.ID) // refused or unknown: stops the story with the reason
}

func sameStep(a, b store.StoryStep) bool {
	return a.Prompt == b.Prompt && a.Seed == b.Seed && a.Model == b.Model && a.Watermark == b.Watermark
}

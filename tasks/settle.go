package tasks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Settling an "unknown" create the user has found on the service (its
// dashboard, a callback) asks the service first: the id is looked up with
// record-info and attached only when the service knows the task and it was
// made from this create's prompt. Anything else changes nothing, so a
// mistyped or forged id can never stand in for the real one (it used to be
// attached first, and read "failed, not charged" two minutes later).
// Nothing is sent but the record-info, and the record it fetched is folded
// in at once.

// SettleCheck is what the service says about a task id, beside the lost
// create it would settle: the two faces show both and ask before anything
// changes.
type SettleCheck struct {
	Local    *store.Task // the "unknown" create
	TaskID   string
	Known    bool      // the service has a record of TaskID
	Prompt   string    // as the service echoes the request (paramJson)
	Model    string    //
	Source   string    // the video it was made from (paramJson taskId), if any
	Created  time.Time // the service's creation time
	Problems []string  // why it is not this create, in words; none = it is

	rec *api.Record
}

// Matches: the service knows the id and nothing says it is another task.
func (c *SettleCheck) Matches() bool { return c.Known && len(c.Problems) == 0 }

// CheckSettle asks the service about taskID for the unknown create
// localID. Nothing is written. An id the service does not know is a
// problem of the check, not an error: the faces show it and refuse.
func (s *Service) CheckSettle(ctx context.Context, localID, taskID string) (*SettleCheck, error) {
	taskID = strings.TrimSpace(taskID)
	if err := CheckTaskID(taskID); err != nil {
		return nil, err
	}
	local, err := s.settleable(localID, taskID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	c := &SettleCheck{Local: local, TaskID: taskID}
	rec, err := s.api.RecordInfo(ctx, taskID)
	switch {
	case api.KindOf(err) == api.KindNotFound:
		c.Problems = []string{fmt.Sprintf("the service has no task %s (a wrong id, or one too new to be recorded yet: try again in a minute)", taskID)}
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("could not look task %s up, so %s is still unknown: %w", taskID, local.LocalID, err)
	}
	c.Known, c.rec = true, rec
	str := func(k string) string {
		v, _ := rec.Params[k].(string)
		return api.Sanitize(v)
	}
	c.Prompt, c.Model, c.Source, c.Created = str("prompt"), str("model"), str("taskId"), rec.CreateTime
	c.Problems = madeFrom(local, taskID, rec, c.Source)
	return c, nil
}

// settleable checks what can be checked before asking the service.
func (s *Service) settleable(localID, taskID string) (*store.Task, error) {
	t, err := s.store.Get(localID)
	if err != nil {
		return nil, err
	}
	if t.Status != store.StatusUnknown {
		return nil, fmt.Errorf("task %s is %s, not unknown: nothing to settle", t.LocalID, t.Status)
	}
	if other, err := s.store.Get(taskID); err == nil && other.LocalID != t.LocalID {
		return nil, fmt.Errorf("task %s is already in the history as %s", taskID, other.LocalID)
	}
	return t, nil
}

// madeFrom lists what says the record is not this create's: another
// task's record, another prompt (when it echoes one; samePrompt is the
// callbacks' rule too), another source video.
func madeFrom(t *store.Task, taskID string, rec *api.Record, source string) []string {
	var p []string
	if rec.TaskID != "" && rec.TaskID != taskID {
		p = append(p, fmt.Sprintf("the service answered for task %s when asked about %s", rec.TaskID, taskID))
	}
	if pr, _ := rec.Params["prompt"].(string); strings.TrimSpace(pr) != "" && t.Kind != store.KindUpscale && !samePrompt(*t, pr) {
		p = append(p, fmt.Sprintf("task %s was made from another prompt (%q), not this create's (%q)",
			taskID, clip(api.Sanitize(pr)), clip(api.Sanitize(t.Request.Prompt))))
	}
	if t.ParentID != "" && source != "" && source != t.ParentID {
		p = append(p, fmt.Sprintf("it was made from %s, this create from %s", source, t.ParentID))
	}
	return p
}

// clip shortens a prompt for a one-line message.
func clip(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// Settle attaches taskID to the unknown create localID once the service
// confirms it (CheckSettle); otherwise nothing changes and the refusal is
// a ValidationError (exit 2) that says why.
func (s *Service) Settle(ctx context.Context, localID, taskID string) (*store.Task, error) {
	return s.settle(ctx, localID, taskID, false)
}

// SettleForce attaches taskID even when the service does not confirm it:
// the user has seen the difference and insists. The timeline says so.
func (s *Service) SettleForce(ctx context.Context, localID, taskID string) (*store.Task, error) {
	return s.settle(ctx, localID, taskID, true)
}

func (s *Service) settle(ctx context.Context, localID, taskID string, force bool) (*store.Task, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	c, err := s.CheckSettle(ctx, localID, taskID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Matches():
		return s.settleWith(c.Local.LocalID, c.TaskID, c.rec)
	case !force:
		return nil, &ValidationError{[]FieldError{{"task", fmt.Sprintf("%s; %s is still unknown. Check the id; if it is yours all the same, settle it with --force",
			strings.Join(c.Problems, "; "), c.Local.LocalID)}}}
	}
	return s.attach(c.Local.LocalID, c.TaskID, c.rec,
		"settled by the user against the service's answer ("+strings.Join(c.Problems, "; ")+")")
}

// settleWith attaches taskID, confirmed by rec, and folds rec in.
func (s *Service) settleWith(localID, taskID string, rec *api.Record) (*store.Task, error) {
	return s.attach(localID, taskID, rec, "settled: the service confirmed the task")
}

// attach gives the unknown create its service id; rec, when there is one,
// is folded in at once.
func (s *Service) attach(localID, taskID string, rec *api.Record, note string) (*store.Task, error) {
	if other, err := s.store.Get(taskID); err == nil && other.LocalID != localID {
		return nil, fmt.Errorf("task %s is already in the history as %s", taskID, other.LocalID)
	}
	now := s.now()
	return s.store.Update(localID, func(t *store.Task) error {
		if t.Status != store.StatusUnknown {
			return fmt.Errorf("task %s is %s, not unknown: nothing to settle", t.LocalID, t.Status)
		}
		t.TaskID, t.SubmittedAt, t.Error = taskID, now, nil
		t.SetStatus(store.StatusRunning, now, note)
		if rec != nil {
			applyRecord(t, rec, now)
		}
		return nil
	})
}

// Dismiss resolves an "unknown" create the user has checked did not go
// through. It stays in the history as failed, with that note.
func (s *Service) Dismiss(localID string) (*store.Task, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	now := s.now()
	return s.store.Update(localID, func(t *store.Task) error {
		if t.Status != store.StatusUnknown {
			return fmt.Errorf("task %s is %s, not unknown: nothing to dismiss", t.LocalID, t.Status)
		}
		t.Error = &store.TaskError{Kind: "dismissed", Message: "the user checked that this create did not go through"}
		t.SetStatus(store.StatusFailed, now, "dismissed by the user")
		return nil
	})
}

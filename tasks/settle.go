package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Settle resolves an "unknown" create the user has found on the service
// (its dashboard, a callback): it looks the id up with record-info first,
// and attaches it only when the service knows the task and it was made
// from this create's prompt. Anything else changes nothing, so a mistyped
// or forged id can never stand in for the real one (it used to be attached
// first, and read "failed, not charged" two minutes later). Nothing is sent
// but the record-info.
func (s *Service) Settle(ctx context.Context, localID, taskID string) (*store.Task, error) {
	if err := CheckTaskID(taskID); err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	t, err := s.settleable(localID, taskID)
	if err != nil {
		return nil, err
	}
	rec, err := s.api.RecordInfo(ctx, taskID)
	switch {
	case api.KindOf(err) == api.KindNotFound:
		return nil, fmt.Errorf("the service has no task %s (a wrong id, or one too new to be recorded yet: try again in a minute); %s is still unknown", taskID, t.LocalID)
	case err != nil:
		return nil, fmt.Errorf("could not look task %s up, so %s is still unknown: %w", taskID, t.LocalID, err)
	}
	if err := madeFrom(t, taskID, rec); err != nil {
		return nil, err
	}
	return s.settleWith(localID, taskID, rec)
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

// madeFrom: the record is taskID's and, when it echoes a prompt, this
// create's.
func madeFrom(t *store.Task, taskID string, rec *api.Record) error {
	if rec.TaskID != "" && rec.TaskID != taskID {
		return fmt.Errorf("the service answered for task %s when asked about %s; %s is still unknown", rec.TaskID, taskID, t.LocalID)
	}
	if p, _ := rec.Params["prompt"].(string); strings.TrimSpace(p) != "" && !samePrompt(*t, p) {
		return fmt.Errorf("task %s was made from another prompt (%q), not this create's (%q): check the id; %s is still unknown",
			taskID, clip(api.Sanitize(p)), clip(api.Sanitize(t.Request.Prompt)), t.LocalID)
	}
	return nil
}

// clip shortens a prompt for a one-line message.
func clip(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// settleWith attaches taskID, confirmed by rec, and folds rec in.
func (s *Service) settleWith(localID, taskID string, rec *api.Record) (*store.Task, error) {
	if other, err := s.store.Get(taskID); err == nil && other.LocalID != localID {
		return nil, fmt.Errorf("task %s is already in the history as %s", taskID, other.LocalID)
	}
	now := s.now()
	return s.store.Update(localID, func(t *store.Task) error {
		if t.Status != store.StatusUnknown {
			return fmt.Errorf("task %s is %s, not unknown: nothing to settle", t.LocalID, t.Status)
		}
		t.TaskID, t.SubmittedAt, t.Error = taskID, now, nil
		t.SetStatus(store.StatusRunning, now, "settled: the service confirmed the task")
		applyRecord(t, rec, now)
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

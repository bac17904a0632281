package tasks

import (
	"context"
	"fmt"

	"github.com/veox/veox/store"
)

// Settle resolves an "unknown" create the user has found on the service
// (their dashboard, a callback, the balance): it attaches the service's task
// id and picks the task up again. Nothing is sent but a record-info.
func (s *Service) Settle(ctx context.Context, localID, taskID string) (*store.Task, error) {
	if err := CheckTaskID(taskID); err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	if other, err := s.store.Get(taskID); err == nil && other.LocalID != localID {
		return nil, fmt.Errorf("task %s is already in the history as %s", taskID, other.LocalID)
	}
	now := s.now()
	_, err := s.store.Update(localID, func(t *store.Task) error {
		if t.Status != store.StatusUnknown {
			return fmt.Errorf("task %s is %s, not unknown: nothing to settle", t.LocalID, t.Status)
		}
		t.TaskID, t.SubmittedAt, t.Error = taskID, now, nil
		t.SetStatus(store.StatusRunning, now, "settled by the user: the create did go through")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Refresh(ctx, localID)
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

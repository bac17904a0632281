package tasks

import (
	"errors"
	"fmt"

	"github.com/veox/veox/store"
)

// WhyKeep says why a task's entry is not removed without --force ("" when
// it may go): it exists upstream, or may. What may go are the entries
// that stand for nothing: creates the service refused and creates the user
// dismissed. Both faces (veox rm and x in the TUI) ask this.
func WhyKeep(t *store.Task) string {
	switch {
	case t.Status == store.StatusUnknown || t.Status == store.StatusSubmitting:
		return "may have been created and billed ('veox settle' or 'veox dismiss' it first)"
	case t.TaskID != "" || !store.Finished(t.Status):
		return "exists at the service"
	}
	return "" // finished without a service id: refused or dismissed
}

// Hide removes the entry of a create that never existed upstream (see
// WhyKeep); anything else stays, with the reason. Files are never touched.
func (s *Service) Hide(localID string) (*store.Task, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	t, err := s.store.Get(localID)
	if err != nil {
		return nil, err
	}
	if why := WhyKeep(t); why != "" {
		return t, fmt.Errorf("%w: it %s", ErrKept, why)
	}
	if err := s.store.Delete(t.LocalID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	return t, nil
}

// ErrKept: Hide leaves a task that exists upstream, or may, in the history.
var ErrKept = errors.New("veox keeps this entry")

package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/callbacks"
)

// A callback that settled an unknown create puts the task back under the
// poller and says so; one that could not be applied says why.
func TestCallbackEventsReachTheScreens(t *testing.T) {
	t.Parallel()
	m, e := seededRoot(t, 120, 36, false)
	active, _ := e.Store.Active()
	var unknown *store.Task
	for i := range active {
		if active[i].Status == store.StatusUnknown {
			unknown = &active[i]
			break
		}
	}
	if unknown == nil {
		t.Fatal("the seeded history has no unknown create")
	}
	settled, err := e.Store.Update(unknown.LocalID, func(t *store.Task) error {
		t.TaskID = "cb0000000000000000000000000000aa"
		t.SetStatus(store.StatusRunning, t.UpdatedAt, "settled by a callback")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := m.poller.Running()
	m.update(callbacks.Msg{Task: settled, TaskID: settled.TaskID})
	if !strings.Contains(m.bar.Message, "callback") || !strings.Contains(m.bar.Message, "running") {
		t.Errorf("status bar = %q", m.bar.Message)
	}
	if m.poller.Running() != before+1 {
		t.Errorf("the settled task is not polled: %d running, was %d", m.poller.Running(), before)
	}
	m.update(callbacks.Msg{TaskID: "zzz", Err: errors.New("matches 2 unknown creates")})
	if !strings.Contains(m.bar.Error+m.bar.Message, "not applied") {
		t.Errorf("an unapplied callback is not reported: %q / %q", m.bar.Error, m.bar.Message)
	}
}

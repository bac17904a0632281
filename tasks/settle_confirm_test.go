package tasks

import (
	"context"
	"strings"
	"testing"

	"github.com/veox/veox/store"
)

// Issue 9.5: 'veox settle' looks the id up before attaching it. A mistyped
// id used to be attached at once, read "failed, not charged" two minutes
// later, and the real id could then no longer be attached.
func TestSettleAttachesOnlyWhatTheServiceConfirms(t *testing.T) {
	t.Parallel()
	const prompt = "a fox crosses a frozen lake"
	r := newCallbackRig(t, map[string]string{
		"real-task":  record("real-task", prompt, 0),
		"other-task": record("other-task", "some other video", 1),
	})
	tk := r.unknownCreate(t, prompt)
	ctx := context.Background()
	for id, want := range map[string]string{"typo-task": "has no task typo-task", "other-task": "made from another prompt"} {
		_, err := r.svc.Settle(ctx, tk.LocalID, id)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "still unknown") {
			t.Errorf("settle %s: %v", id, err)
		}
		if got, _ := r.st.Get(tk.LocalID); got.Status != store.StatusUnknown || got.TaskID != "" {
			t.Fatalf("settle %s changed the task: %s %q", id, got.Status, got.TaskID)
		}
	}
	before := r.stand.total()
	got, err := r.svc.Settle(ctx, tk.LocalID, "real-task")
	if err != nil || got.TaskID != "real-task" || got.Status != store.StatusRunning {
		t.Fatalf("the real id: %v %+v", err, got)
	}
	if n := r.stand.total() - before; n != 1 {
		t.Errorf("settling took %d record-info calls, want 1", n)
	}
	if _, err := r.svc.Settle(ctx, tk.LocalID, "real-task"); err == nil {
		t.Error("settled twice")
	}
}

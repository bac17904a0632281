package tasks

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/veox/veox/store"
)

// AwaitingWhole finds the extensions saved as their part alone that the
// service may still list whole, and nothing else: not a whole video, not a
// generation, not a task the service has forgotten.
func TestAwaitingWholeListsOnlyPartsStillKept(t *testing.T) {
	t.Parallel()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	put := func(id, kind string, age time.Duration, files ...store.File) {
		t.Helper()
		task := &store.Task{LocalID: id, TaskID: "veo_" + id, Kind: kind, ParentID: "veo_src",
			Status: store.StatusSucceeded, CreatedAt: now.Add(-age), Files: files}
		if err := st.Put(task); err != nil {
			t.Fatal(err)
		}
	}
	part := store.File{Path: "/v/x_part.mp4", Part: true}
	whole := store.File{Path: "/v/x.mp4"}
	put("fresh-part", store.KindExtend, 24*time.Hour, part)
	put("imported-part", store.KindImport, 48*time.Hour, part)
	put("whole-too", store.KindExtend, 3*time.Hour, part, whole)
	put("whole", store.KindExtend, time.Hour, whole)
	put("generate", store.KindGenerate, time.Hour, part)
	put("forgotten", store.KindExtend, 15*24*time.Hour, part)

	svc := New(Options{Store: st, Now: func() time.Time { return now }})
	got, err := svc.AwaitingWhole()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, task := range got {
		ids = append(ids, task.LocalID)
	}
	if len(ids) != 2 || ids[0] != "fresh-part" || ids[1] != "imported-part" {
		t.Errorf("awaiting the whole video: %v; want [fresh-part imported-part]", ids)
	}
}

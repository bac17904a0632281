package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// writeSidecars puts a sidecar for each task in the videos folder, as
// downloads would have (the videos themselves do not matter to doctor).
func (h *doctorHome) writeSidecars(t *testing.T, list []store.Task) {
	t.Helper()
	if err := os.MkdirAll(h.videos(), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range list {
		name := "2026-11-20_" + list[i].TaskID + "_x.mp4"
		b, err := archive.Sidecar(&list[i], store.File{Path: filepath.Join(h.videos(), name)}, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.videos(), name), []byte("v"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.videos(), name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 18.2: doctor offers the import from the folder when the history
// was set aside (gone, or moved aside by a repair), mentions it when some
// described tasks are missing from a history in use, and is content when
// the history holds them all.
func TestDoctorOffersTheImportWhenTheHistoryWasSetAside(t *testing.T) {
	h := newDoctorHome(t)
	tasks := h.seed(t, store.StatusSucceeded, store.StatusSucceeded, store.StatusSucceeded)
	h.writeSidecars(t, tasks)

	c := find(doctorJSON(t, h.run(t, "doctor", "--offline", "--json")), "sidecars")
	if c == nil || c.Status != checkOK {
		t.Fatalf("all held: %+v", c)
	}
	if err := os.Rename(h.db(), h.db()+".broken-20261120-101010"); err != nil {
		t.Fatal(err)
	}
	r := h.run(t, "doctor", "--offline", "--json")
	c = find(doctorJSON(t, r), "sidecars")
	if r.code != 1 || c == nil || c.Status != checkAction || len(c.Fix) == 0 || !strings.HasPrefix(c.Fix[0], "veox import --from-folder "+h.videos()) {
		t.Fatalf("history gone: exit %d %+v", r.code, c)
	}
	h.seed(t, store.StatusSucceeded) // a fresh history beside the one set aside
	if c = find(doctorJSON(t, h.run(t, "doctor", "--offline", "--json")), "sidecars"); c == nil || c.Status != checkAction {
		t.Fatalf("history set aside by a repair: %+v", c)
	}
	if err := os.Remove(h.db() + ".broken-20261120-101010"); err != nil {
		t.Fatal(err)
	}
	if c = find(doctorJSON(t, h.run(t, "doctor", "--offline", "--json")), "sidecars"); c == nil || c.Status != checkNote || len(c.Fix) == 0 {
		t.Fatalf("some described tasks missing from a history in use: %+v", c)
	}
}

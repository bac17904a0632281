package cli

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/store"
)

// What the TUI shows as an id ("f7176c71", "lighthouse", a local id's last
// 8) names the task in every command; so does the start of a service id.
// Several tasks behind one short form is an error that lists them; an id
// the history does not know at all passes through untouched (import and
// status take service ids made elsewhere).
func TestShortIDsNameTasksOfTheHistory(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, task := range []store.Task{
		{LocalID: "l1hratpq30st06q97j", TaskID: "f7176c7137d855ce30c68b5fb984c27d", Request: store.Request{Prompt: "a storm"}},
		{LocalID: "l1hratpq30st06q98k", TaskID: "veo_task_demo_lighthouse", Request: store.Request{Prompt: "a lighthouse"}},
		{LocalID: "l1hratpq30st0unkn1", Request: store.Request{Prompt: "an unknown create"}},
		{LocalID: "l1hratpq30st06q99m", TaskID: "3c0362565b49cff0ae1fc198039958b6", Request: store.Request{Prompt: "one"}},
		{LocalID: "l1hratpq30st06q99n", TaskID: "3c0362565b49cff0ae1fc198039958b7", Request: store.Request{Prompt: "two"}},
	} {
		task.Kind, task.Status, task.CreatedAt = store.KindGenerate, store.StatusSucceeded, at.Add(time.Duration(i)*time.Minute)
		if err := st.Put(&task); err != nil {
			t.Fatal(err)
		}
	}
	for arg, want := range map[string]string{
		"f7176c71":                         "f7176c7137d855ce30c68b5fb984c27d",
		"f7176c":                           "f7176c7137d855ce30c68b5fb984c27d",
		"lighthouse":                       "veo_task_demo_lighthouse",
		"st0unkn1":                         "l1hratpq30st0unkn1",
		"veo_task_demo_lighthouse":         "veo_task_demo_lighthouse",
		"l1hratpq30st06q97j":               "l1hratpq30st06q97j",
		"0123456789abcdef0123456789abcdef": "0123456789abcdef0123456789abcdef", // made elsewhere
		"storm":                            "storm",                            // a prompt word is no id
		"f71":                              "f71",                              // too short to stand for a whole id
	} {
		got, err := resolveTask(t.Context(), st, arg)
		if err != nil || got != want {
			t.Errorf("%s stands for %q (%v); want %q", arg, got, err, want)
		}
	}
	_, err = resolveTask(t.Context(), st, "3c0362565b49")
	var amb *ambiguousError
	if !errors.As(err, &amb) || len(amb.ids) != 2 || !strings.Contains(err.Error(), "3c0362565b49cff0ae1fc198039958b6") {
		t.Errorf("a start shared by two ids: %v; want both listed", err)
	}
	if got := classify(err).exit; got != ExitUsage {
		t.Errorf("exit %d for an ambiguous id; want %d (nothing was done)", got, ExitUsage)
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/store"
)

// writeCounter counts the writes that reach it: what a terminal or pipe
// would see as system calls.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return w.Buffer.Write(p) }

func seededStore(t *testing.T, n int) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := store.SeedHistory(st, n, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return st
}

// The whole history streams out through a buffer: a few large writes, not
// several per row, and the JSON is the array writeJSON prints, byte for
// byte.
func TestListStreamsWholeHistoryBuffered(t *testing.T) {
	st := seededStore(t, 2500)
	var table, stderr writeCounter
	if err := streamList(&table, &stderr, st, store.Query{}, false); err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(table.String(), "\n"); rows != 2501 {
		t.Fatalf("table has %d lines, want a header and 2500 rows", rows)
	}
	if table.writes > table.Len()/(32<<10)+2 {
		t.Fatalf("%d writes for %d bytes: the table is not buffered", table.writes, table.Len())
	}

	var got writeCounter
	if err := streamList(&got, &stderr, st, store.Query{}, true); err != nil {
		t.Fatal(err)
	}
	var all []store.Task
	if _, err := st.Walk(store.Query{}, func(b []store.Task) error { all = append(all, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	shapes := make([]taskJSON, len(all))
	for i := range all {
		shapes[i] = toJSON(&all[i])
	}
	var want bytes.Buffer
	if err := writeJSON(&want, shapes); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("streamed JSON differs from the array (%d vs %d bytes)", got.Len(), want.Len())
	}
	if got.writes > got.Len()/(32<<10)+2 {
		t.Fatalf("%d writes for %d bytes of JSON", got.writes, got.Len())
	}
	if stderr.Len() != 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

func TestListEmptyAndLimited(t *testing.T) {
	st := seededStore(t, 0)
	var out bytes.Buffer
	if err := streamList(&out, io.Discard, st, store.Query{}, true); err != nil || out.String() != "[]\n" {
		t.Fatalf("empty JSON list: %q %v", out.String(), err)
	}
	out.Reset()
	if err := streamList(&out, io.Discard, st, store.Query{}, false); err != nil || !strings.Contains(out.String(), "no tasks yet") {
		t.Fatalf("empty table: %q %v", out.String(), err)
	}
	st = seededStore(t, 30)
	out.Reset()
	if err := streamList(&out, io.Discard, st, store.Query{Limit: 7}, true); err != nil {
		t.Fatal(err)
	}
	var list []taskJSON
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) != 7 {
		t.Fatalf("--limit 7: %d tasks, %v", len(list), err)
	}
}

// --all lists every task; the default stays the newest 50.
func TestListAllFlag(t *testing.T) {
	h := newDoctorHome(t)
	statuses := make([]string, 60)
	for i := range statuses {
		statuses[i] = store.StatusSucceeded
	}
	h.seed(t, statuses...)
	for args, want := range map[string]int{"list --json": 50, "list --json --all": 60, "list --json --limit 3": 3} {
		r := h.run(t, strings.Fields(args)...)
		var list []taskJSON
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != want || r.code != 0 {
			t.Fatalf("%s: %d tasks, exit %d, %v\n%s", args, len(list), r.code, err, r.stderr)
		}
	}
}

package tasks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// allTasks is the history as JSON, task by task, newest first.
func allTasks(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	if _, err := st.Walk(store.Query{}, func(batch []store.Task) error {
		for i := range batch {
			b, err := json.Marshal(&batch[i])
			if err != nil {
				return err
			}
			out = append(out, string(b))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 18.3: export, then import into an empty history, gives back the
// same tasks (every field), lineage, files and kept marks; importing it
// again adds nothing.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		if err := r.st.SetKept(made[1].TaskID, made[2].LocalID); err != nil {
			t.Fatal(err)
		}
		want := allTasks(t, r.st)
		var buf bytes.Buffer
		n, err := r.svc.Export(ctx(t), &buf, time.Time{}, "veox test")
		if err != nil || n.Tasks != len(want) || n.Kept != 1 || n.Skipped != 0 {
			t.Fatalf("export: %v %+v", err, n)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != len(want)+3 || !strings.Contains(lines[0], `"veox":"export"`) || !strings.Contains(lines[len(lines)-1], `"veox":"end"`) {
			t.Fatalf("export:\n%s", buf.String())
		}
		if strings.Contains(buf.String(), "test-key") {
			t.Fatal("the export holds the API key")
		}

		r.freshHistory(t)
		rep, err := r.svc.ImportLines(ctx(t), bytes.NewReader(buf.Bytes()))
		if err != nil || rep.Added != len(want) || rep.Kept != 1 || !rep.Ended || len(rep.Problems) != 0 {
			t.Fatalf("import: %v %+v", err, rep)
		}
		got := allTasks(t, r.st)
		if len(got) != len(want) {
			t.Fatalf("%d tasks back, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("task %d came back as\n%s\nwant\n%s", i, got[i], want[i])
			}
		}
		if kept, _ := r.st.Kept(); kept[made[1].TaskID] != made[2].LocalID {
			t.Errorf("kept marks %v", kept)
		}
		rep, err = r.svc.ImportLines(ctx(t), bytes.NewReader(buf.Bytes()))
		if err != nil || rep.Added != 0 || rep.Existing != len(want) || rep.Kept != 0 {
			t.Fatalf("second import: %v %+v", err, rep)
		}
	})
}

// --since keeps the tasks created since, and says so in its first line.
func TestExportSince(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		var buf bytes.Buffer
		since := made[2].CreatedAt
		n, err := r.svc.Export(ctx(t), &buf, since, "veox test")
		if err != nil || n.Tasks != 2 {
			t.Fatalf("export since step 2: %v %+v\n%s", err, n, buf.String())
		}
	})
}

// Lines from outside: bad JSON, a line far too long, an id with a path
// in it, escape sequences, an unknown kind, a cut export. Each bad line
// is listed with its number and passed over; the good ones are added.
func TestImportLinesHostile(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		good := func(local, id, prompt string) string {
			return `{"veox":"task","v":1,"localId":"` + local + `","taskId":"` + id + `","kind":"generate","status":"succeeded","request":{"prompt":"` + prompt + `"},"createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}`
		}
		in := strings.Join([]string{
			`{"veox":"export","v":1,"exportedAt":"2026-11-21T00:00:00Z"}`,
			good("laaaaaaaaaaaaaaaaa", "t1", `a \u001b]52;c;aGk=\u0007 storm`),
			`{"veox":"task", not json`,
			good("lbbbbbbbbbbbbbbbbb", "../../etc/passwd", "x"),
			`{"veox":"task","v":1,"taskId":"t3"}`,
			`{"veox":"hologram","v":7}`,
			`{"veox":"task","v":1,"localId":"` + strings.Repeat("x", maxLineBytes) + `"}`,
			good("../../escape", "t2", "ok"),
		}, "\n")
		rep, err := r.svc.ImportLines(ctx(t), strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 2 || rep.Ended || len(rep.Problems) != 4 || len(rep.Notes) != 1 {
			t.Fatalf("report %+v", rep)
		}
		for i, wantLine := range []string{"line 3", "line 4", "line 5", "line 7"} {
			if rep.Problems[i].Where != wantLine || strings.ContainsRune(rep.Problems[i].Reason, 0x1b) {
				t.Errorf("problem %d: %+v", i, rep.Problems[i])
			}
		}
		t2, err := r.st.Get("t2")
		if err != nil || t2.LocalID == "../../escape" || !strings.HasPrefix(t2.LocalID, "l") {
			t.Errorf("a local id with a path in it: %v %+v", err, t2)
		}
		if _, err := r.svc.ImportLines(ctx(t), strings.NewReader("hello\n")); err == nil {
			t.Error("a file that is not an export was read")
		}
	})
}

// A story running where it was exported comes in stopped, so one story is
// never driven on two machines at once; its plan comes whole.
func TestImportLinesStopsARunningStory(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		v := planAndStart(t, r, "a storm rolls in", "the sun rises")
		var buf bytes.Buffer
		if n, err := r.svc.Export(ctx(t), &buf, time.Time{}, "veox test"); err != nil || n.Stories != 1 {
			t.Fatalf("export: %v %+v", err, n)
		}
		r.freshHistory(t)
		rep, err := r.svc.ImportLines(ctx(t), &buf)
		if err != nil || rep.Stories != 1 || !rep.Ended {
			t.Fatalf("import: %v %+v", err, rep)
		}
		st, err := r.st.GetStory(v.Story.ID)
		if err != nil || st.Status != store.StoryStopped || !strings.Contains(st.Reason, "start it here") || len(st.Steps) != 2 || st.Steps[1].Prompt != "the sun rises" {
			t.Fatalf("the story: %v %+v", err, st)
		}
		if n := r.srv.Sim.Creates(); n != 0 {
			t.Errorf("%d creates sent", n)
		}
	})
}

// A line from outside may name any path as a task's file: veox never
// writes a sidecar beside a file outside its download folder, even when
// the task's record changes afterwards.
func TestImportedPathOutsideTheFolderGetsNoSidecar(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.svc.SetSidecars(true)
		outside := filepath.Join(t.TempDir(), "notes.mp4")
		if err := os.WriteFile(outside, []byte("12345"), 0o644); err != nil {
			t.Fatal(err)
		}
		line := `{"veox":"task","v":1,"localId":"laaaaaaaaaaaaaaaaa","taskId":"t1","kind":"generate","status":"succeeded",` +
			`"request":{"prompt":"p"},"createdAt":"2026-11-20T10:00:00Z","files":[{"path":"` + outside + `","size":5,"sha256":"x"}]}`
		if rep, err := r.svc.ImportLines(ctx(t), strings.NewReader(line)); err != nil || rep.Added != 1 {
			t.Fatalf("%v %+v", err, rep)
		}
		if _, err := r.svc.store.Update("t1", func(t *store.Task) error { t.Request.Seed = 12345; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(outside + ".json"); err == nil {
			t.Fatal("a sidecar was written outside the download folder")
		}
	})
}

package tasks

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// chain makes, in the rig, the demo's lighthouse and three extensions of
// it one after another, each waited for and downloaded with sidecars on.
// It returns them source first.
func (r *rig) chain(t *testing.T) []*store.Task {
	t.Helper()
	r.svc.SetSidecars(true)
	src, err := r.svc.Import(ctx(t), sim.DemoLighthouse)
	if err != nil {
		t.Fatal(err)
	}
	if src, err = r.svc.Download(ctx(t), src.LocalID, false, nil); err != nil {
		t.Fatal(err)
	}
	out := []*store.Task{src}
	for i, prompt := range []string{"a storm rolls in", "the lamp comes on", "dawn breaks"} {
		ext, err := r.svc.Extend(ctx(t), ExtendInput{Source: out[i].TaskID, Prompt: prompt, Seed: 21000 + i})
		if err != nil {
			t.Fatal(err)
		}
		if ext, err = r.svc.Wait(ctx(t), ext.LocalID, nil); err != nil {
			t.Fatal(err)
		}
		if ext, err = r.svc.Download(ctx(t), ext.LocalID, false, nil); err != nil || len(ext.Files) == 0 {
			t.Fatalf("download %d: %v", i, err)
		}
		out = append(out, ext)
	}
	return out
}

// freshHistory sets the history aside: the rig starts over with an empty
// one (the videos stay).
func (r *rig) freshHistory(t *testing.T) {
	t.Helper()
	r.dbDir = t.TempDir()
	r.open(t)
	r.svc.SetSidecars(true)
}

func sameTask(t *testing.T, got, want *store.Task) {
	t.Helper()
	if got.LocalID != want.LocalID || got.TaskID != want.TaskID || got.Kind != want.Kind || got.ParentID != want.ParentID ||
		got.Request.Prompt != want.Request.Prompt || got.Request.Seed != want.Request.Seed || got.Request.Model != want.Request.Model ||
		!slices.Equal(got.Seeds, want.Seeds) || got.Status != want.Status || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("task %s came back as\n%+v\nwant\n%+v", want.LocalID, got, want)
	}
	if len(got.Files) != len(want.Files) {
		t.Fatalf("task %s: files %+v, want %+v", want.LocalID, got.Files, want.Files)
	}
	for i := range want.Files {
		g, w := got.Files[i], want.Files[i]
		if g.Path != w.Path || g.SHA256 != w.SHA256 || g.Size != w.Size || g.Duration != w.Duration || g.Part != w.Part {
			t.Errorf("task %s file %d: %+v, want %+v", want.LocalID, i, g, w)
		}
	}
}

// Issue 18's first "done when": after a chain of three extensions,
// setting the history aside and importing the folder gives back every
// task with its parent, seed and files; a second run adds nothing.
func TestImportFolderBringsBackAChainOfExtensions(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		r.freshHistory(t)

		rep, err := r.svc.ImportFolder(ctx(t), r.dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 4 || rep.Existing != 0 || rep.Videos != 4 || len(rep.Problems) != 0 || len(rep.Ignored) != 0 {
			t.Fatalf("report %+v", rep)
		}
		for _, want := range made {
			got, err := r.st.Get(want.LocalID)
			if err != nil {
				t.Fatal(err)
			}
			sameTask(t, got, want)
		}
		for i := 1; i < len(made); i++ {
			kids, _ := r.st.Children(made[i-1].TaskID)
			if len(kids) != 1 || kids[0].LocalID != made[i].LocalID {
				t.Errorf("children of step %d: %+v", i-1, kids)
			}
		}
		seq, _ := r.st.ChangeSeq()
		again, err := r.svc.ImportFolder(ctx(t), r.dir, false)
		if err != nil || again.Added != 0 || again.Existing != 4 || again.Relinked != 0 {
			t.Fatalf("second run: %v %+v", err, again)
		}
		if after, _ := r.st.ChangeSeq(); after != seq {
			t.Error("the second run wrote to the history")
		}
	})
}

// A video whose sidecar is gone comes back by the id in its name: the
// service is asked while it still knows the task, and the answer restores
// its lineage; without a key it is listed, and the rest comes back.
func TestImportFolderVideoWithoutSidecarAsksTheService(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		lost := made[2]
		if err := os.Remove(download.SidecarName(lost.Files[0].Path)); err != nil {
			t.Fatal(err)
		}
		r.freshHistory(t)

		rep, err := r.svc.ImportFolder(ctx(t), r.dir, false)
		if err != nil || rep.Added != 3 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Reason, lost.TaskID) {
			t.Fatalf("without a key: %v %+v", err, rep)
		}
		rep, err = r.svc.ImportFolder(ctx(t), r.dir, true)
		if err != nil || rep.Added != 1 || rep.Asked != 1 || rep.Existing != 3 || len(rep.Problems) != 0 {
			t.Fatalf("with a key: %v %+v", err, rep)
		}
		got, err := r.st.Get(lost.TaskID)
		if err != nil || got.ParentID != made[1].TaskID || got.Kind != store.KindExtend || len(got.Files) != 1 ||
			got.Files[0].SHA256 != lost.Files[0].SHA256 || got.Files[0].Path != lost.Files[0].Path {
			t.Fatalf("the task asked about: %v %+v", err, got)
		}
		if _, err := os.Stat(download.SidecarName(lost.Files[0].Path)); err != nil {
			t.Errorf("the video found bare has no sidecar now: %v", err)
		}
	})
}

// Sidecars come from outside: a damaged one, one that claims another
// video's task, one with a path in its id, one far too large, and stray
// files are each listed with why; every video still comes back by its
// name, nothing is written outside the folder, and nothing is lost.
func TestImportFolderHostileSidecars(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		side := func(i int) string { return download.SidecarName(made[i].Files[0].Path) }
		read := func(i int) []byte {
			b, err := os.ReadFile(side(i))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		write := func(p string, b []byte) {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Step 1's sidecar now says it is step 3's.
		write(side(1), read(3))
		// Step 2's is cut in half.
		b2 := read(2)
		write(side(2), b2[:len(b2)/2])
		// The source's claims an id with a path in it and an escape sequence.
		b0 := strings.Replace(string(read(0)), `"taskId": "`+sim.DemoLighthouse+`"`, `"taskId": "../../x\u001b]52;c;aGk=\u0007"`, 1)
		write(side(0), []byte(b0))
		// A huge sidecar beside a video that is not a video at all.
		write(filepath.Join(r.dir, "2026-01-01_abc_x.mp4"), []byte("not a video"))
		write(filepath.Join(r.dir, "2026-01-01_abc_x.mp4.json"), make([]byte, download.MaxSidecarBytes+10))
		write(filepath.Join(r.dir, "holiday.mp4"), []byte("someone else's"))
		r.freshHistory(t)
		before := dirNames(t, filepath.Dir(r.dir))

		rep, err := r.svc.ImportFolder(ctx(t), r.dir, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems {
			if strings.ContainsRune(p.Reason, 0x1b) || strings.ContainsRune(p.Where, 0x1b) {
				t.Errorf("an escape sequence reached the report: %q", p)
			}
		}
		// Every step is back, by its name where its sidecar failed, with
		// its own video (step 3 only once).
		for i, want := range made {
			got, err := r.st.Get(want.TaskID)
			if err != nil {
				t.Fatalf("step %d: %v (report %+v)", i, err, rep)
			}
			if got.ParentID != want.ParentID || len(got.Files) != 1 || got.Files[0].SHA256 != want.Files[0].SHA256 {
				t.Errorf("step %d: %+v", i, got)
			}
		}
		if n, _, _ := r.st.Count(); n != 4 {
			t.Errorf("%d tasks in the history, want 4", n)
		}
		if !slices.Equal(rep.Ignored, []string{"holiday.mp4"}) {
			t.Errorf("ignored %v", rep.Ignored)
		}
		var where []string
		for _, p := range rep.Problems {
			where = append(where, p.Where)
		}
		slices.Sort(where)
		want := []string{"2026-01-01_abc_x.mp4", "2026-01-01_abc_x.mp4.json", filepath.Base(side(0)), filepath.Base(side(1)), filepath.Base(side(2))}
		slices.Sort(want)
		if !slices.Equal(where, want) {
			t.Errorf("problems %+v", rep.Problems)
		}
		if after := dirNames(t, filepath.Dir(r.dir)); !slices.Equal(before, after) {
			t.Errorf("the folder's parent changed: %v -> %v", before, after)
		}
		if b, _ := os.ReadFile(filepath.Join(r.dir, "holiday.mp4")); string(b) != "someone else's" {
			t.Error("a file not veox's was touched")
		}
	})
}

// The videos moved to another folder (another disk, a renamed folder):
// importing the new folder points the history's files there; the tasks
// are not added twice, and nothing is written in the old place.
func TestImportFolderAfterTheVideosMoved(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		made := r.chain(t)
		moved := filepath.Join(t.TempDir(), "elsewhere")
		if err := os.Rename(r.dir, moved); err != nil {
			t.Fatal(err)
		}
		rep, err := r.svc.ImportFolder(ctx(t), moved, false)
		if err != nil || rep.Added != 0 || rep.Existing != 4 || rep.Relinked != 4 || len(rep.Problems) != 0 {
			t.Fatalf("%v %+v", err, rep)
		}
		for _, want := range made {
			got, _ := r.st.Get(want.LocalID)
			if len(got.Files) != 1 || got.Files[0].Path != filepath.Join(moved, filepath.Base(want.Files[0].Path)) || got.Files[0].SHA256 != want.Files[0].SHA256 {
				t.Errorf("%s: files %+v", want.LocalID, got.Files)
			}
			obj, _ := readSidecar(t, got.Files[0].Path)
			if obj.Files[0].Path != got.Files[0].Path {
				t.Errorf("the sidecar in the new folder still says %s", obj.Files[0].Path)
			}
		}
		if _, err := os.Stat(r.dir); err == nil {
			t.Error("the old folder was made again")
		}
	})
}

package tasks

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// readSidecar reads and decodes the sidecar beside video.
func readSidecar(t *testing.T, video string) (*archive.Task, []byte) {
	t.Helper()
	b, err := os.ReadFile(download.SidecarName(video))
	if err != nil {
		t.Fatalf("no sidecar beside %s: %v", filepath.Base(video), err)
	}
	obj, err := archive.DecodeTask(b)
	if err != nil {
		t.Fatalf("the sidecar of %s does not read back: %v\n%s", filepath.Base(video), err, b)
	}
	return obj, b
}

// Issue 18.1: a downloaded extension has "<video>.json" beside it with
// what made it (id, kind, parent, prompt, seed, model, watermark), the
// file's size and hash, and never the API key; when the task's record
// changes, the sidecar says so.
func TestSidecarIsWrittenWithTheVideoAndFollowsTheRecord(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.svc.SetSidecars(true)
		task, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "a storm rolls in", Seed: 12345, Watermark: "MyBrand"})
		if err != nil {
			t.Fatal(err)
		}
		if task, err = r.svc.Wait(ctx(t), task.LocalID, nil); err != nil {
			t.Fatal(err)
		}
		task, err = r.svc.Download(ctx(t), task.LocalID, false, nil)
		if err != nil || len(task.Files) != 1 {
			t.Fatalf("download: %v %+v", err, task)
		}
		f := task.Files[0]
		obj, raw := readSidecar(t, f.Path)
		if obj.Veox != archive.KindTask || obj.V != archive.Version {
			t.Errorf("head %+v", obj.Head)
		}
		if obj.TaskID != task.TaskID || obj.LocalID != task.LocalID || obj.Kind != store.KindExtend || obj.ParentID != sim.DemoLighthouse {
			t.Errorf("ids and lineage: %+v", obj.Task)
		}
		if obj.Request.Prompt != "a storm rolls in" || obj.Request.Seed != 12345 || obj.Request.Watermark != "MyBrand" || obj.Request.Model == "" {
			t.Errorf("request: %+v", obj.Request)
		}
		v := obj.Video
		if v == nil || v.File != filepath.Base(f.Path) || v.Size != f.Size || v.SHA256 != f.SHA256 || v.Seconds < 14 || v.DownloadedAt.IsZero() {
			t.Errorf("video: %+v, file %+v", v, f)
		}
		if len(obj.Files) != 1 || obj.Files[0].SHA256 != f.SHA256 || len(obj.BestURLs()) == 0 || obj.CreatedAt.IsZero() {
			t.Errorf("files, links or times missing: %s", raw)
		}
		if task.Charge == nil || obj.Charge == nil || *obj.Charge != *task.Charge {
			t.Errorf("the charge: recorded %+v, sidecar %+v", task.Charge, obj.Charge)
		}
		if bytes.Contains(raw, []byte("test-key")) {
			t.Fatal("the sidecar holds the API key")
		}
		if st, _ := os.Stat(download.SidecarName(f.Path)); st.Mode().Perm()&0o022 != 0 {
			t.Errorf("sidecar mode %v", st.Mode())
		}
		if names := dirNames(t, r.dir); !slices.Equal(names, []string{filepath.Base(f.Path), filepath.Base(f.Path) + ".json"}) {
			t.Errorf("the folder holds %v", names)
		}

		// The record changes (a 1080p version asked for: the extension
		// can no longer be extended); the sidecar follows.
		if _, err := r.svc.Upscale(ctx(t), task.LocalID, "1080p"); err != nil {
			t.Fatal(err)
		}
		if obj, raw = readSidecar(t, f.Path); !obj.Upscaled1080 {
			t.Errorf("the sidecar did not follow the record:\n%s", raw)
		}
	})
}

// Issue 18.4: with the setting off, a download writes the video alone.
func TestSidecarsOffWritesOnlyTheVideo(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.svc.SetSidecars(false)
		if _, err := r.svc.Import(ctx(t), sim.DemoLighthouse); err != nil {
			t.Fatal(err)
		}
		task, err := r.svc.Download(ctx(t), sim.DemoLighthouse, false, nil)
		if err != nil || len(task.Files) != 1 {
			t.Fatalf("download: %v %+v", err, task)
		}
		if names := dirNames(t, r.dir); len(names) != 1 || !strings.HasSuffix(names[0], ".mp4") {
			t.Errorf("the folder holds %v", names)
		}
	})
}

// A sidecar that cannot be written leaves the video verified and
// recorded, and says so in the download's note and the task's events.
func TestSidecarThatCannotBeWrittenKeepsTheVideo(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.svc.SetSidecars(true)
		src, err := r.svc.Import(ctx(t), sim.DemoLighthouse)
		if err != nil {
			t.Fatal(err)
		}
		name := download.FileName(src.CreatedAt, src.TaskID, src.Request.Prompt, 0)
		// A folder stands where the sidecar goes.
		if err := os.MkdirAll(filepath.Join(r.dir, name+".json", "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		task, done, err := r.svc.DownloadFiles(ctx(t), sim.DemoLighthouse, false, nil)
		if err != nil || len(task.Files) != 1 || len(done) != 1 {
			t.Fatalf("download: %v %+v", err, task)
		}
		if !strings.Contains(done[0].Note, name+".json") || !strings.Contains(done[0].Note, "verified") {
			t.Errorf("note %q", done[0].Note)
		}
		last := task.Events[len(task.Events)-1]
		if last.Status != eventSidecar {
			t.Errorf("events %+v", task.Events)
		}
		if _, err := os.Stat(task.Files[0].Path); err != nil {
			t.Fatal(err)
		}
	})
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// A story's step says so in its sidecar: the story's id and the step.
func TestSidecarOfAStoryStepNamesTheStory(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		r.svc.SetSidecars(true)
		v := planAndStart(t, r, "a storm rolls in", "the sun rises")
		v, err := r.svc.RunStory(ctx(t), v.Story.ID, RunOptions{Download: true})
		if err != nil || v.Story.Status != store.StoryDone {
			t.Fatalf("story: %v %+v", err, v.Story)
		}
		for i, sv := range v.Steps {
			if len(sv.Task.Files) == 0 {
				t.Fatalf("step %d has no file", i+1)
			}
			obj, raw := readSidecar(t, sv.Task.Files[len(sv.Task.Files)-1].Path)
			if obj.Story == nil || obj.Story.ID != v.Story.ID || obj.Story.Step != i+1 || obj.Story.Try {
				t.Errorf("step %d's sidecar:\n%s", i+1, raw)
			}
		}
	})
}

package tasks

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"golang.org/x/time/rate"
)

// Issue 8's "Done when": with the simulator answering every second
// record-info in the older, sparser shape (resultUrls under data: for an
// extension, the new part alone), 20 extensions in a row, headless, all
// end with the whole stitched video on disk: 15, 22, 29 … 148 s, checked
// on the file itself.
func TestTwentyExtensionsUnderSparseAnswersAllEndWhole(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		if testing.Short() {
			t.Skip("a flow of 20 extensions")
		}
		r := newRig(t, sim.Options{SparseEvery: 2})
		// The create limiter is not what this test is about: 20 creates would
		// wait 10 s on it.
		client := api.New(api.Options{BaseURL: r.srv.URL, APIKey: "test-key", BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
			Limiter: rate.NewLimiter(rate.Inf, 1), HTTPClient: r.srv.Client()})
		svc := New(Options{API: client, Downloader: download.New(download.Options{HTTPClient: r.srv.Client()}), Store: r.st, DownloadDir: r.dir,
			PollInterval: 20 * time.Millisecond, NullGrace: time.Second, WholeWait: 2 * time.Second, WholePoll: 20 * time.Millisecond})
		start := time.Now()
		prev, sparseStored, asked := sim.DemoLighthouse, 0, 0
		for i := 1; i <= 20; i++ {
			if i%2 == 0 {
				// A status check of the source between steps: each step makes
				// the same number of calls, which would lock which answers
				// come sparse; this one shifts it, so steps end on either.
				if _, err := svc.Refresh(ctx(t), prev); err != nil {
					t.Fatal(err)
				}
			}
			task, err := svc.Extend(ctx(t), ExtendInput{Source: prev, Prompt: fmt.Sprintf("step %d: the storm grows", i)})
			if err != nil {
				t.Fatalf("extension %d: %v", i, err)
			}
			if task, err = svc.Wait(ctx(t), task.LocalID, nil); err != nil || task.Status != store.StatusSucceeded {
				t.Fatalf("extension %d: %v %s", i, err, task.Status)
			}
			if len(task.FullResultURLs) == 0 {
				sparseStored++ // the answer that ended it was the sparse one
			}
			before := r.srv.Sim.Requests("/api/v1/veo/record-info")
			got, done, err := svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
			if err != nil {
				t.Fatalf("extension %d: download: %v", i, err)
			}
			asked += r.srv.Sim.Requests("/api/v1/veo/record-info") - before
			want := time.Duration(8+7*i) * time.Second
			if len(done) != 1 || done[0].File.Part || !done[0].Wrote || WholeDuration(got) != want {
				t.Fatalf("extension %d: %+v, whole %v, want %v", i, done, WholeDuration(got), want)
			}
			if d := fileDuration(t, done[0].File.Path); d != want {
				t.Fatalf("extension %d: the file on disk is %v, want %v", i, d, want)
			}
			prev = task.TaskID
		}
		t.Logf("20 extensions: %d ended on a sparse answer (part only) and asked again; %d record-info calls by the downloads; %v",
			sparseStored, asked, time.Since(start).Round(time.Millisecond))

		// The last one again, with --force, after its stored link expired:
		// fresh bytes from a fresh link, the whole video still, no stray .part.
		last, _ := r.st.Get(prev)
		path := last.Files[0].Path
		past := time.Now().Add(-time.Hour)
		if err := os.Chtimes(path, past, past); err != nil {
			t.Fatal(err)
		}
		r.srv.Sim.ExpireURLs()
		got, done, err := svc.DownloadFiles(ctx(t), last.LocalID, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		if !done[0].Wrote || !st.ModTime().After(past) || fileSHA(t, path) != got.Files[0].SHA256 || fileDuration(t, path) != 148*time.Second {
			t.Fatalf("forced re-download: %+v, mtime %v", done, st.ModTime())
		}
		if left, _ := filepath.Glob(filepath.Join(r.dir, "*.part*")); len(left) != 0 {
			t.Errorf("stray %v", left)
		}
	})
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha(b)
}

func fileDuration(t *testing.T, path string) time.Duration {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	info, err := mp4.Inspect(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return info.Duration
}

package download

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/api/mp4/mp4test"
)

// gated serves data's first `at` bytes, then waits for release before the
// rest: a download held in the middle.
func gated(data []byte, at int, release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etagOf(data))
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		_, _ = w.Write(data[:at])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(data[at:])
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type outcome struct {
	res *Result
	err error
}

func start(d *Downloader, ctx context.Context, r Request) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		res, err := d.Download(ctx, r)
		ch <- outcome{res, err}
	}()
	return ch
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Issue 9 item 9: a running download plus a `download --force` from a
// second veox, which is then interrupted, left 20,000 of 105,689 bytes
// under the final name, recorded as whole. Now the second waits on the
// .part's lock, touches nothing while it waits, and the first finishes
// the whole file: the name holds exactly the bytes its result describes.
func TestDownloadForcedRedownloadRacingARunningOne(t *testing.T) {
	t.Parallel()
	data := sample(50)
	release := make(chan struct{})
	_, srv := newHost(t, data, map[int]fault{0: {handler: gated(data, 20000, release)}})
	root := testRoot(t)
	first, second := &Progress{}, &Progress{}
	a := start(quickDownloader(t), t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: first})
	waitFor(t, "the first download's bytes", func() bool { return first.Snapshot().Done == 20000 })

	ctx, interrupt := context.WithCancel(t.Context())
	b := start(quickDownloader(t), ctx, Request{URL: srv.URL, Root: root, Name: testName, Progress: second, Force: true})
	waitFor(t, "the second download to wait", func() bool { return second.Snapshot().Waiting })
	interrupt() // Ctrl-C in the second veox
	got := <-b
	if !errors.Is(got.err, context.Canceled) || !strings.Contains(got.err.Error(), "waiting for another veox") {
		t.Fatalf("second: %v", got.err)
	}
	close(release)
	got = <-a
	if got.err != nil {
		t.Fatal(got.err)
	}
	checkDone(t, root, got.res, data)
	if sum := fileSHA(t, got.res.Path); sum != got.res.SHA256 {
		t.Fatalf("the file on disk (%s) is not the one recorded (%s)", sum, got.res.SHA256)
	}
}

// The second download waits, then picks up the file the first finished,
// and says so (Waited, not Fetched); with --force too, since that file is
// fresh: it was written while the second waited.
func TestDownloadSecondPicksUpTheFinishedFile(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprint("force=", force), func(t *testing.T) {
			data := sample(51)
			release := make(chan struct{})
			h, srv := newHost(t, data, map[int]fault{0: {handler: gated(data, 30000, release)}})
			root := testRoot(t)
			first, second := &Progress{}, &Progress{}
			a := start(quickDownloader(t), t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: first})
			waitFor(t, "the first download's bytes", func() bool { return first.Snapshot().Done == 30000 })
			b := start(quickDownloader(t), t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: second, Force: force})
			waitFor(t, "the second download to wait", func() bool { return second.Snapshot().Waiting })
			close(release)
			ra, rb := <-a, <-b
			if ra.err != nil || rb.err != nil {
				t.Fatal(ra.err, rb.err)
			}
			checkDone(t, root, rb.res, data)
			if !ra.res.Fetched || rb.res.Fetched || !rb.res.Waited || rb.res.SHA256 != ra.res.SHA256 {
				t.Errorf("first %+v\nsecond %+v", ra.res, rb.res)
			}
			if n := len(h.requests()); n != 1 {
				t.Errorf("%d requests: the second fetched too", n)
			}
			if s := second.Snapshot(); s.Waiting || !s.Finished {
				t.Errorf("second's progress %+v", s)
			}
		})
	}
}

// Whatever replaces the .part behind veox's back (an older veox, a
// person), the file it wrote is not the file at the path any more, and it
// is never renamed into the final name.
func TestDownloadNeverRenamesAReplacedPart(t *testing.T) {
	t.Parallel()
	data := sample(52)
	release := make(chan struct{})
	_, srv := newHost(t, data, map[int]fault{0: {handler: gated(data, 25000, release)}})
	root := testRoot(t)
	prog := &Progress{}
	a := start(quickDownloader(t), t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: prog})
	waitFor(t, "the download's bytes", func() bool { return prog.Snapshot().Done == 25000 })
	if err := root.Remove(testName + ".part"); err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile(testName+".part", data[:20000], 0o644); err != nil {
		t.Fatal(err)
	}
	close(release)
	got := <-a
	if got.err == nil || !strings.Contains(got.err.Error(), "was replaced by another program") {
		t.Fatalf("got %v", got.err)
	}
	if _, err := root.Stat(testName); !errors.Is(err, os.ErrNotExist) {
		t.Error("the final name exists")
	}
}

// A Check that refuses a verified file keeps the final name as it was and
// leaves no .part: the caller's rule (an extension's whole video is
// longer than its source) decides what may take the name.
func TestDownloadCheckKeepsTheFinalNameAsItWas(t *testing.T) {
	t.Parallel()
	old, fresh := mp4test.Build(mp4test.Options{MdatSize: 5000, Seed: 53}), sample(54)
	_, srv := newHost(t, fresh, nil)
	root := testRoot(t)
	if err := root.WriteFile(testName, old, 0o644); err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("not the whole video")
	_, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Force: true,
		Check: func(mp4.Info) error { return refuse }})
	if !errors.Is(err, refuse) {
		t.Fatalf("got %v", err)
	}
	if b, _ := root.ReadFile(testName); !bytes.Equal(b, old) {
		t.Error("the final name changed")
	}
	for _, n := range []string{testName + ".part", testName + ".part.json"} {
		if _, err := root.Stat(n); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", n)
		}
	}
	// Without Force, a file already there that fails the check is fetched again.
	res, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName,
		Check: func(i mp4.Info) error {
			if i.Width != 1920 {
				return refuse
			}
			return nil
		}})
	if err != nil || !res.Fetched {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestPartName(t *testing.T) {
	t.Parallel()
	if got := PartName("2026-11-23_t_slug_2.mp4"); got != "2026-11-23_t_slug_2_part.mp4" {
		t.Error(got)
	}
}

// Issue 11 item 3 across processes: another process (this test binary,
// run as a helper) holds the .part's lock; the download waits, says so,
// and then either goes on (the other gave up) or takes the file the other
// finished without a request of its own.
func TestDownloadWaitsForAnotherProcess(t *testing.T) {
	t.Parallel()
	for _, finishes := range []bool{false, true} {
		t.Run(fmt.Sprint("other finishes=", finishes), func(t *testing.T) {
			data := sample(55)
			h, srv := newHost(t, data, nil)
			dir := t.TempDir()
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { root.Close() })
			src := filepath.Join(t.TempDir(), "src.mp4")
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
			cmd.Env = append(os.Environ(), "VEOX_LOCK_HELPER="+filepath.Join(dir, testName))
			if finishes {
				cmd.Env = append(cmd.Env, "VEOX_LOCK_HELPER_SRC="+src)
			}
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			line, _ := bufio.NewReader(stdout).ReadString('\n')
			if line != "locked\n" {
				t.Fatalf("helper said %q", line)
			}
			prog := &Progress{}
			// Quick at polling the lock, not at judging the host stalled: it
			// sends all at once, and under -race on a loaded machine 150 ms
			// without a byte made a healthy transfer retry (3 requests for 1).
			d := quickDownloader(t)
			d.idle = 2 * time.Second
			ch := start(d, t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: prog})
			waitFor(t, "the download to wait for the other process", func() bool { return prog.Snapshot().Waiting })
			if finishes {
				fmt.Fprintln(stdin, "finish")
			}
			stdin.Close() // the other process ends, and its lock with it
			got := <-ch
			if got.err != nil {
				t.Fatal(got.err)
			}
			checkDone(t, root, got.res, data)
			if !got.res.Waited || got.res.Fetched == finishes {
				t.Errorf("%+v", got.res)
			}
			if n, want := len(h.requests()), map[bool]int{false: 1, true: 0}[finishes]; n != want {
				t.Errorf("%d requests, want %d", n, want)
			}
		})
	}
}

// TestLockHelperProcess is the other veox of the test above: it locks
// NAME.part, says "locked", and when told "finish" on stdin writes a whole
// file there and renames it to NAME (as a finishing download does, under
// the lock); it exits when its stdin closes.
func TestLockHelperProcess(t *testing.T) {
	t.Parallel()
	name := os.Getenv("VEOX_LOCK_HELPER")
	if name == "" {
		t.Skip("run by TestDownloadWaitsForAnotherProcess")
	}
	f, err := os.OpenFile(name+".part", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tryLock(f); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	fmt.Println("locked")
	in := bufio.NewReader(os.Stdin)
	if src := os.Getenv("VEOX_LOCK_HELPER_SRC"); src != "" {
		if line, _ := in.ReadString('\n'); line != "finish\n" {
			t.Fatalf("told %q", line)
		}
		data, _ := os.ReadFile(src)
		if _, err := f.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(name+".part", name); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = io.Copy(io.Discard, in)
	f.Close()
}

package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/mp4/mp4test"
)

// fault changes how the host answers one request (by its 0-based index).
type fault struct {
	cutAt       int64 // send this many body bytes, then drop the connection
	stallAt     int64 // send this many body bytes, then go silent
	status      int   // answer with this status and no file
	ignoreRange bool  // answer 200 with the whole file
	swap        []byte
	handler     http.HandlerFunc // answer entirely by hand
}

// host is a result host: an honest http.ServeContent (Range, If-Range,
// 416) with faults injected per request, recording what it was sent.
type host struct {
	t      *testing.T
	mu     sync.Mutex
	data   []byte
	etag   string
	reqs   []*http.Request
	faults map[int]fault
}

var modTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newHost(t *testing.T, data []byte, faults map[int]fault) (*host, *httptest.Server) {
	h := &host{t: t, data: data, etag: etagOf(data), faults: faults}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	i := len(h.reqs)
	h.reqs = append(h.reqs, r.Clone(context.Background()))
	f, ok := h.faults[i]
	if f.swap != nil {
		h.data, h.etag = f.swap, etagOf(f.swap)
	}
	data, etag := h.data, h.etag
	h.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		h.t.Errorf("request %d carried an Authorization header to the result host", i)
	}
	if got := r.Header.Get("Accept-Encoding"); got != "identity" {
		h.t.Errorf("request %d: Accept-Encoding %q", i, got)
	}
	if !ok {
		f = fault{cutAt: -1, stallAt: -1}
	}
	switch {
	case f.handler != nil:
		f.handler(w, r)
		return
	case f.status != 0:
		http.Error(w, "no", f.status)
		return
	case f.ignoreRange:
		r.Header.Del("Range")
	}
	w.Header().Set("ETag", etag)
	out := w
	if f.cutAt >= 0 || f.stallAt >= 0 {
		out = &faultWriter{ResponseWriter: w, limit: max(f.cutAt, f.stallAt), stall: f.stallAt >= 0, ctx: r.Context()}
	}
	http.ServeContent(out, r, "", modTime, bytes.NewReader(data))
}

func (h *host) requests() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.reqs...)
}

// faultWriter sends the headers and limit body bytes, then drops the
// connection (http.ErrAbortHandler) or, with stall, waits for the client
// to give up first.
type faultWriter struct {
	http.ResponseWriter
	n, limit int64
	stall    bool
	ctx      context.Context
}

func (w *faultWriter) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	w.ResponseWriter.(http.Flusher).Flush()
	if w.limit == 0 && code < 300 {
		w.fail()
	}
}

func (w *faultWriter) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) <= w.limit {
		w.n += int64(len(p))
		return w.ResponseWriter.Write(p)
	}
	_, _ = w.ResponseWriter.Write(p[:w.limit-w.n])
	w.fail()
	return 0, nil
}

func (w *faultWriter) fail() {
	w.ResponseWriter.(http.Flusher).Flush()
	if w.stall {
		select {
		case <-w.ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	panic(http.ErrAbortHandler)
}

func testDownloader(t testing.TB) *Downloader {
	d := New(Options{UserAgent: "veox/test", IdleTimeout: 2 * time.Second})
	d.backoffBase, d.backoffMax = time.Millisecond, 5*time.Millisecond
	return d
}

func testRoot(t testing.TB) *os.Root {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// sample is a synthetic MP4 a little over one copy buffer, so a download
// takes several reads and a cut can land anywhere.
func sample(seed uint64) []byte {
	return mp4test.Build(mp4test.Options{MdatSize: bufSize + 50000, Seed: seed, Width: 1920, Height: 1080})
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const testName = "2026-11-23_task_test.mp4"

// checkDone asserts what the user sees after a good download: the final
// file byte-identical to the source, no partial files left.
func checkDone(t *testing.T, root *os.Root, res *Result, want []byte) {
	t.Helper()
	got, err := root.ReadFile(testName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("final file differs from the source (%d vs %d bytes)", len(got), len(want))
	}
	if res.SHA256 != sha(want) || res.Size != int64(len(want)) {
		t.Fatalf("result %s/%d, want %s/%d", res.SHA256, res.Size, sha(want), len(want))
	}
	for _, leftover := range []string{testName + ".part", testName + ".part.json"} {
		if _, err := root.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", leftover, err)
		}
	}
}

func TestDownloadFull(t *testing.T) {
	t.Parallel()
	data := sample(1)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	prog := &Progress{}
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL + "/v.mp4?sig=x", Root: root, Name: testName, Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if res.Width != 1920 || res.Height != 1080 || res.Duration != 8*time.Second || !res.HasAudio || res.Resumed {
		t.Errorf("result %+v", res)
	}
	if !filepath.IsAbs(res.Path) || filepath.Base(res.Path) != testName {
		t.Errorf("path %q", res.Path)
	}
	reqs := h.requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Range") != "" || reqs[0].Header.Get("User-Agent") != "veox/test" {
		t.Errorf("requests: %d, first %v", len(reqs), reqs[0].Header)
	}
	if s := prog.Snapshot(); !s.Finished || s.Done != int64(len(data)) || s.Total != s.Done {
		t.Errorf("progress %+v", s)
	}
}

func TestDownloadResumesAfterCut(t *testing.T) {
	t.Parallel()
	data := sample(2)
	size := int64(len(data))
	for _, n := range []int64{0, 1, 4096, size / 2, bufSize + 1, size - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h, srv := newHost(t, data, map[int]fault{0: {cutAt: n, stallAt: -1}})
			root := testRoot(t)
			res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
			if err != nil {
				t.Fatal(err)
			}
			checkDone(t, root, res, data)
			reqs := h.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests", len(reqs))
			}
			if n > 0 {
				if got, want := reqs[1].Header.Get("Range"), fmt.Sprintf("bytes=%d-", n); got != want {
					t.Errorf("Range %q, want %q", got, want)
				}
				if got := reqs[1].Header.Get("If-Range"); got != h.etag {
					t.Errorf("If-Range %q, want %q", got, h.etag)
				}
			}
			if res.Resumed != (n > 0) {
				t.Errorf("Resumed %v", res.Resumed)
			}
		})
	}
}

// A flaky line that drops the connection again and again still finishes
// as long as every attempt brings new bytes, even past MaxAttempts.
func TestDownloadKeepsGoingWhileProgressing(t *testing.T) {
	t.Parallel()
	data := sample(3)
	faults := map[int]fault{}
	for i := range 8 {
		faults[i] = fault{cutAt: 30000, stallAt: -1}
	}
	h, srv := newHost(t, data, faults)
	root := testRoot(t)
	d := testDownloader(t)
	d.maxAttempts = 3
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if n := len(h.requests()); n != 9 {
		t.Errorf("%d requests, want 9", n)
	}
}

// A part left by an earlier run (the app was closed) is hashed and resumed.
func TestDownloadResumesPartFromEarlierRun(t *testing.T) {
	t.Parallel()
	data := sample(4)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	half := len(data) / 2
	writePart(t, root, data[:half], partMeta{ETag: h.etag, Total: int64(len(data))})
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if r := h.requests()[0]; r.Header.Get("Range") != fmt.Sprintf("bytes=%d-", half) || r.Header.Get("If-Range") != h.etag || !res.Resumed {
		t.Errorf("first request %v, resumed %v", r.Header, res.Resumed)
	}
}

// Without its validators a part cannot be trusted: start over.
func TestDownloadDiscardsPartWithoutMetadata(t *testing.T) {
	t.Parallel()
	data := sample(5)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	if err := root.WriteFile(testName+".part", []byte("stale bytes of something else"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if r := h.requests()[0]; r.Header.Get("Range") != "" {
		t.Errorf("sent Range %q for an untrusted part", r.Header.Get("Range"))
	}
}

// A weak ETag may not go into If-Range; Last-Modified stands in.
func TestDownloadWeakETagUsesLastModified(t *testing.T) {
	t.Parallel()
	data := sample(6)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	lm := modTime.Format(http.TimeFormat)
	writePart(t, root, data[:1000], partMeta{ETag: `W/"weak"`, LastModified: lm, Total: int64(len(data))})
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if got := h.requests()[0].Header.Get("If-Range"); got != lm {
		t.Errorf("If-Range %q, want %q", got, lm)
	}
}

func TestDownloadRestartsWhenHostIgnoresRange(t *testing.T) {
	t.Parallel()
	data := sample(7)
	h, srv := newHost(t, data, map[int]fault{0: {cutAt: 100000, stallAt: -1}, 1: {ignoreRange: true, cutAt: -1, stallAt: -1}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if len(h.requests()) != 2 || res.Resumed {
		t.Errorf("%d requests, resumed %v", len(h.requests()), res.Resumed)
	}
}

// The file behind the URL changed between attempts: If-Range no longer
// matches, the host sends the new file whole, and no byte of the old one
// survives.
func TestDownloadRestartsWhenValidatorChanged(t *testing.T) {
	t.Parallel()
	old, fresh := sample(8), sample(9)
	_, srv := newHost(t, old, map[int]fault{0: {cutAt: 100000, stallAt: -1}, 1: {swap: fresh, cutAt: -1, stallAt: -1}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, fresh)
}

// The app stopped after the last byte but before the rename: the host
// answers 416 to "bytes=size-" and the part is verified as it is.
func TestDownload416WithCompletePart(t *testing.T) {
	t.Parallel()
	data := sample(10)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	writePart(t, root, data, partMeta{ETag: h.etag, Total: int64(len(data))})
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if n := len(h.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestDownload416WithIncompletePartStartsOver(t *testing.T) {
	t.Parallel()
	data := sample(11)
	unsatisfiable := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes */500")
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
	}
	h, srv := newHost(t, data, map[int]fault{0: {handler: unsatisfiable}})
	root := testRoot(t)
	writePart(t, root, data[:1000], partMeta{ETag: etagOf(data), Total: int64(len(data))})
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if r := h.requests()[1]; r.Header.Get("Range") != "" {
		t.Errorf("second request still asked for a range: %q", r.Header.Get("Range"))
	}
}

func TestDownloadWrongContentRangeStartsOver(t *testing.T) {
	t.Parallel()
	data := sample(12)
	wrong := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-9/%d", len(data)))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(data[:10])
	}
	_, srv := newHost(t, data, map[int]fault{0: {cutAt: 5000, stallAt: -1}, 1: {handler: wrong}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
}

// A host that streams without Content-Length: the size becomes known
// from the Content-Range of the resume.
func TestDownloadChunkedThenResumed(t *testing.T) {
	t.Parallel()
	data := sample(28)
	chunkedCut := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etagOf(data))
		_, _ = w.Write(data[:20000])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	h, srv := newHost(t, data, map[int]fault{0: {handler: chunkedCut}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if r := h.requests()[1]; r.Header.Get("Range") != "bytes=20000-" || r.Header.Get("If-Range") != h.etag {
		t.Errorf("resume headers %v", r.Header)
	}
}

// A streamed body of unknown size that ends cleanly is complete; it is
// still verified as an MP4.
func TestDownloadChunkedComplete(t *testing.T) {
	t.Parallel()
	data := sample(29)
	chunked := func(w http.ResponseWriter, r *http.Request) {
		for b := data; len(b) > 0; b = b[min(len(b), 7000):] {
			_, _ = w.Write(b[:min(len(b), 7000)])
			w.(http.Flusher).Flush()
		}
	}
	_, srv := newHost(t, data, map[int]fault{0: {handler: chunked}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
}

// A 206 for a file of another size is another file: start over.
func TestDownloadSizeChangedOnResumeStartsOver(t *testing.T) {
	t.Parallel()
	data := sample(30)
	otherSize := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 10000-10009/%d", len(data)+5))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(make([]byte, 10))
	}
	h, srv := newHost(t, data, map[int]fault{0: {cutAt: 10000, stallAt: -1}, 1: {handler: otherSize}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if r := h.requests()[2]; r.Header.Get("Range") != "" || res.Resumed {
		t.Errorf("third request %v, resumed %v", r.Header, res.Resumed)
	}
}

func TestDownloadRefreshesRefusedLink(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			data := sample(13)
			h, srv := newHost(t, data, map[int]fault{0: {cutAt: 70000, stallAt: -1}, 1: {status: status}})
			root := testRoot(t)
			var refreshes atomic.Int32
			refresh := func(ctx context.Context) (string, error) {
				refreshes.Add(1)
				return srv.URL + "/fresh", nil
			}
			res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL + "/old", Root: root, Name: testName, Refresh: refresh})
			if err != nil {
				t.Fatal(err)
			}
			checkDone(t, root, res, data)
			reqs := h.requests()
			if refreshes.Load() != 1 || len(reqs) != 3 || reqs[2].URL.Path != "/fresh" || reqs[2].Header.Get("Range") != "bytes=70000-" || !res.Resumed {
				t.Errorf("refreshes %d, requests %d, last %s %v", refreshes.Load(), len(reqs), reqs[len(reqs)-1].URL.Path, reqs[len(reqs)-1].Header)
			}
		})
	}
}

func TestDownloadRefusedLinkWithoutRefresh(t *testing.T) {
	t.Parallel()
	_, srv := newHost(t, sample(14), map[int]fault{0: {status: http.StatusGone}, 1: {status: http.StatusGone}})
	root := testRoot(t)
	_, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL + "/x?sig=SECRET", Root: root, Name: testName})
	if api.KindOf(err) != api.KindNotFound || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v (kind %v)", err, api.KindOf(err))
	}
	failed := errors.New("record-info failed")
	_, err = testDownloader(t).Download(t.Context(), Request{URL: srv.URL + "/x", Root: root, Name: testName,
		Refresh: func(context.Context) (string, error) { return "", failed }})
	if !errors.Is(err, failed) {
		t.Fatalf("got %v", err)
	}
}

func TestDownloadIdleWatchdogResumes(t *testing.T) {
	t.Parallel()
	data := sample(15)
	h, srv := newHost(t, data, map[int]fault{0: {stallAt: 50000, cutAt: -1}})
	root := testRoot(t)
	d := testDownloader(t)
	d.idle = 150 * time.Millisecond
	start := time.Now()
	res, err := d.Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if got := h.requests()[1].Header.Get("Range"); got != "bytes=50000-" {
		t.Errorf("Range after stall %q", got)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestDownloadRejectsWhatIsNotMP4(t *testing.T) {
	t.Parallel()
	valid := sample(16)
	for label, body := range map[string][]byte{
		"html page":      []byte("<!doctype html><title>Access denied</title>"),
		"truncated file": valid[:len(valid)-1000],
	} {
		t.Run(label, func(t *testing.T) {
			_, srv := newHost(t, body, nil)
			root := testRoot(t)
			_, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
			if !errors.Is(err, ErrNotMP4) {
				t.Fatalf("got %v", err)
			}
			for _, n := range []string{testName, testName + ".part", testName + ".part.json"} {
				if _, err := root.Stat(n); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s exists after a failed verification", n)
				}
			}
		})
	}
}

// A body that stops short of its Content-Length is a cut, retried, never
// verified as if complete.
func TestDownloadShortBodyIsRetried(t *testing.T) {
	t.Parallel()
	data := sample(17)
	short := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		_, _ = w.Write(data[:1000])
	}
	h, srv := newHost(t, data, map[int]fault{0: {handler: short}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if len(h.requests()) != 2 {
		t.Errorf("%d requests", len(h.requests()))
	}
}

func TestDownloadExistingValidFileNeedsNoRequest(t *testing.T) {
	t.Parallel()
	data := sample(18)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	if err := root.WriteFile(testName, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if n := len(h.requests()); n != 0 {
		t.Errorf("%d requests for a file already there", n)
	}
}

func TestDownloadReplacesInvalidExistingFile(t *testing.T) {
	t.Parallel()
	data := sample(19)
	_, srv := newHost(t, data, nil)
	root := testRoot(t)
	if err := root.WriteFile(testName, []byte("half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
}

// Force fetches again; until the new file is verified the old one stays
// whole under the final name.
func TestDownloadForceReplacesAtomically(t *testing.T) {
	t.Parallel()
	old, fresh := sample(20), sample(21)
	root := testRoot(t)
	if err := root.WriteFile(testName, old, 0o644); err != nil {
		t.Fatal(err)
	}
	writePart(t, root, old[:5000], partMeta{ETag: etagOf(old), Total: int64(len(old))})
	var sawOld atomic.Bool
	h, srv := newHost(t, fresh, nil)
	check := func(w http.ResponseWriter, r *http.Request) {
		got, _ := root.ReadFile(testName)
		sawOld.Store(bytes.Equal(got, old))
		h.ServeHTTP(w, r)
	}
	srv.Config.Handler = http.HandlerFunc(check)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, fresh)
	if !sawOld.Load() {
		t.Error("the old file was not intact while the new one downloaded")
	}
	if r := h.requests()[0]; r.Header.Get("Range") != "" {
		t.Errorf("Force resumed an old part: %q", r.Header.Get("Range"))
	}
}

// fullDisk fails writes with ENOSPC once the part reaches limit bytes.
type fullDisk struct {
	*os.File
	limit int64
}

func (f fullDisk) WriteAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= f.limit {
		return f.File.WriteAt(p, off)
	}
	n, _ := f.File.WriteAt(p[:max(f.limit-off, 0)], off)
	return n, &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
}

func TestDownloadDiskFullKeepsPartAndResumesLater(t *testing.T) {
	t.Parallel()
	data := sample(22)
	h, srv := newHost(t, data, nil)
	root := testRoot(t)
	d := testDownloader(t)
	d.openPart = func(root *os.Root, n string) (partFile, error) {
		f, err := openPartFile(root, n)
		return fullDisk{File: f.(*os.File), limit: 123457}, err
	}
	_, err := d.Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), testName+".part is kept") {
		t.Fatalf("got %v", err)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("%d requests: a full disk must stop at once", n)
	}
	if st, err := root.Stat(testName + ".part"); err != nil || st.Size() != 123457 {
		t.Fatalf("part: %v %v", st, err)
	}
	// Space freed: the retry run resumes and the hash covers the old bytes too.
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if !res.Resumed {
		t.Error("did not resume")
	}
}

func TestDownloadCancelKeepsPart(t *testing.T) {
	t.Parallel()
	data := sample(23)
	_, srv := newHost(t, data, map[int]fault{0: {stallAt: 40000, cutAt: -1}})
	root := testRoot(t)
	ctx, cancel := context.WithCancel(t.Context())
	prog := &Progress{}
	go func() {
		for prog.Snapshot().Done < 40000 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := testDownloader(t).Download(ctx, Request{URL: srv.URL, Root: root, Name: testName, Progress: prog})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if st, err := root.Stat(testName + ".part"); err != nil || st.Size() != 40000 {
		t.Fatalf("part after cancel: %v %v", st, err)
	}
	if _, err := root.Stat(testName); !errors.Is(err, os.ErrNotExist) {
		t.Error("final name exists after cancel")
	}
}

func TestDownloadGivesUpWithoutProgress(t *testing.T) {
	t.Parallel()
	faults := map[int]fault{}
	for i := range 10 {
		faults[i] = fault{status: http.StatusBadGateway}
	}
	h, srv := newHost(t, sample(24), faults)
	d := testDownloader(t)
	d.maxAttempts = 4
	_, err := d.Download(t.Context(), Request{URL: srv.URL, Root: testRoot(t), Name: testName})
	if api.KindOf(err) != api.KindServer || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("got %v", err)
	}
	if n := len(h.requests()); n != 4 {
		t.Errorf("%d requests", n)
	}
}

func TestDownloadRefusesCompressedBody(t *testing.T) {
	t.Parallel()
	data := sample(25)
	gz := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(data)
	}
	_, srv := newHost(t, data, map[int]fault{0: {handler: gz}})
	_, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: testRoot(t), Name: testName})
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("got %v", err)
	}
}

// Userinfo in a URL would become Basic auth; the host asserts it never
// sees an Authorization header.
func TestDownloadNeverSendsCredentials(t *testing.T) {
	t.Parallel()
	data := sample(26)
	h, srv := newHost(t, data, nil)
	link := strings.Replace(srv.URL, "http://", "http://user:key@", 1)
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: link, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if len(h.requests()) != 1 {
		t.Fatal("no request")
	}
}

func TestDownloadErrorsDoNotQuoteSignedURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	link := srv.URL + "/v.mp4?sig=SECRET"
	srv.Close() // connection refused from now on
	d := testDownloader(t)
	d.maxAttempts = 2
	_, err := d.Download(t.Context(), Request{URL: link, Root: testRoot(t), Name: testName})
	if api.KindOf(err) != api.KindTransport || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v", err)
	}
}

func TestDownloadRejectsBadRequests(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	for _, r := range []Request{
		{URL: "http://h/x", Root: nil, Name: testName},
		{URL: "http://h/x", Root: root, Name: ""},
		{URL: "http://h/x", Root: root, Name: "../escape.mp4"},
		{URL: "http://h/x", Root: root, Name: "sub/x.mp4"},
		{URL: "http://h/x", Root: root, Name: ".hidden.mp4"},
		{URL: "http://h/x", Root: root, Name: "a\nb.mp4"},
		{URL: "file:///etc/passwd", Root: root, Name: testName},
		{URL: "", Root: root, Name: testName},
	} {
		if _, err := testDownloader(t).Download(t.Context(), r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// The project's sample clips (real encoder output) download and verify.
func TestDownloadRealClip(t *testing.T) {
	t.Parallel()
	clips, _ := filepath.Glob("../../assets/clips/*.mp4")
	if len(clips) == 0 {
		t.Skip("no sample clips")
	}
	data, err := os.ReadFile(clips[0])
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newHost(t, data, map[int]fault{0: {cutAt: int64(len(data) / 3), stallAt: -1}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if res.Width == 0 || res.Duration == 0 {
		t.Errorf("%+v", res)
	}
}

// The UI's tick reads progress while bytes arrive (run with -race).
func TestDownloadProgressReadConcurrently(t *testing.T) {
	t.Parallel()
	data := sample(27)
	_, srv := newHost(t, data, map[int]fault{0: {cutAt: 100000, stallAt: -1}})
	prog := &Progress{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !prog.Snapshot().Finished {
			time.Sleep(100 * time.Microsecond)
		}
	}()
	if _, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: testRoot(t), Name: testName, Progress: prog}); err != nil {
		t.Fatal(err)
	}
	<-done
}

func TestProgressSnapshot(t *testing.T) {
	t.Parallel()
	var nilProg *Progress
	if s := nilProg.Snapshot(); s != (ProgressSnapshot{}) {
		t.Errorf("nil progress %+v", s)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &Progress{}
	p.begin(t0, 1000, 11000) // 1000 bytes resumed: not part of the speed
	p.set(1500)
	if s := p.snapshotAt(t0.Add(500 * time.Millisecond)); s.BytesPerSec != 1000 || s.ETA != 10*time.Second {
		t.Errorf("early: %+v", s)
	}
	p.set(3000)
	if s := p.snapshotAt(t0.Add(time.Second)); s.BytesPerSec != 2000 || s.ETA != 4*time.Second || s.Done != 3000 || s.Total != 11000 {
		t.Errorf("after a window: %+v", s)
	}
	p.set(7000)
	if s := p.snapshotAt(t0.Add(2 * time.Second)); s.BytesPerSec != 3000 {
		t.Errorf("smoothed: %+v", s)
	}
	p.set(0) // the host sent the whole file: the part was reset
	if s := p.snapshotAt(t0.Add(3 * time.Second)); s.BytesPerSec < 0 || s.Done != 0 {
		t.Errorf("after reset: %+v", s)
	}
	p.finish(11000)
	if s := p.snapshotAt(t0.Add(4 * time.Second)); !s.Finished || s.ETA != 0 || s.Done != 11000 {
		t.Errorf("finished: %+v", s)
	}
	p.begin(t0, 0, -1)
	if s := p.snapshotAt(t0.Add(time.Second)); s.Total != 0 || s.ETA != 0 || s.Finished {
		t.Errorf("unknown size: %+v", s)
	}
}

func TestParseContentRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in                 string
		start, last, total int64
		ok                 bool
	}{
		{"bytes 100-199/200", 100, 199, 200, true},
		{"bytes 0-0/1", 0, 0, 1, true},
		{"bytes 5-9/*", 5, 9, -1, true},
		{"bytes */300", -1, -1, 300, true},
		{"bytes 100-99/200", 0, 0, 0, false},
		{"bytes 100-200/200", 0, 0, 0, false},
		{"bytes -1-5/10", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"bytes 0-1", 0, 0, 0, false},
		{"bytes a-b/c", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, c := range cases {
		start, last, total, ok := parseContentRange(c.in)
		if ok != c.ok || ok && (start != c.start || last != c.last || total != c.total) {
			t.Errorf("%q: %d %d %d %v", c.in, start, last, total, ok)
		}
	}
}

func writePart(t *testing.T, root *os.Root, b []byte, m partMeta) {
	t.Helper()
	j, _ := json.Marshal(m)
	if err := root.WriteFile(testName+".part", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile(testName+".part.json", j, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDownload moves a 64 MiB file over loopback; -benchmem shows the
// allocations per download stay flat whatever the size (one copy buffer).
func BenchmarkDownload(b *testing.B) {
	data := mp4test.Build(mp4test.Options{MdatSize: benchSize})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", modTime, bytes.NewReader(data))
	}))
	defer srv.Close()
	d := testDownloader(b)
	root := testRoot(b)
	b.SetBytes(int64(len(data))) // reported as MB/s
	for b.Loop() {
		if _, err := d.Download(b.Context(), Request{URL: srv.URL, Root: root, Name: testName}); err != nil {
			b.Fatal(err)
		}
		if err := root.Remove(testName); err != nil {
			b.Fatal(err)
		}
	}
}

const benchSize = 64 << 20

package api

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

	"github.com/veox/veox/api/mp4/mp4test"
)

// fault changes how the host answers one request (by its 0-based index).
type dlFault struct {
	cutAt       int64 // send this many body bytes, then drop the connection
	stallAt     int64 // send this many body bytes, then go silent
	status      int   // answer with this status and no file
	ignoreRange bool  // answer 200 with the whole file
	swap        []byte
	handler     http.HandlerFunc // answer entirely by hand
}

// host is a result host: an honest http.ServeContent (Range, If-Range,
// 416) with faults injected per request, recording what it was sent.
type dlHost struct {
	t      *testing.T
	mu     sync.Mutex
	data   []byte
	etag   string
	reqs   []*http.Request
	faults map[int]dlFault
}

var dlModTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newDLHost(t *testing.T, data []byte, faults map[int]dlFault) (*dlHost, *httptest.Server) {
	h := &dlHost{t: t, data: data, etag: dlETag(data), faults: faults}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func dlETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

func (h *dlHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	i := len(h.reqs)
	h.reqs = append(h.reqs, r.Clone(context.Background()))
	f, ok := h.faults[i]
	if f.swap != nil {
		h.data, h.etag = f.swap, dlETag(f.swap)
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
		f = dlFault{cutAt: -1, stallAt: -1}
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
		out = &dlFaultWriter{ResponseWriter: w, limit: max(f.cutAt, f.stallAt), stall: f.stallAt >= 0, ctx: r.Context()}
	}
	http.ServeContent(out, r, "", dlModTime, bytes.NewReader(data))
}

func (h *dlHost) requests() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.reqs...)
}

// faultWriter sends the headers and limit body bytes, then drops the
// connection (http.ErrAbortHandler) or, with stall, waits for the client
// to give up first.
type dlFaultWriter struct {
	http.ResponseWriter
	n, limit int64
	stall    bool
	ctx      context.Context
}

func (w *dlFaultWriter) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	w.ResponseWriter.(http.Flusher).Flush()
	if w.limit == 0 && code < 300 {
		w.fail()
	}
}

func (w *dlFaultWriter) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) <= w.limit {
		w.n += int64(len(p))
		return w.ResponseWriter.Write(p)
	}
	_, _ = w.ResponseWriter.Write(p[:w.limit-w.n])
	w.fail()
	return 0, nil
}

func (w *dlFaultWriter) fail() {
	w.ResponseWriter.(http.Flusher).Flush()
	if w.stall {
		select {
		case <-w.ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	panic(http.ErrAbortHandler)
}

func dlDownloader(t testing.TB) *Downloader {
	d := NewDownloader(DownloaderOptions{UserAgent: "veox/test", IdleTimeout: 2 * time.Second})
	d.backoffBase, d.backoffMax = time.Millisecond, 5*time.Millisecond
	return d
}

func dlRoot(t testing.TB) *os.Root {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// sample is a synthetic MP4 a little over one copy buffer, so a download
// takes several reads and a cut can land anywhere.
func dlSample(seed uint64) []byte {
	return mp4test.Build(mp4test.Options{MdatSize: dlBufSize + 50000, Seed: seed, Width: 1920, Height: 1080})
}

func dlSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const dlName = "2026-11-23_task_test.mp4"

// checkDone asserts what the user sees after a good download: the final
// file byte-identical to the source, no partial files left.
func dlCheckDone(t *testing.T, root *os.Root, res *DownloadResult, want []byte) {
	t.Helper()
	got, err := root.ReadFile(dlName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("final file differs from the source (%d vs %d bytes)", len(got), len(want))
	}
	if res.SHA256 != dlSHA(want) || res.Size != int64(len(want)) {
		t.Fatalf("result %s/%d, want %s/%d", res.SHA256, res.Size, dlSHA(want), len(want))
	}
	for _, leftover := range []string{dlName + ".part", dlName + ".part.json"} {
		if _, err := root.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", leftover, err)
		}
	}
}

func TestDownloadFull(t *testing.T) {
	data := dlSample(1)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	prog := &Progress{}
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL + "/v.mp4?sig=x", Root: root, Name: dlName, Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if res.Width != 1920 || res.Height != 1080 || res.Duration != 8*time.Second || !res.HasAudio || res.Resumed {
		t.Errorf("result %+v", res)
	}
	if !filepath.IsAbs(res.Path) || filepath.Base(res.Path) != dlName {
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
	data := dlSample(2)
	size := int64(len(data))
	for _, n := range []int64{0, 1, 4096, size / 2, dlBufSize + 1, size - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: n, stallAt: -1}})
			root := dlRoot(t)
			res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
			if err != nil {
				t.Fatal(err)
			}
			dlCheckDone(t, root, res, data)
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
	data := dlSample(3)
	faults := map[int]dlFault{}
	for i := range 8 {
		faults[i] = dlFault{cutAt: 30000, stallAt: -1}
	}
	h, srv := newDLHost(t, data, faults)
	root := dlRoot(t)
	d := dlDownloader(t)
	d.maxAttempts = 3
	res, err := d.Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if n := len(h.requests()); n != 9 {
		t.Errorf("%d requests, want 9", n)
	}
}

// A part left by an earlier run (the app was closed) is hashed and resumed.
func TestDownloadResumesPartFromEarlierRun(t *testing.T) {
	data := dlSample(4)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	half := len(data) / 2
	dlWritePart(t, root, data[:half], dlPartMeta{ETag: h.etag, Total: int64(len(data))})
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if r := h.requests()[0]; r.Header.Get("Range") != fmt.Sprintf("bytes=%d-", half) || r.Header.Get("If-Range") != h.etag || !res.Resumed {
		t.Errorf("first request %v, resumed %v", r.Header, res.Resumed)
	}
}

// Without its validators a part cannot be trusted: start over.
func TestDownloadDiscardsPartWithoutMetadata(t *testing.T) {
	data := dlSample(5)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	if err := root.WriteFile(dlName+".part", []byte("stale bytes of something else"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if r := h.requests()[0]; r.Header.Get("Range") != "" {
		t.Errorf("sent Range %q for an untrusted part", r.Header.Get("Range"))
	}
}

// A weak ETag may not go into If-Range; Last-Modified stands in.
func TestDownloadWeakETagUsesLastModified(t *testing.T) {
	data := dlSample(6)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	lm := dlModTime.Format(http.TimeFormat)
	dlWritePart(t, root, data[:1000], dlPartMeta{ETag: `W/"weak"`, LastModified: lm, Total: int64(len(data))})
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if got := h.requests()[0].Header.Get("If-Range"); got != lm {
		t.Errorf("If-Range %q, want %q", got, lm)
	}
}

func TestDownloadRestartsWhenHostIgnoresRange(t *testing.T) {
	data := dlSample(7)
	h, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: 100000, stallAt: -1}, 1: {ignoreRange: true, cutAt: -1, stallAt: -1}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if len(h.requests()) != 2 || res.Resumed {
		t.Errorf("%d requests, resumed %v", len(h.requests()), res.Resumed)
	}
}

// The file behind the URL changed between attempts: If-Range no longer
// matches, the host sends the new file whole, and no byte of the old one
// survives.
func TestDownloadRestartsWhenValidatorChanged(t *testing.T) {
	old, fresh := dlSample(8), dlSample(9)
	_, srv := newDLHost(t, old, map[int]dlFault{0: {cutAt: 100000, stallAt: -1}, 1: {swap: fresh, cutAt: -1, stallAt: -1}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, fresh)
}

// The app stopped after the last byte but before the rename: the host
// answers 416 to "bytes=size-" and the part is verified as it is.
func TestDownload416WithCompletePart(t *testing.T) {
	data := dlSample(10)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	dlWritePart(t, root, data, dlPartMeta{ETag: h.etag, Total: int64(len(data))})
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if n := len(h.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestDownload416WithIncompletePartStartsOver(t *testing.T) {
	data := dlSample(11)
	unsatisfiable := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes */500")
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
	}
	h, srv := newDLHost(t, data, map[int]dlFault{0: {handler: unsatisfiable}})
	root := dlRoot(t)
	dlWritePart(t, root, data[:1000], dlPartMeta{ETag: dlETag(data), Total: int64(len(data))})
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if r := h.requests()[1]; r.Header.Get("Range") != "" {
		t.Errorf("second request still asked for a range: %q", r.Header.Get("Range"))
	}
}

func TestDownloadWrongContentRangeStartsOver(t *testing.T) {
	data := dlSample(12)
	wrong := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-9/%d", len(data)))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(data[:10])
	}
	_, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: 5000, stallAt: -1}, 1: {handler: wrong}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
}

// A host that streams without Content-Length: the size becomes known
// from the Content-Range of the resume.
func TestDownloadChunkedThenResumed(t *testing.T) {
	data := dlSample(28)
	chunkedCut := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", dlETag(data))
		_, _ = w.Write(data[:20000])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	h, srv := newDLHost(t, data, map[int]dlFault{0: {handler: chunkedCut}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if r := h.requests()[1]; r.Header.Get("Range") != "bytes=20000-" || r.Header.Get("If-Range") != h.etag {
		t.Errorf("resume headers %v", r.Header)
	}
}

// A streamed body of unknown size that ends cleanly is complete; it is
// still verified as an MP4.
func TestDownloadChunkedComplete(t *testing.T) {
	data := dlSample(29)
	chunked := func(w http.ResponseWriter, r *http.Request) {
		for b := data; len(b) > 0; b = b[min(len(b), 7000):] {
			_, _ = w.Write(b[:min(len(b), 7000)])
			w.(http.Flusher).Flush()
		}
	}
	_, srv := newDLHost(t, data, map[int]dlFault{0: {handler: chunked}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
}

// A 206 for a file of another size is another file: start over.
func TestDownloadSizeChangedOnResumeStartsOver(t *testing.T) {
	data := dlSample(30)
	otherSize := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 10000-10009/%d", len(data)+5))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(make([]byte, 10))
	}
	h, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: 10000, stallAt: -1}, 1: {handler: otherSize}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if r := h.requests()[2]; r.Header.Get("Range") != "" || res.Resumed {
		t.Errorf("third request %v, resumed %v", r.Header, res.Resumed)
	}
}

func TestDownloadRefreshesRefusedLink(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			data := dlSample(13)
			h, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: 70000, stallAt: -1}, 1: {status: status}})
			root := dlRoot(t)
			var refreshes atomic.Int32
			refresh := func(ctx context.Context) (string, error) {
				refreshes.Add(1)
				return srv.URL + "/fresh", nil
			}
			res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL + "/old", Root: root, Name: dlName, Refresh: refresh})
			if err != nil {
				t.Fatal(err)
			}
			dlCheckDone(t, root, res, data)
			reqs := h.requests()
			if refreshes.Load() != 1 || len(reqs) != 3 || reqs[2].URL.Path != "/fresh" || reqs[2].Header.Get("Range") != "bytes=70000-" || !res.Resumed {
				t.Errorf("refreshes %d, requests %d, last %s %v", refreshes.Load(), len(reqs), reqs[len(reqs)-1].URL.Path, reqs[len(reqs)-1].Header)
			}
		})
	}
}

func TestDownloadRefusedLinkWithoutRefresh(t *testing.T) {
	_, srv := newDLHost(t, dlSample(14), map[int]dlFault{0: {status: http.StatusGone}, 1: {status: http.StatusGone}})
	root := dlRoot(t)
	_, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL + "/x?sig=SECRET", Root: root, Name: dlName})
	if KindOf(err) != KindNotFound || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v (kind %v)", err, KindOf(err))
	}
	failed := errors.New("record-info failed")
	_, err = dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL + "/x", Root: root, Name: dlName,
		Refresh: func(context.Context) (string, error) { return "", failed }})
	if !errors.Is(err, failed) {
		t.Fatalf("got %v", err)
	}
}

func TestDownloadIdleWatchdogResumes(t *testing.T) {
	data := dlSample(15)
	h, srv := newDLHost(t, data, map[int]dlFault{0: {stallAt: 50000, cutAt: -1}})
	root := dlRoot(t)
	d := dlDownloader(t)
	d.idle = 150 * time.Millisecond
	start := time.Now()
	res, err := d.Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if got := h.requests()[1].Header.Get("Range"); got != "bytes=50000-" {
		t.Errorf("Range after stall %q", got)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestDownloadRejectsWhatIsNotMP4(t *testing.T) {
	valid := dlSample(16)
	for label, body := range map[string][]byte{
		"html page":      []byte("<!doctype html><title>Access denied</title>"),
		"truncated file": valid[:len(valid)-1000],
	} {
		t.Run(label, func(t *testing.T) {
			_, srv := newDLHost(t, body, nil)
			root := dlRoot(t)
			_, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
			if !errors.Is(err, ErrNotMP4) {
				t.Fatalf("got %v", err)
			}
			for _, n := range []string{dlName, dlName + ".part", dlName + ".part.json"} {
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
	data := dlSample(17)
	short := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		_, _ = w.Write(data[:1000])
	}
	h, srv := newDLHost(t, data, map[int]dlFault{0: {handler: short}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if len(h.requests()) != 2 {
		t.Errorf("%d requests", len(h.requests()))
	}
}

func TestDownloadExistingValidFileNeedsNoRequest(t *testing.T) {
	data := dlSample(18)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	if err := root.WriteFile(dlName, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if n := len(h.requests()); n != 0 {
		t.Errorf("%d requests for a file already there", n)
	}
}

func TestDownloadReplacesInvalidExistingFile(t *testing.T) {
	data := dlSample(19)
	_, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	if err := root.WriteFile(dlName, []byte("half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
}

// Force fetches again; until the new file is verified the old one stays
// whole under the final name.
func TestDownloadForceReplacesAtomically(t *testing.T) {
	old, fresh := dlSample(20), dlSample(21)
	root := dlRoot(t)
	if err := root.WriteFile(dlName, old, 0o644); err != nil {
		t.Fatal(err)
	}
	dlWritePart(t, root, old[:5000], dlPartMeta{ETag: dlETag(old), Total: int64(len(old))})
	var sawOld atomic.Bool
	h, srv := newDLHost(t, fresh, nil)
	check := func(w http.ResponseWriter, r *http.Request) {
		got, _ := root.ReadFile(dlName)
		sawOld.Store(bytes.Equal(got, old))
		h.ServeHTTP(w, r)
	}
	srv.Config.Handler = http.HandlerFunc(check)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, fresh)
	if !sawOld.Load() {
		t.Error("the old file was not intact while the new one downloaded")
	}
	if r := h.requests()[0]; r.Header.Get("Range") != "" {
		t.Errorf("Force resumed an old part: %q", r.Header.Get("Range"))
	}
}

// fullDisk fails writes with ENOSPC once the part reaches limit bytes.
type dlFullDisk struct {
	*os.File
	limit int64
}

func (f dlFullDisk) WriteAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= f.limit {
		return f.File.WriteAt(p, off)
	}
	n, _ := f.File.WriteAt(p[:max(f.limit-off, 0)], off)
	return n, &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
}

func TestDownloadDiskFullKeepsPartAndResumesLater(t *testing.T) {
	data := dlSample(22)
	h, srv := newDLHost(t, data, nil)
	root := dlRoot(t)
	d := dlDownloader(t)
	d.openPart = func(root *os.Root, n string) (dlPartFile, error) {
		f, err := openDLPart(root, n)
		return dlFullDisk{File: f.(*os.File), limit: 123457}, err
	}
	_, err := d.Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), dlName+".part is kept") {
		t.Fatalf("got %v", err)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("%d requests: a full disk must stop at once", n)
	}
	if st, err := root.Stat(dlName + ".part"); err != nil || st.Size() != 123457 {
		t.Fatalf("part: %v %v", st, err)
	}
	// Space freed: the next run resumes and the hash covers the old bytes too.
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if !res.Resumed {
		t.Error("did not resume")
	}
}

func TestDownloadCancelKeepsPart(t *testing.T) {
	data := dlSample(23)
	_, srv := newDLHost(t, data, map[int]dlFault{0: {stallAt: 40000, cutAt: -1}})
	root := dlRoot(t)
	ctx, cancel := context.WithCancel(t.Context())
	prog := &Progress{}
	go func() {
		for prog.Snapshot().Done < 40000 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := dlDownloader(t).Download(ctx, DownloadRequest{URL: srv.URL, Root: root, Name: dlName, Progress: prog})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if st, err := root.Stat(dlName + ".part"); err != nil || st.Size() != 40000 {
		t.Fatalf("part after cancel: %v %v", st, err)
	}
	if _, err := root.Stat(dlName); !errors.Is(err, os.ErrNotExist) {
		t.Error("final name exists after cancel")
	}
}

func TestDownloadGivesUpWithoutProgress(t *testing.T) {
	faults := map[int]dlFault{}
	for i := range 10 {
		faults[i] = dlFault{status: http.StatusBadGateway}
	}
	h, srv := newDLHost(t, dlSample(24), faults)
	d := dlDownloader(t)
	d.maxAttempts = 4
	_, err := d.Download(t.Context(), DownloadRequest{URL: srv.URL, Root: dlRoot(t), Name: dlName})
	if KindOf(err) != KindServer || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("got %v", err)
	}
	if n := len(h.requests()); n != 4 {
		t.Errorf("%d requests", n)
	}
}

func TestDownloadRefusesCompressedBody(t *testing.T) {
	data := dlSample(25)
	gz := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(data)
	}
	_, srv := newDLHost(t, data, map[int]dlFault{0: {handler: gz}})
	_, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: dlRoot(t), Name: dlName})
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("got %v", err)
	}
}

// Userinfo in a URL would become Basic auth; the host asserts it never
// sees an Authorization header.
func TestDownloadNeverSendsCredentials(t *testing.T) {
	data := dlSample(26)
	h, srv := newDLHost(t, data, nil)
	link := strings.Replace(srv.URL, "http://", "http://user:key@", 1)
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: link, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if len(h.requests()) != 1 {
		t.Fatal("no request")
	}
}

func TestDownloadErrorsDoNotQuoteSignedURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	link := srv.URL + "/v.mp4?sig=SECRET"
	srv.Close() // connection refused from now on
	d := dlDownloader(t)
	d.maxAttempts = 2
	_, err := d.Download(t.Context(), DownloadRequest{URL: link, Root: dlRoot(t), Name: dlName})
	if KindOf(err) != KindTransport || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v", err)
	}
}

func TestDownloadRejectsBadRequests(t *testing.T) {
	root := dlRoot(t)
	for _, r := range []DownloadRequest{
		{URL: "http://h/x", Root: nil, Name: dlName},
		{URL: "http://h/x", Root: root, Name: ""},
		{URL: "http://h/x", Root: root, Name: "../escape.mp4"},
		{URL: "http://h/x", Root: root, Name: "sub/x.mp4"},
		{URL: "http://h/x", Root: root, Name: ".hidden.mp4"},
		{URL: "http://h/x", Root: root, Name: "a\nb.mp4"},
		{URL: "file:///etc/passwd", Root: root, Name: dlName},
		{URL: "", Root: root, Name: dlName},
	} {
		if _, err := dlDownloader(t).Download(t.Context(), r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// The project's sample clips (real encoder output) download and verify.
func TestDownloadRealClip(t *testing.T) {
	clips, _ := filepath.Glob("../assets/clips/*.mp4")
	if len(clips) == 0 {
		t.Skip("no sample clips")
	}
	data, err := os.ReadFile(clips[0])
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: int64(len(data) / 3), stallAt: -1}})
	root := dlRoot(t)
	res, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName})
	if err != nil {
		t.Fatal(err)
	}
	dlCheckDone(t, root, res, data)
	if res.Width == 0 || res.Duration == 0 {
		t.Errorf("%+v", res)
	}
}

// The UI's tick reads progress while bytes arrive (run with -race).
func TestDownloadProgressReadConcurrently(t *testing.T) {
	data := dlSample(27)
	_, srv := newDLHost(t, data, map[int]dlFault{0: {cutAt: 100000, stallAt: -1}})
	prog := &Progress{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !prog.Snapshot().Finished {
			time.Sleep(100 * time.Microsecond)
		}
	}()
	if _, err := dlDownloader(t).Download(t.Context(), DownloadRequest{URL: srv.URL, Root: dlRoot(t), Name: dlName, Progress: prog}); err != nil {
		t.Fatal(err)
	}
	<-done
}

func TestProgressSnapshot(t *testing.T) {
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
	cases := []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes 5-9/*", 5, -1, true},
		{"bytes */300", -1, 300, true},
		{"bytes 100-99/200", 0, 0, false},
		{"bytes 100-200/200", 0, 0, false},
		{"bytes -1-5/10", 0, 0, false},
		{"items 0-1/2", 0, 0, false},
		{"bytes 0-1", 0, 0, false},
		{"bytes a-b/c", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, c := range cases {
		start, total, ok := parseContentRange(c.in)
		if ok != c.ok || ok && (start != c.start || total != c.total) {
			t.Errorf("%q: %d %d %v", c.in, start, total, ok)
		}
	}
}

func dlWritePart(t *testing.T, root *os.Root, b []byte, m dlPartMeta) {
	t.Helper()
	j, _ := json.Marshal(m)
	if err := root.WriteFile(dlName+".part", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile(dlName+".part.json", j, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDownload moves a 64 MiB file over loopback; -benchmem shows the
// allocations per download stay flat whatever the size (one copy buffer).
func BenchmarkDownload(b *testing.B) {
	data := mp4test.Build(mp4test.Options{MdatSize: benchSize})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", dlModTime, bytes.NewReader(data))
	}))
	defer srv.Close()
	d := dlDownloader(b)
	root := dlRoot(b)
	b.SetBytes(int64(len(data))) // reported as MB/s
	for b.Loop() {
		if _, err := d.Download(b.Context(), DownloadRequest{URL: srv.URL, Root: root, Name: dlName}); err != nil {
			b.Fatal(err)
		}
		if err := root.Remove(dlName); err != nil {
			b.Fatal(err)
		}
	}
}

const benchSize = 64 << 20

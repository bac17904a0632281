package download

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/api/mp4/mp4test"
)

// Hosts that misbehave the way a hostile or broken CDN does (issue 9 item
// 11): trickling, endless, silent. Every one must end in bounded time and
// bytes, with the .part either kept and said so or removed.

// quickDownloader stalls out after 150 ms with fewer than 1000 bytes, and
// caps bodies of unannounced length at 1 MiB.
func quickDownloader(t testing.TB) *Downloader {
	d := New(Options{UserAgent: "veox/test", IdleTimeout: 150 * time.Millisecond, MinProgress: 1000,
		MaxBytes: 1 << 20, MaxAttempts: 3})
	d.backoffBase, d.backoffMax = time.Millisecond, 5*time.Millisecond
	d.lockPoll = 5 * time.Millisecond
	return d
}

// A host that sends a byte every 5 ms (the 1 byte every 5 s, at
// test speed) is abandoned as stalled, retried with backoff, and given up
// after MaxAttempts: it never runs forever. Its bytes came with an ETag, so
// the .part is kept and the error says so.
func TestDownloadTricklingHostIsAbandoned(t *testing.T) {
	t.Parallel()
	data := sample(40)
	var sent atomic.Int64
	trickle := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etagOf(data))
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		for i := 0; i < len(data); i++ {
			if _, err := w.Write(data[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			sent.Add(1)
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	faults := map[int]fault{}
	for i := range 10 {
		faults[i] = fault{handler: trickle}
	}
	h, srv := newHost(t, data, faults)
	root := testRoot(t)
	start := time.Now()
	_, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "stalled") || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("got %v", err)
	}
	if n := len(h.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if took > 3*time.Second {
		t.Errorf("took %v", took)
	}
	st, serr := root.Stat(testName + ".part")
	if serr != nil || !strings.Contains(withHint(err), fmt.Sprintf("%s.part is kept (%d of %d", testName, st.Size(), len(data))) {
		t.Errorf("part %v %v; error %v", st, serr, err)
	}
	t.Logf("trickling host: %d bytes sent in %v before veox gave up", sent.Load(), took.Round(time.Millisecond))
}

// A host that answers the connection but never sends headers is a stall
// too.
func TestDownloadSilentHostIsAbandoned(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			t.Cleanup(func() { c.Close() }) // read nothing, answer nothing
		}
	}()
	_, err = quickDownloader(t).Download(t.Context(), Request{URL: "http://" + ln.Addr().String() + "/v.mp4", Root: testRoot(t), Name: testName})
	if err == nil || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("got %v", err)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// endless streams an MP4's start and then bytes for ever, without a
// length: the mdat of size 0 runs to the end, which never comes.
func endless(sent *atomic.Int64, head []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"endless"`)
		chunk := bytes.Repeat([]byte{0x55}, 32<<10)
		if n, err := w.Write(head); err != nil {
			return
		} else {
			sent.Add(int64(n))
		}
		for {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}
}

func endlessMP4Head() []byte {
	b := mp4test.Build(mp4test.Options{MdatToEnd: true, MdatSize: 8})
	return b[:len(b)-8]
}

// An endless body is cut at the cap (1 MiB here, 4 GB by default), the
// junk .part is removed, and the error says why. The figure: what reached
// the disk before veox gave up.
func TestDownloadEndlessHostIsCappedAndCleanedUp(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	_, srv := newHost(t, nil, map[int]fault{0: {handler: endless(&sent, endlessMP4Head())}})
	root := testRoot(t)
	prog := &Progress{}
	_, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: prog})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1048576 bytes without announcing a length") {
		t.Fatalf("got %v", err)
	}
	written := prog.Snapshot().Done
	if written > 1<<20 || written < 1<<20-bufSize {
		t.Errorf("%d bytes written before giving up, want just under the 1 MiB cap", written)
	}
	for _, n := range []string{testName, testName + ".part", testName + ".part.json"} {
		if _, err := root.Stat(n); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", n)
		}
	}
	t.Logf("endless host: %d bytes written to disk (cap 1 MiB), host managed to send %d, then removed", written, sent.Load())
}

// An endless body that is not an MP4 at all stops at its first bytes:
// nothing reaches the disk. It may be a passing CDN glitch, so it is
// tried MaxAttempts times.
func TestDownloadEndlessJunkStopsAtOnce(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	junk := fault{handler: endless(&sent, []byte("<html><body>"))}
	h, srv := newHost(t, nil, map[int]fault{0: junk, 1: junk, 2: junk})
	root := testRoot(t)
	prog := &Progress{}
	_, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName, Progress: prog})
	if !errors.Is(err, ErrNotMP4) || !strings.Contains(err.Error(), "starts with '<html><b'") {
		t.Fatalf("got %v", err)
	}
	if n := prog.Snapshot().Done; n != 0 {
		t.Errorf("%d bytes written", n)
	}
	if n := len(h.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if _, err := root.Stat(testName + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Error(".part left behind")
	}
}

// A length above the cap is refused before any byte is read.
func TestDownloadAnnouncedLengthAboveCapIsRefused(t *testing.T) {
	t.Parallel()
	huge := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(int64(5)<<30))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(endlessMP4Head())
	}
	_, srv := newHost(t, nil, map[int]fault{0: {handler: huge}})
	root := testRoot(t)
	_, err := quickDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "announces 5368709120 bytes") {
		t.Fatalf("got %v", err)
	}
	if _, err := root.Stat(testName + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Error(".part left behind")
	}
}

// A 206 must be the rest of the file the part began with. A host that
// answers the resume with another file's bytes (its own ETag, or no
// validator at all) is not believed: veox starts over, and the final file
// is the one it started, byte for byte.
func TestDownload206OfAnotherFileStartsOver(t *testing.T) {
	t.Parallel()
	want, other := sample(41), sample(42)
	cases := map[string]func(h http.Header){
		"another ETag":   func(h http.Header) { h.Set("ETag", etagOf(other)) },
		"no validator":   func(h http.Header) {},
		"other modified": func(h http.Header) { h.Set("Last-Modified", modTime.Add(time.Hour).Format(http.TimeFormat)) },
	}
	for name, headers := range cases {
		t.Run(name, func(t *testing.T) {
			cut := int64(len(want) / 2)
			foreign := func(w http.ResponseWriter, r *http.Request) {
				headers(w.Header())
				w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", cut, len(want)-1, len(want)))
				w.Header().Set("Content-Length", fmt.Sprint(int64(len(want))-cut))
				w.WriteHeader(http.StatusPartialContent)
				_, _ = w.Write(other[cut:len(want)])
			}
			h, srv := newHost(t, want, map[int]fault{0: {cutAt: cut, stallAt: -1}, 1: {handler: foreign}})
			root := testRoot(t)
			res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
			if err != nil {
				t.Fatal(err)
			}
			checkDone(t, root, res, want)
			reqs := h.requests()
			if len(reqs) != 3 || reqs[2].Header.Get("Range") != "" || res.Resumed {
				t.Errorf("%d requests, last Range %q, resumed %v", len(reqs), reqs[len(reqs)-1].Header.Get("Range"), res.Resumed)
			}
		})
	}
}

// A host that gives no validator cannot be resumed safely: after a cut
// veox asks for the whole file again, and a .part left by giving up is
// removed, with a word.
func TestDownloadWithoutValidatorNeverResumes(t *testing.T) {
	t.Parallel()
	data := sample(43)
	bare := func(cut int64) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Range") != "" {
				t.Errorf("asked for a range without a validator: %q", r.Header.Get("Range"))
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			_, _ = w.Write(data[:cut])
			if cut < int64(len(data)) {
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}
		}
	}
	_, srv := newHost(t, data, map[int]fault{0: {handler: bare(5000)}, 1: {handler: bare(int64(len(data)))}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)

	faults := map[int]fault{}
	for i := range 5 {
		faults[i] = fault{handler: bare(5000)}
	}
	_, srv = newHost(t, data, faults)
	root = testRoot(t)
	d := testDownloader(t)
	d.maxAttempts = 2
	_, err = d.Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err == nil || !strings.Contains(withHint(err), "the 5000 bytes received were deleted") {
		t.Fatalf("got %v", err)
	}
	if _, err := root.Stat(testName + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Error(".part left behind")
	}
}

// The shape check sees the same boxes whatever the chunking.
func TestShapeFollowsBoxesAcrossChunks(t *testing.T) {
	t.Parallel()
	for _, o := range []mp4test.Options{{}, {Faststart: true, LargeMdat: true}, {MdatToEnd: true}, {Fragmented: true}} {
		b := mp4test.Build(o)
		for _, step := range []int{1, 3, 7, 16, len(b)} {
			s := newShape(int64(len(b)))
			s.announced = true
			for i := 0; i < len(b); i += step {
				if _, err := s.Write(b[i:min(i+step, len(b))]); err != nil {
					t.Fatalf("%+v step %d at %d: %v", o, step, i, err)
				}
			}
		}
		s := newShape(int64(len(b) - 1))
		s.announced = true
		if _, err := s.Write(b); !errors.Is(err, ErrNotMP4) && !o.MdatToEnd {
			t.Errorf("%+v one byte short of its boxes: %v", o, err)
		}
	}
}

// withHint is what a user reads of an error: the message and, for an
// *api.Error, its hint.
func withHint(err error) string {
	if e, ok := api.AsError(err); ok {
		return err.Error() + " / " + e.Hint
	}
	return err.Error()
}

// A CDN glitch that sends an error page with 200 (whole or cut) is tried
// again, and the file arrives.
func TestDownloadGlitchPageThenTheFile(t *testing.T) {
	t.Parallel()
	data := sample(44)
	page := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "200")
		_, _ = w.Write([]byte(`{"code":200,"msg":"success","data":{"taskId":`))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	h, srv := newHost(t, data, map[int]fault{0: {handler: page}})
	root := testRoot(t)
	res, err := testDownloader(t).Download(t.Context(), Request{URL: srv.URL, Root: root, Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, root, res, data)
	if n := len(h.requests()); n != 2 {
		t.Errorf("%d requests", n)
	}
}

// FuzzShape: the streaming check never refuses a file the final check
// accepts (it would throw away a good video), and its verdict does not
// depend on how the body is cut into reads.
func FuzzShape(f *testing.F) {
	for _, o := range []mp4test.Options{{}, {Faststart: true, LargeMdat: true}, {MdatToEnd: true}, {Fragmented: true}} {
		b := mp4test.Build(o)
		f.Add(b, uint8(7))
		f.Add(b[:len(b)/2], uint8(1))
	}
	f.Add([]byte("<html>"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		whole := newShape(int64(len(b)))
		whole.announced = true
		_, errWhole := whole.Write(b)
		chunked := newShape(int64(len(b)))
		chunked.announced = true
		var errChunked error
		n := int(step%64) + 1
		for i := 0; i < len(b) && errChunked == nil; i += n {
			_, errChunked = chunked.Write(b[i:min(i+n, len(b))])
		}
		if (errWhole == nil) != (errChunked == nil) {
			t.Fatalf("whole: %v, in reads of %d: %v", errWhole, n, errChunked)
		}
		if _, err := mp4.Inspect(bytes.NewReader(b), int64(len(b))); err == nil && errWhole != nil {
			t.Fatalf("the final check accepts it, the streaming check refused it: %v", errWhole)
		}
	})
}

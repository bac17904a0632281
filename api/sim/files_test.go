package sim

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// resultLink generates a task and returns its first result link and bytes.
func resultLink(t *testing.T, e *env) (string, []byte) {
	t.Helper()
	id := e.generate(nil)
	_, r := e.record(id)
	return urls(t, r.Response["resultUrls"])[0], e.sim.clips[sourceClip(id)]
}

func TestFileHostRangeAndIfRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	link, clip := resultLink(t, e)

	resp, body, err := fetch(t, link, nil)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(body, clip) {
		t.Fatalf("full GET: %v %v", resp.Status, err)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("ETag %q Accept-Ranges %q", etag, resp.Header.Get("Accept-Ranges"))
	}

	resp, body, _ = fetch(t, link, map[string]string{"Range": "bytes=100-199"})
	if resp.StatusCode != 206 || !bytes.Equal(body, clip[100:200]) ||
		resp.Header.Get("Content-Range") != "bytes 100-199/"+itoa(len(clip)) {
		t.Errorf("Range: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
	}

	resp, body, _ = fetch(t, link, map[string]string{"Range": "bytes=1000-", "If-Range": etag})
	if resp.StatusCode != 206 || !bytes.Equal(body, clip[1000:]) {
		t.Errorf("If-Range matching: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, body, _ = fetch(t, link, map[string]string{"Range": "bytes=1000-", "If-Range": `"stale"`})
	if resp.StatusCode != 200 || !bytes.Equal(body, clip) {
		t.Errorf("If-Range stale: %d, want the whole file with 200", resp.StatusCode)
	}
	resp, _, _ = fetch(t, link, map[string]string{"Range": "bytes=99999999-"})
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %d, want 416", resp.StatusCode)
	}

	req, _ := http.NewRequest("HEAD", link, nil)
	head, err := http.DefaultClient.Do(req)
	if err != nil || head.StatusCode != 200 || head.ContentLength != int64(len(clip)) {
		t.Errorf("HEAD: %v %v", head, err)
	}
}

func TestFileLinksExpireAndFreshOnesWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{URLTTL: time.Hour})
	id := e.generate(nil)
	_, r := e.record(id)
	link := urls(t, r.Response["resultUrls"])[0]

	e.clock.Advance(2 * time.Hour)
	resp, body, _ := fetch(t, link, nil)
	if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<html>")) {
		t.Errorf("expired link: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	_, r = e.record(id)
	fresh := urls(t, r.Response["resultUrls"])[0]
	if resp, _, _ := fetch(t, fresh, nil); resp.StatusCode != 200 {
		t.Errorf("fresh link after expiry: %d", resp.StatusCode)
	}

	e.sim.ExpireURLs()
	if resp, _, _ := fetch(t, fresh, nil); resp.StatusCode != 403 {
		t.Errorf("link after ExpireURLs: %d, want 403", resp.StatusCode)
	}
	_, r = e.record(id)
	if resp, _, _ := fetch(t, urls(t, r.Response["resultUrls"])[0], nil); resp.StatusCode != 200 {
		t.Errorf("link handed out after ExpireURLs: %d", resp.StatusCode)
	}

	forged := strings.Replace(fresh, "sig=", "sig=00", 1)
	if resp, _, _ := fetch(t, forged, nil); resp.StatusCode != 403 {
		t.Errorf("bad signature: %d, want 403", resp.StatusCode)
	}
	if resp, _, _ := fetch(t, e.files.URL+"/r/nothing-video-0/video.mp4?exp=1&sig=0", nil); resp.StatusCode != 404 {
		t.Errorf("unknown token: %d, want 404", resp.StatusCode)
	}
	e.clock.Advance(15 * 24 * time.Hour)
	if a, _ := e.record(id); a.Code != 422 || a.Msg != "record is null" {
		t.Errorf("record after 15 days: %d %q", a.Code, a.Msg)
	}
}

func TestCutFilesAtAndResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	link, clip := resultLink(t, e)
	e.sim.CutFilesAt(5000, 1)
	_, body, err := fetch(t, link, nil)
	if err == nil || len(body) != 5000 {
		t.Fatalf("cut download: %d bytes, err %v; want 5000 and an error", len(body), err)
	}
	resp, rest, err := fetch(t, link, map[string]string{"Range": "bytes=5000-"})
	if err != nil || resp.StatusCode != 206 || !bytes.Equal(append(body, rest...), clip) {
		t.Errorf("resume: %v %v", resp.Status, err)
	}
}

func TestFileHostNeverNeedsTheKeyAndCountsLeaks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	link, _ := resultLink(t, e)
	if resp, _, _ := fetch(t, link, nil); resp.StatusCode != 200 || e.sim.FileRequestsWithAuth() != 0 {
		t.Errorf("keyless download: %d, leaks %d", resp.StatusCode, e.sim.FileRequestsWithAuth())
	}
	fetch(t, link, map[string]string{"Authorization": "Bearer " + testKey})
	if e.sim.FileRequestsWithAuth() != 1 {
		t.Errorf("leaked key not counted")
	}
	if e.sim.Requests("files") != 2 {
		t.Errorf("Requests(files) = %d", e.sim.Requests("files"))
	}
}

func TestFileHostFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	link, _ := resultLink(t, e)
	e.sim.InjectFault("files", Fault502HTML, 1)
	if resp, _, _ := fetch(t, link, nil); resp.StatusCode != 502 {
		t.Errorf("files 502: %d", resp.StatusCode)
	}
	if a := e.get(PathCredit); a.Code != 200 {
		t.Errorf("a files fault hit the API")
	}
	if resp, _, _ := fetch(t, link, nil); resp.StatusCode != 200 {
		t.Errorf("after the fault: %d", resp.StatusCode)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

package tasks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/mp4/mp4test"
	"github.com/veox/veox/store"
)

// fakeService is a service and its file host written for these tests, so
// they do not share the simulator's blind spots: record-info answers come
// from a script per task (the last repeats), files from a map.
type fakeService struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	answers  map[string][]func() any // task id → record bodies in order
	records  map[string]int          // record-info calls per task
	files    map[string][]byte       // path → bytes
	refused  map[string]int          // path → status to answer instead
	fileGets map[string]int
}

func newFakeService(t *testing.T) *fakeService {
	f := &fakeService{t: t, answers: map[string][]func() any{}, records: map[string]int{},
		files: map[string][]byte{}, refused: map[string]int{}, fileGets: map[string]int{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/api/v1/veo/record-info" {
		id := r.URL.Query().Get("taskId")
		script := f.answers[id]
		if len(script) == 0 {
			_ = json.NewEncoder(w).Encode(map[string]any{"code": 422, "msg": "record is null", "data": nil})
			return
		}
		i := min(f.records[id], len(script)-1)
		f.records[id]++
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 200, "msg": "success", "data": script[i]()})
		return
	}
	f.fileGets[r.URL.Path]++
	if code := f.refused[r.URL.Path]; code != 0 {
		http.Error(w, "expired", code)
		return
	}
	data, ok := f.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, "", time.Unix(0, 0), bytes.NewReader(data))
}

func (f *fakeService) url(path string) string { return f.srv.URL + path }

// serve puts a file on the host.
func (f *fakeService) serve(path string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = data
}

func (f *fakeService) refuse(path string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused[path] = code
}

// script sets the record-info answers of a task, in order.
func (f *fakeService) script(id string, answers ...func() any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[id], f.records[id] = answers, 0
}

func (f *fakeService) recordCalls(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.records[id]
}

func (f *fakeService) gets(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fileGets[path]
}

// full is a finished extension's record in today's shape: the new part in
// resultUrls, the stitched video in fullResultUrls.
func full(id, parent string, part, whole []string) func() any {
	return func() any {
		return map[string]any{"taskId": id, "successFlag": 1, "createTime": 1773967426000, "completeTime": 1773968000000,
			"paramJson": fmt.Sprintf(`{"taskId":%q,"prompt":"then it jumps"}`, parent),
			"response":  map[string]any{"resultUrls": part, "fullResultUrls": whole, "resolution": "720p", "seeds": []int{45678}}}
	}
}

// sparse is the older shape: resultUrls straight under data (as a
// bracketed string), no response; for an extension, the new part alone.
func sparse(id string, part string) func() any {
	return func() any {
		return map[string]any{"taskId": id, "successFlag": 1, "createTime": 1773967426000, "completeTime": 1773968000000,
			"resultUrls": "[" + part + "]", "response": nil}
	}
}

func running(id string) func() any {
	return func() any { return map[string]any{"taskId": id, "successFlag": 0, "createTime": 1773967426000} }
}

type dlRig struct {
	fake *fakeService
	st   *store.Store
	svc  *Service
	dir  string
}

func newDLRig(t *testing.T) *dlRig {
	t.Helper()
	fake := newFakeService(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client := api.New(api.Options{BaseURL: fake.srv.URL, APIKey: "test-key", BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	r := &dlRig{fake: fake, st: st, dir: t.TempDir()}
	r.svc = New(Options{API: client, Downloader: download.New(download.Options{MaxAttempts: 1}), Store: st, DownloadDir: r.dir,
		WholeWait: 50 * time.Millisecond, WholePoll: 5 * time.Millisecond})
	return r
}

var (
	clip8  = mp4test.Build(mp4test.Options{Faststart: true, Duration: 8 * time.Second, Seed: 1})
	clip15 = mp4test.Build(mp4test.Options{Faststart: true, Duration: 15 * time.Second, Seed: 2})
)

const (
	srcID = "src0123456789abcdef0123456789abc"
	extID = "ext0123456789abcdef0123456789abc"
)

// source puts a finished 8 s generation with its file in the history.
func (r *dlRig) source(t *testing.T) {
	t.Helper()
	err := r.st.Put(&store.Task{LocalID: r.st.NewLocalID(), TaskID: srcID, Kind: store.KindGenerate, Status: store.StatusSucceeded,
		Request: store.Request{Prompt: "a lighthouse"}, CreatedAt: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
		Files: []store.File{{Path: "/elsewhere/src.mp4", Duration: 8 * time.Second, Size: 1}}})
	if err != nil {
		t.Fatal(err)
	}
}

// extension puts an extension of the source in the history, as a sparse
// answer left it: finished, with the new part's link only.
func (r *dlRig) extension(t *testing.T, status string, part string) *store.Task {
	t.Helper()
	task := &store.Task{LocalID: r.st.NewLocalID(), TaskID: extID, Kind: store.KindExtend, ParentID: srcID, Status: status,
		Request: store.Request{Prompt: "then it jumps"}, CreatedAt: time.Date(2026, 3, 20, 0, 1, 0, 0, time.UTC)}
	if part != "" {
		task.ResultURLs = []string{part}
	}
	if err := r.st.Put(task); err != nil {
		t.Fatal(err)
	}
	return task
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Issue 8 item 2: a finished extension stored from a sparse answer (the
// new part only). The download asks again, and when the service lists
// the stitched video, that is the file: 15 s, under the task's name, not
// marked as a part, and the part is never fetched.
func TestDownloadExtensionAsksAgainForTheWholeVideo(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	r.source(t)
	part, whole := r.fake.url("/f/part.mp4"), r.fake.url("/f/whole.mp4")
	r.fake.serve("/f/part.mp4", clip8)
	r.fake.serve("/f/whole.mp4", clip15)
	task := r.extension(t, store.StatusSucceeded, part)
	r.fake.script(extID, sparse(extID, part), sparse(extID, part), full(extID, srcID, []string{part}, []string{whole}))

	got, done, err := r.svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || len(done) != 1 {
		t.Fatalf("files %+v", got.Files)
	}
	f := got.Files[0]
	if f.Part || f.Duration != 15*time.Second || strings.Contains(f.Path, "_part") || f.SHA256 != sha(clip15) || !done[0].Wrote {
		t.Fatalf("not the whole video: %+v", f)
	}
	if n := r.fake.recordCalls(extID); n != 3 {
		t.Errorf("record-info asked %d times, want 3", n)
	}
	if n := r.fake.gets("/f/part.mp4"); n != 0 {
		t.Errorf("the part was fetched %d times", n)
	}
	if NeedsDownload(got) {
		t.Error("still needs a download")
	}
}

// When the whole never comes within the bound, the part is saved under its
// own name and marked; once the service lists the whole, the next
// download fetches it beside the part, and both are kept.
func TestDownloadExtensionSavesThePartThenTheWhole(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	r.source(t)
	part, whole := r.fake.url("/f/part.mp4"), r.fake.url("/f/whole.mp4")
	r.fake.serve("/f/part.mp4", clip8)
	r.fake.serve("/f/whole.mp4", clip15)
	task := r.extension(t, store.StatusSucceeded, part)
	r.fake.script(extID, sparse(extID, part))

	got, done, err := r.svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || !got.Files[0].Part || !strings.HasSuffix(got.Files[0].Path, "_part.mp4") || got.Files[0].Duration != 8*time.Second {
		t.Fatalf("the part was not saved as the part: %+v", got.Files)
	}
	if n := r.fake.recordCalls(extID); n != 10 {
		t.Errorf("record-info asked %d times, want the bound's 10", n)
	}
	if !done[0].Wrote {
		t.Error("not reported as written")
	}
	if NeedsDownload(got) || WholeDuration(got) != 0 {
		t.Errorf("with the part alone and no whole listed: needs %v, whole %v", NeedsDownload(got), WholeDuration(got))
	}

	r.fake.script(extID, full(extID, srcID, []string{part}, []string{whole}))
	got, _ = r.svc.Refresh(ctx(t), task.LocalID)
	if !NeedsDownload(got) {
		t.Fatal("the whole is listed now, but no download is due")
	}
	got, _, err = r.svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 || got.Files[1].Part || got.Files[1].Duration != 15*time.Second || WholeDuration(got) != 15*time.Second {
		t.Fatalf("files %+v", got.Files)
	}
	for _, f := range got.Files {
		if _, err := os.Stat(f.Path); err != nil {
			t.Errorf("%s: %v", f.Path, err)
		}
	}
}

// A link listed as the whole video that gives the new part alone (8 s,
// where the source is 8 s) never takes the whole video's name; with
// --force, the verified whole video already there stays as it was (issue
// 8: "download --force replaced a verified 15 s file with the 8 s part").
func TestDownloadWholeLinkGivingThePartNeverReplacesTheWhole(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	r.source(t)
	part, whole := r.fake.url("/f/part.mp4"), r.fake.url("/f/whole.mp4")
	r.fake.serve("/f/part.mp4", clip8)
	r.fake.serve("/f/whole.mp4", clip15)
	task := r.extension(t, store.StatusSucceeded, part)
	r.fake.script(extID, full(extID, srcID, []string{part}, []string{whole}))
	got, err := r.svc.Download(ctx(t), task.LocalID, false, nil)
	if err != nil || len(got.Files) != 1 || got.Files[0].Part {
		t.Fatalf("first download: %v %+v", err, got)
	}
	wholePath := got.Files[0].Path

	r.fake.serve("/f/whole.mp4", clip8) // the service's whole link now gives the part
	got, done, err := r.svc.DownloadFiles(ctx(t), task.LocalID, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(wholePath)
	if sha(b) != sha(clip15) {
		t.Fatal("the verified whole video was replaced")
	}
	if len(done) != 1 || !done[0].File.Part || !strings.Contains(done[0].Note, "not the whole") {
		t.Fatalf("done %+v", done)
	}
	if WholeDuration(got) != 15*time.Second || len(got.Files) != 2 {
		t.Fatalf("files %+v", got.Files)
	}
	if _, err := os.Stat(wholePath + ".part"); !os.IsNotExist(err) {
		t.Error("a .part was left beside the whole video")
	}
}

// The older shape may list the stitched video under resultUrls: a file
// fetched as the part that is 15 s long (source 8 s) is the whole, and is
// kept as the whole.
func TestDownloadPartLinkGivingTheWholeIsKeptAsTheWhole(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	r.source(t)
	link := r.fake.url("/f/stitched.mp4")
	r.fake.serve("/f/stitched.mp4", clip15)
	task := r.extension(t, store.StatusSucceeded, link)
	r.fake.script(extID, sparse(extID, link))
	got, err := r.svc.Download(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := got.Files[0]
	if f.Part || strings.Contains(f.Path, "_part") || f.Duration != 15*time.Second {
		t.Fatalf("%+v", f)
	}
	if _, err := os.Stat(f.Path); err != nil {
		t.Fatal(err)
	}
}

// Issue 8 item 4: a task stored as running (veox was stopped while it ran)
// is asked about first, not refused.
func TestDownloadOfATaskStoredAsRunningRefreshesIt(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	r.source(t)
	whole := r.fake.url("/f/whole.mp4")
	r.fake.serve("/f/whole.mp4", clip15)
	task := r.extension(t, store.StatusRunning, "")
	r.fake.script(extID, running(extID))
	if _, err := r.svc.Download(ctx(t), task.LocalID, false, nil); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("got %v", err)
	}
	r.fake.script(extID, full(extID, srcID, []string{whole}, []string{whole}))
	got, err := r.svc.Download(ctx(t), task.LocalID, false, nil)
	if err != nil || got.Status != store.StatusSucceeded || len(got.Files) != 1 {
		t.Fatalf("%v %+v", err, got)
	}
}

// Issue 8 item 3 and its "Done when": a forced re-download after the
// stored link expired asks record-info for a fresh link and writes new
// bytes (mtime and sha256), leaving no stray .part; it is reported as
// written. Without --force the verified file is kept, and not reported as
// written.
func TestForcedRedownloadAfterTheLinkExpiredWritesFreshBytes(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"refused", "host gone"} {
		t.Run(how, func(t *testing.T) { forcedRedownload(t, how) })
	}
}

func forcedRedownload(t *testing.T, how string) {
	r := newDLRig(t)
	old, fresh := r.fake.url("/f/old.mp4"), r.fake.url("/f/new.mp4")
	first := mp4test.Build(mp4test.Options{Faststart: true, Seed: 10})
	second := mp4test.Build(mp4test.Options{Faststart: true, Seed: 11}) // the same video served anew, other bytes
	r.fake.serve("/f/old.mp4", first)
	task := &store.Task{LocalID: r.st.NewLocalID(), TaskID: srcID, Kind: store.KindGenerate, Status: store.StatusSucceeded,
		ResultURLs: []string{old}, Request: store.Request{Prompt: "a lighthouse"}, CreatedAt: time.Now()}
	if err := r.st.Put(task); err != nil {
		t.Fatal(err)
	}
	got, err := r.svc.Download(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := got.Files[0].Path
	before, _ := os.Stat(path)
	past := before.ModTime().Add(-time.Hour)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}

	_, done, err := r.svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
	if err != nil || done[0].Wrote {
		t.Fatalf("without --force: %v %+v", err, done)
	}

	switch how {
	case "refused": // links last about a day
		r.fake.refuse("/f/old.mp4", http.StatusForbidden)
	case "host gone":
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		if _, err := r.st.Update(task.LocalID, func(t *store.Task) error {
			t.ResultURLs = []string{gone.URL + "/f/old.mp4"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	r.fake.serve("/f/new.mp4", second)
	r.fake.script(srcID, func() any {
		return map[string]any{"taskId": srcID, "successFlag": 1, "createTime": 1773967426000,
			"response": map[string]any{"resultUrls": []string{fresh}}}
	})
	got, done, err = r.svc.DownloadFiles(ctx(t), task.LocalID, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	if !after.ModTime().After(past) || sha(b) != sha(second) || got.Files[0].SHA256 != sha(second) || !done[0].Wrote {
		t.Fatalf("not fresh bytes: mtime %v, sha %s, recorded %s, wrote %v", after.ModTime(), sha(b), got.Files[0].SHA256, done[0].Wrote)
	}
	if got.Files[0].URL != fresh || r.fake.recordCalls(srcID) == 0 {
		t.Errorf("no fresh link asked for: %s", got.Files[0].URL)
	}
	left, _ := filepath.Glob(filepath.Join(r.dir, "*.part*"))
	if len(left) != 0 {
		t.Errorf("stray %v", left)
	}
}

// Issue 9 item 11: 2,000 result URLs gave 2,000 files. At most a handful
// are taken, and the user is told.
func TestDownloadTakesAtMostAHandfulOfFiles(t *testing.T) {
	t.Parallel()
	r := newDLRig(t)
	var urls []string
	for i := range 50 {
		p := fmt.Sprintf("/f/%d.mp4", i)
		r.fake.serve(p, mp4test.Build(mp4test.Options{Faststart: true, Seed: uint64(i)}))
		urls = append(urls, r.fake.url(p))
	}
	task := &store.Task{LocalID: r.st.NewLocalID(), TaskID: srcID, Kind: store.KindGenerate, Status: store.StatusSucceeded,
		ResultURLs: urls, Request: store.Request{Prompt: "many"}, CreatedAt: time.Now()}
	if err := r.st.Put(task); err != nil {
		t.Fatal(err)
	}
	got, done, err := r.svc.DownloadFiles(ctx(t), task.LocalID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != MaxFilesPerTask || !strings.Contains(done[0].Note, "lists 50 files for this task; veox takes the first 4") {
		t.Fatalf("%d files, note %q", len(got.Files), done[0].Note)
	}
	if NeedsDownload(got) {
		t.Error("the rest are not due")
	}
}

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veox/veox/api/sim"
)

// These tests kill the built binary with SIGKILL at each point of a task's
// life and start it again: no task may be lost, none sent twice, and every
// one must carry on. The simulator runs in this test process (not in the
// veox being killed), so it survives the kill, counts what reached it, and
// can hold a request at exactly the moment the kill should land.

const killKey = "kill-test-key"

// killRig is a simulator on loopback with a clock the test can move and a
// file host that can stall a download half-way.
type killRig struct {
	sim   *sim.Sim
	api   *httptest.Server
	files *stallingFiles
	clock *shiftClock
	home  string
	state string
	// keyRevoked makes the service refuse the key from now on (HTTP 401
	// with its envelope), as after the key is revoked on the dashboard.
	keyRevoked atomic.Bool
}

func newKillRig(t *testing.T) *killRig {
	t.Helper()
	r := &killRig{clock: &shiftClock{}, home: t.TempDir()}
	r.state = filepath.Join(t.TempDir(), "sim.json")
	r.sim = sim.New(sim.Options{APIKey: killKey, Now: r.clock.Now, StatePath: r.state,
		MinDuration: time.Minute, MaxDuration: time.Minute, SlowDelay: time.Minute, Seed: 7})
	r.files = &stallingFiles{h: r.sim.FilesHandler()}
	files := httptest.NewServer(r.files)
	h := r.sim.Handler()
	r.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.keyRevoked.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":401,"msg":"You do not have access permissions","data":null}`)
			return
		}
		h.ServeHTTP(w, req)
	}))
	r.sim.SetFilesBase(files.URL)
	t.Cleanup(func() {
		r.sim.Close() // ends stalled handlers first, so the servers close at once
		r.api.Close()
		files.Close()
	})
	return r
}

func (r *killRig) env() []string {
	return []string{"VEOX_BASE_URL=" + r.api.URL, "VEOX_API_KEY=" + killKey}
}

// run runs veox to the end against the rig, in this process.
func (r *killRig) run(t *testing.T, args ...string) run {
	t.Helper()
	return veox(t, r.home, r.env(), args...)
}

// runProc runs veox to the end against the rig, as a process.
func (r *killRig) runProc(t *testing.T, args ...string) run {
	t.Helper()
	return veoxProc(t, r.home, r.env(), args...)
}

// start runs veox in the background; kill9 ends it the hard way.
func (r *killRig) start(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := veoxCmd(args...)
	cmd.Env = append(cmd.Env, "VEOX_HOME="+r.home, "VEOX_DOWNLOAD_DIR="+r.videos(),
		"VEOX_POLL_INTERVAL=100ms", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, r.env()...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer, no Close, no fsync of ours runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func (r *killRig) videos() string { return filepath.Join(r.home, "videos") }

// list is the history as a restarted veox sees it.
func (r *killRig) list(t *testing.T) []taskOut {
	t.Helper()
	res := r.run(t, "list", "--json")
	if res.code != 0 {
		t.Fatalf("list after a kill: exit %d: %s", res.code, res.stderr)
	}
	return decode[[]taskOut](t, res)
}

// simTaskIDs are the tasks the service holds beyond its demo sources.
func (r *killRig) simTaskIDs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(r.state)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tk := range st.Tasks {
		if !strings.HasPrefix(tk.ID, "veo_task_demo_") {
			ids = append(ids, tk.ID)
		}
	}
	return ids
}

// waitFor polls a condition; generous, because a busy machine starts
// processes slowly, and the kill is only sent once the point is reached.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// shiftClock is the simulator's clock: real time plus an offset the test
// moves, so a task can stay running while veox is killed and then finish on
// demand instead of after a sleep.
type shiftClock struct{ off atomic.Int64 }

func (c *shiftClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *shiftClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// stallingFiles is the file host with one trick: once armed, the next GET
// sends `after` bytes and then hangs until the client goes away. It records
// every Range header, so a test can see a download resume rather than
// restart.
type stallingFiles struct {
	h      http.Handler
	after  atomic.Int64 // 0 = not armed
	mu     sync.Mutex
	ranges []string
}

func (s *stallingFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	s.mu.Unlock()
	if n := s.after.Swap(0); n > 0 && r.Method == http.MethodGet {
		w = &stallWriter{ResponseWriter: w, left: n, done: r.Context().Done()}
	}
	s.h.ServeHTTP(w, r)
}

func (s *stallingFiles) sawRange(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.ranges {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return false
}

type stallWriter struct {
	http.ResponseWriter
	left int64
	done <-chan struct{}
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.ResponseWriter.Write(p)
	}
	n, _ := w.ResponseWriter.Write(p[:w.left])
	w.left = 0
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	<-w.done
	return n, io.ErrClosedPipe
}

func onlyTask(t *testing.T, list []taskOut, prompt string) taskOut {
	t.Helper()
	for _, tk := range list {
		if tk.Prompt == prompt {
			return tk
		}
	}
	t.Fatalf("the task %q is gone from the history after the kill: %+v", prompt, list)
	return taskOut{}
}

// Before sending: killed while the source is being checked, before any
// intent exists. The history must open, hold what it held, and the same
// command must then work.
func TestKillBeforeSendingKeepsTheHistory(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	if res := r.run(t, "import", sim.DemoForest); res.code != 0 {
		t.Fatalf("import: %d %s", res.code, res.stderr)
	}
	r.sim.InjectFault(sim.PathRecord, sim.FaultSlow, 1)
	before := r.sim.Requests(sim.PathRecord)
	cmd := r.start(t, "extend", "--task", sim.DemoLighthouse, "--prompt", "gulls circle the tower")
	waitFor(t, "the source check to reach the service", func() bool { return r.sim.Requests(sim.PathRecord) > before })
	kill9(t, cmd)

	list := r.list(t)
	if len(list) != 1 || list[0].TaskID != sim.DemoForest {
		t.Fatalf("the history changed under a kill before sending: %+v", list)
	}
	if res := r.run(t, "doctor", "--offline"); res.code != 0 {
		t.Fatalf("doctor after the kill: exit %d\n%s", res.code, res.stdout)
	}
	if r.sim.Creates() != 0 {
		t.Fatal("a create reached the service though veox was killed before sending")
	}
	res := r.run(t, "extend", "--task", sim.DemoLighthouse, "--prompt", "gulls circle the tower", "--json")
	if res.code != 0 || r.sim.Creates() != 1 {
		t.Fatalf("the same command after the kill: exit %d, %d creates: %s", res.code, r.sim.Creates(), res.stderr)
	}
}

// While sending, before the service created anything: the intent is in
// bbolt, the request is held at the service's door. After the kill the
// task is "unknown" (it might exist, as far as veox can tell) and nothing
// is ever resent.
func TestKillWhileSendingBeforeTheServiceCreatesIsUnknownNeverResent(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.InjectFault(sim.PathGenerate, sim.FaultSlow, 1)
	cmd := r.start(t, "generate", "--prompt", "a paper boat in the rain")
	waitFor(t, "the create to reach the service", func() bool { return r.sim.Requests(sim.PathGenerate) > 0 })
	kill9(t, cmd)

	for range 2 { // two restarts: neither may resend
		task := onlyTask(t, r.list(t), "a paper boat in the rain")
		if task.Status != "unknown" || task.TaskID != "" {
			t.Fatalf("want unknown without a service id, got %+v", task)
		}
	}
	if n, sent := r.sim.Creates(), r.sim.Requests(sim.PathGenerate); n != 0 || sent != 1 {
		t.Fatalf("creates %d, create requests %d: want 0 and 1 (never resent)", n, sent)
	}
	task := onlyTask(t, r.list(t), "a paper boat in the rain")
	if res := r.run(t, "dismiss", task.LocalID); res.code != 0 {
		t.Fatalf("the user could not resolve it: %d %s", res.code, res.stderr)
	}
}

// While sending, after the service created (and billed) the task: its
// answer never arrives. Unknown, never resent; the user settles it with
// the id from the service and it carries on to its video.
func TestKillAfterTheServiceCreatedIsUnknownThenSettled(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.PushPlan(sim.Plan{SlowCreate: time.Hour, Duration: -1})
	cmd := r.start(t, "generate", "--prompt", "a kite over the dunes")
	waitFor(t, "the service to create the task", func() bool { return r.sim.Creates() == 1 })
	kill9(t, cmd)

	task := onlyTask(t, r.list(t), "a kite over the dunes")
	if task.Status != "unknown" {
		t.Fatalf("want unknown, got %+v", task)
	}
	if res := r.run(t, "doctor", "--offline"); res.code != 1 || !strings.Contains(res.stdout, task.LocalID) {
		t.Fatalf("doctor must list the unknown create: exit %d\n%s", res.code, res.stdout)
	}
	ids := r.simTaskIDs(t)
	if len(ids) != 1 || r.sim.Requests(sim.PathGenerate) != 1 {
		t.Fatalf("the service holds %v after %d create requests; want one of each", ids, r.sim.Requests(sim.PathGenerate))
	}
	// A typo is refused with the reason, exit 2, and changes nothing.
	res := r.run(t, "settle", task.LocalID, "c2ac913cc2618ee809dd315065c48c5a", "--yes")
	if res.code != 2 || !strings.Contains(res.stderr, "the service has no task") || !strings.Contains(res.stderr, "a kite over the dunes") {
		t.Fatalf("settle with a typo: exit %d\n%s", res.code, res.stderr)
	}
	if again := onlyTask(t, r.list(t), "a kite over the dunes"); again.Status != "unknown" {
		t.Fatalf("a refused settle changed the create: %+v", again)
	}
	// Without a terminal to ask, a matching id needs --yes.
	if res := r.run(t, "settle", task.LocalID, ids[0]); res.code != 2 || !strings.Contains(res.stderr, "--yes") {
		t.Fatalf("settle without --yes and no terminal: exit %d\n%s", res.code, res.stderr)
	}
	res = r.run(t, "settle", task.LocalID, ids[0], "--yes", "--json")
	if got := decode[taskOut](t, res); res.code != 0 || got.Status != "succeeded" || got.TaskID != ids[0] {
		t.Fatalf("settle: exit %d %+v %s", res.code, got, res.stderr)
	}
	res = r.run(t, "download", ids[0], "--json")
	if got := decode[taskOut](t, res); res.code != 0 || len(got.Files) != 1 {
		t.Fatalf("download after settle: %d %s", res.code, res.stderr)
	} else {
		checkMP4(t, got.Files[0])
	}
	if r.sim.Creates() != 1 {
		t.Fatalf("%d creates: the unknown create was resent", r.sim.Creates())
	}
}

// While polling: the task runs at the service; a restarted veox shows it
// running and follows it to its end.
func TestKillWhilePollingCarriesOn(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	cmd := r.start(t, "generate", "--prompt", "a lantern drifts downriver", "--wait")
	waitFor(t, "the create", func() bool { return r.sim.Creates() == 1 })
	polls := r.sim.Requests(sim.PathRecord)
	waitFor(t, "two polls", func() bool { return r.sim.Requests(sim.PathRecord) >= polls+2 })
	kill9(t, cmd)

	task := onlyTask(t, r.list(t), "a lantern drifts downriver")
	if task.Status != "running" || task.TaskID == "" {
		t.Fatalf("want running with its id after the kill, got %+v", task)
	}
	res := r.run(t, "status", task.TaskID, "--json")
	if got := decode[taskOut](t, res); got.Status != "running" {
		t.Fatalf("status while the service still runs it: %+v", got)
	}
	r.clock.Advance(2 * time.Minute) // the service finishes the task
	res = r.run(t, "status", task.TaskID, "--json")
	if got := decode[taskOut](t, res); res.code != 0 || got.Status != "succeeded" || len(got.ResultURLs) == 0 {
		t.Fatalf("status after the task ended: exit %d %+v", res.code, got)
	}
	res = r.run(t, "download", task.TaskID, "--json")
	if got := decode[taskOut](t, res); res.code != 0 || len(got.Files) != 1 {
		t.Fatalf("download: exit %d %s", res.code, res.stderr)
	} else {
		checkMP4(t, got.Files[0])
	}
	if r.sim.Creates() != 1 {
		t.Fatalf("%d creates for one task", r.sim.Creates())
	}
}

type downloadOut struct {
	Status    string `json:"status"`
	TaskID    string `json:"taskId"`
	Downloads []struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	} `json:"downloads"`
}

// While downloading: the file host has sent part of the video when veox
// dies. The next download resumes from the .part (a Range request from the
// byte it holds) and the file ends byte-identical to a clean fetch.
func TestKillWhileDownloadingResumesByteIdentical(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	const cut = 40_000
	r.sim.PushPlan(sim.Plan{Duration: -1})
	r.files.after.Store(cut)
	cmd := r.start(t, "extend", "--task", sim.DemoLighthouse, "--prompt", "the lamp flickers on", "--wait", "--download")
	part := func() int64 {
		m, _ := filepath.Glob(filepath.Join(r.videos(), "*.part"))
		if len(m) != 1 {
			return 0
		}
		st, err := os.Stat(m[0])
		if err != nil {
			return 0
		}
		return st.Size()
	}
	waitFor(t, "the .part to hold the bytes sent", func() bool { return part() >= cut })
	kill9(t, cmd)

	task := onlyTask(t, r.list(t), "the lamp flickers on")
	if task.Status != "succeeded" || len(task.Files) != 0 {
		t.Fatalf("after the kill the task should be done and its file pending: %+v", task)
	}
	if res := r.run(t, "doctor", "--offline"); !strings.Contains(res.stdout, ".part") {
		t.Fatalf("doctor does not report the partial download:\n%s", res.stdout)
	}
	res := r.run(t, "download", task.TaskID, "--json")
	got := decode[downloadOut](t, res)
	if res.code != 0 || len(got.Downloads) != 1 {
		t.Fatalf("download after the kill: exit %d: %s", res.code, res.stderr)
	}
	if !r.files.sawRange("bytes=40000-") {
		t.Fatalf("the download started over instead of resuming from byte %d: ranges %v", cut, r.files.ranges)
	}
	d := got.Downloads[0]
	checkMP4(t, d.Path)
	onDisk, clean := sha256File(t, d.Path), sha256URL(t, d.URL)
	if onDisk != clean || d.SHA256 != clean {
		t.Fatalf("resumed file differs from a clean fetch: disk %s, recorded %s, clean %s", onDisk, d.SHA256, clean)
	}
	if left, _ := filepath.Glob(filepath.Join(r.videos(), "*.part")); len(left) != 0 {
		t.Fatalf("partial files left behind: %v", left)
	}
	t.Logf("resumed at byte %d of %d; sha256 %s", cut, d.Size, clean)
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sha256URL(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("clean fetch: %v %d", err, resp.StatusCode)
	}
	s := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(s[:])
}

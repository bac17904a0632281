package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/ui/cli"
)

// The built binary against 32 bodies the real service (or its docs) gave,
// replayed as sources.md beside them says. Its Expectations table is the
// test's table: each row names the fixture, how to use it, and what veox
// must conclude. The fixtures live outside the repository; without them
// the test skips.

// replayRow is one row of the Expectations table.
type replayRow struct {
	fixture, kind, id, before string
	after                     []string // "-" gives none
	expect                    string
	urls                      int  // -1: not said
	full                      bool // a whole-video URL exists and is the one downloaded
	seed                      int  // 0: none to report
	created                   string
	errCode                   int    // 0: none said
	errText                   string // a fragment of the message
	wantErr                   bool   // the error column says something
}

// replayFixtures finds the fixture folder by walking up from the module
// root (the root package's folder, where this test runs).
func replayFixtures(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "real-shapes", "fixtures")
		if _, err := os.Stat(filepath.Join(p, "sources.md")); err == nil {
			return p
		}
		if filepath.Dir(d) == d {
			t.Skip("no shared/real-shapes/fixtures above the module root: the recorded answers are not here")
		}
	}
}

// parseExpectations reads the table under "## Expectations" of sources.md,
// by its header's column names.
func parseExpectations(t *testing.T, md string) []replayRow {
	t.Helper()
	_, after, ok := strings.Cut(md, "## Expectations")
	if !ok {
		t.Fatal("sources.md has no Expectations section")
	}
	var header []string
	var rows []replayRow
	for _, line := range strings.Split(after, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if header != nil {
				break // the table ended
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == nil:
			header = cells
			continue
		case strings.HasPrefix(cells[0], "---"):
			continue
		case len(cells) != len(header):
			t.Fatalf("row %q has %d cells, the header %d", line, len(cells), len(header))
		}
		col := map[string]string{}
		for i, h := range header {
			col[h] = cells[i]
		}
		rows = append(rows, rowFrom(t, col))
	}
	return rows
}

func rowFrom(t *testing.T, col map[string]string) replayRow {
	t.Helper()
	for _, h := range []string{"fixture", "kind", "id", "before", "after", "expect", "urls", "full", "seed", "created", "error"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("the Expectations table has no %q column", h)
		}
	}
	r := replayRow{fixture: col["fixture"], kind: col["kind"], id: col["id"], before: col["before"],
		expect: col["expect"], urls: -1, full: col["full"] == "yes", created: col["created"]}
	if r.id == "=" {
		r.id = r.fixture
	}
	if a := col["after"]; a != "-" {
		r.after = strings.Split(a, ",")
	}
	num := func(name string) int {
		v := col[name]
		if v == "-" {
			return -1
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: %s %q is no number", r.fixture, name, v)
		}
		return n
	}
	r.urls, r.seed = num("urls"), max(num("seed"), 0)
	if e := col["error"]; e != "-" {
		r.wantErr = true
		code, text, _ := strings.Cut(e, ":")
		if n, err := strconv.Atoi(code); err == nil {
			r.errCode, r.errText = n, text
		} else {
			r.errText = e
		}
	}
	return r
}

// replay is the service for one row: it answers from the fixtures, in the
// order the row says, and counts what it was asked.
type replay struct {
	dir, id, files string
	mu             sync.Mutex
	records        []string // record-info answers in order; the last repeats
	upgrades       []string // get-1080p-video / get-4k-video answers in order; the last repeats
	credit         string
	create         string // the generate answer's fixture; "" drops the connection after reading the request
	calls          map[string]int
}

// set changes the replay's answers under its lock: the server may be
// answering already.
func (p *replay) set(f func(p *replay)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *replay) setRecords(names ...string) { p.set(func(p *replay) { p.records = names }) }

// next takes the head of a queue, keeping the last answer.
func next(q *[]string) string {
	if len(*q) == 0 {
		return ""
	}
	n := (*q)[0]
	if len(*q) > 1 {
		*q = (*q)[1:]
	}
	return n
}

// render is a fixture's body with its tokens replaced, and the HTTP status
// it came with (a NAME.http beside it says when it was not 200).
func (p *replay) render(t *testing.T, name string) (int, []byte) {
	b, err := os.ReadFile(filepath.Join(p.dir, name+".json"))
	if err != nil {
		t.Errorf("fixture %s: %v", name, err)
		return http.StatusInternalServerError, nil
	}
	b = bytes.ReplaceAll(b, []byte("{{ID}}"), []byte(p.id))
	b = bytes.ReplaceAll(b, []byte("{{FILES}}"), []byte(p.files))
	status := http.StatusOK
	if s, err := os.ReadFile(filepath.Join(p.dir, name+".http")); err == nil {
		if status, err = strconv.Atoi(strings.TrimSpace(string(s))); err != nil {
			t.Errorf("fixture %s.http: %v", name, err)
		}
	}
	return status, b
}

func (p *replay) handler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer replay-key" {
			t.Errorf("%s %s without the key", r.Method, r.URL.Path)
		}
		p.mu.Lock()
		p.calls[r.URL.Path]++
		var name string
		switch r.URL.Path {
		case "/api/v1/veo/record-info":
			if r.URL.Query().Get("taskId") != p.id {
				p.mu.Unlock()
				io.WriteString(w, `{"code":422,"msg":"record is null","data":null}`)
				return
			}
			name = next(&p.records)
		case "/api/v1/veo/get-1080p-video", "/api/v1/veo/get-4k-video":
			name = next(&p.upgrades)
		case "/api/v1/chat/credit":
			name = p.credit
		case "/api/v1/veo/generate":
			name = p.create
		}
		p.mu.Unlock()
		if name == "" && r.URL.Path == "/api/v1/veo/generate" {
			io.Copy(io.Discard, r.Body) // the request arrived whole; its answer is lost
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		if name == "" {
			t.Errorf("the replay has no answer for %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		status, body := p.render(t, name)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	})
}

func (p *replay) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[path]
}

// fileHost serves the sample clip at every path, as a result host would,
// and remembers the paths asked for.
type fileHost struct {
	sample []byte
	mu     sync.Mutex
	paths  []string
}

func (h *fileHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.paths = append(h.paths, r.URL.EscapedPath())
	h.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "the API key was sent to a result host", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	http.ServeContent(w, r, "clip.mp4", time.Unix(1_700_000_000, 0), bytes.NewReader(h.sample))
}

func (h *fileHost) asked() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.paths)
}

// replayTask is the --json task, with what these checks read.
type replayTask struct {
	TaskID         string    `json:"taskId"`
	Kind           string    `json:"kind"`
	Prompt         string    `json:"prompt"`
	Status         string    `json:"status"`
	Seed           *int      `json:"seed"`
	ResultURLs     []string  `json:"resultUrls"`
	FullResultURLs []string  `json:"fullResultUrls"`
	Files          []string  `json:"files"`
	CreatedAt      time.Time `json:"createdAt"`
	Downloads      []struct {
		Path string `json:"path"`
		URL  string `json:"url"`
	} `json:"downloads"`
	Events []replayEvent `json:"events"`
	Error  *struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type replayEvent struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// replayRig is one row's world: the replayed service, the file host, a
// private home.
type replayRig struct {
	row    replayRow
	svc    *replay
	host   *fileHost
	home   string
	env    []string
	sample []byte
}

func TestReplayRealShapes(t *testing.T) {
	t.Parallel()
	dir := replayFixtures(t)
	md, err := os.ReadFile(filepath.Join(dir, "sources.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := parseExpectations(t, string(md))
	if len(rows) != 32 {
		t.Fatalf("the Expectations table has %d rows, sources.md promises 32", len(rows))
	}
	sample, err := assets.Clip(assets.Source8A)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		t.Run(row.fixture, func(t *testing.T) {
			t.Parallel()
			if row.kind == "unscored" {
				t.Skip("kept for the record only (sources.md)")
			}
			rig := newReplayRig(t, dir, row, sample)
			switch row.kind {
			case "record":
				rig.record(t)
			case "gateway":
				rig.gateway(t)
			case "credit":
				rig.credits(t)
			case "p1080":
				rig.upscale(t, "1080p")
			case "k4":
				rig.upscale(t, "4k")
			case "callback":
				rig.callback(t)
			case "callback-settle":
				rig.callbackSettle(t)
			case "create":
				rig.create(t)
			default:
				t.Fatalf("kind %q is not one sources.md describes", row.kind)
			}
		})
	}
}

func newReplayRig(t *testing.T, dir string, row replayRow, sample []byte) *replayRig {
	host := &fileHost{sample: sample}
	files := httptest.NewServer(host)
	t.Cleanup(files.Close)
	svc := &replay{dir: dir, id: row.id, files: files.URL, calls: map[string]int{}, credit: "credit-obs-apicity"}
	api := httptest.NewServer(svc.handler(t))
	t.Cleanup(api.Close)
	return &replayRig{row: row, svc: svc, host: host, home: t.TempDir(), sample: sample,
		env: []string{"VEOX_BASE_URL=" + api.URL, "VEOX_API_KEY=replay-key"}}
}

func (r *replayRig) veox(t *testing.T, args ...string) run {
	t.Helper()
	res := veox(t, r.home, r.env, args...)
	if strings.Contains(res.stderr, "panic:") || strings.Contains(res.stderr, "goroutine ") {
		t.Fatalf("veox %v panicked:\n%s", args, res.stderr)
	}
	return res
}

// record: record-info answers the fixture; import, then download a success.
func (r *replayRig) record(t *testing.T) {
	r.svc.setRecords(r.row.fixture)
	res := r.veox(t, "import", r.row.id, "--json")
	if res.code != 0 {
		t.Fatalf("import: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	task := decode[replayTask](t, res)
	r.check(t, task)
	r.downloadIfDone(t, task)
}

// gateway: the import is refused, says why, and records no success.
func (r *replayRig) gateway(t *testing.T) {
	r.svc.setRecords(r.row.fixture)
	res := r.veox(t, "import", r.row.id, "--json")
	if res.code == 0 {
		t.Fatalf("import of %s was accepted:\n%s", r.row.fixture, res.stdout)
	}
	doc := decode[errorDoc](t, res)
	if doc.Error == nil {
		t.Fatalf("no error document: %s", res.stdout)
	}
	if r.row.errCode != 0 && (doc.Error.Code == nil || *doc.Error.Code != r.row.errCode) {
		t.Errorf("error code %v, want %d (%+v)", doc.Error.Code, r.row.errCode, doc.Error)
	}
	if !containsFold(doc.Error.Message, r.row.errText) || !containsFold(res.stderr, r.row.errText) {
		t.Errorf("the message does not say %q: %q; stderr %q", r.row.errText, doc.Error.Message, res.stderr)
	}
	r.nothingSucceeded(t)
}

func (r *replayRig) nothingSucceeded(t *testing.T) {
	t.Helper()
	for _, tk := range decode[[]replayTask](t, r.veox(t, "list", "--json")) {
		if tk.Status == "succeeded" {
			t.Errorf("a refused answer left a success in the history: %+v", tk)
		}
	}
}

// credits: the balance as the service said it.
func (r *replayRig) credits(t *testing.T) {
	r.svc.set(func(p *replay) { p.credit = r.row.fixture })
	res := r.veox(t, "credits", "--json")
	if res.code != 0 {
		t.Fatalf("credits: exit %d: %s", res.code, res.stderr)
	}
	want, err := strconv.ParseFloat(r.row.expect, 64)
	if err != nil {
		t.Fatalf("expect %q is no number", r.row.expect)
	}
	if got := decode[map[string]float64](t, res)["credits"]; got != want {
		t.Fatalf("credits %v, want %v", got, want)
	}
}

// upscale: the source answers before; the upgrade endpoint answers after
// in order; the upscale ends succeeded with the sample on disk.
func (r *replayRig) upscale(t *testing.T, to string) {
	r.svc.setRecords(r.row.before)
	r.svc.set(func(p *replay) { p.upgrades = r.row.after })
	res := r.veox(t, "upscale", r.row.id, "--to", to, "--wait", "--download", "--json")
	if res.code != 0 {
		t.Fatalf("upscale: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	task := decode[replayTask](t, res)
	r.check(t, task)
	r.sampleOnDisk(t, task)
}

// callback: import under before; record-info turns to after; the callback
// goes to 'veox receive', which confirms it with record-info.
func (r *replayRig) callback(t *testing.T) {
	r.svc.setRecords(r.row.before)
	if res := r.veox(t, "import", r.row.id, "--json"); res.code != 0 {
		t.Fatalf("import: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	r.svc.setRecords(r.row.after...)
	r.deliver(t)
	task := r.find(t, r.row.id)
	r.check(t, task)
	r.downloadIfDone(t, task)
}

// callbackSettle: a generate with the callback's own prompt loses its
// answer; the callback settles it under its task id, once record-info
// (after) knows that id.
func (r *replayRig) callbackSettle(t *testing.T) {
	_, body := r.svc.render(t, r.row.fixture)
	var cb struct {
		Data struct {
			PromptJSON struct {
				Prompt string `json:"prompt"`
			} `json:"promptJson"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil || cb.Data.PromptJSON.Prompt == "" {
		t.Fatalf("the callback echoes no prompt: %v", err)
	}
	prompt := cb.Data.PromptJSON.Prompt
	res := r.veox(t, "generate", "--prompt", prompt, "--json")
	if res.code != 3 || r.svc.count("/api/v1/veo/generate") != 1 {
		t.Fatalf("the lost create: exit %d after %d POSTs, want 3 after 1\nstdout: %s\nstderr: %s",
			res.code, r.svc.count("/api/v1/veo/generate"), res.stdout, res.stderr)
	}
	if lost := decode[replayTask](t, res); lost.Status != "unknown" || lost.TaskID != "" {
		t.Fatalf("the lost create: %+v", lost)
	}
	r.svc.setRecords(r.row.after...)
	said := r.deliver(t)
	if !strings.Contains(said, "another prompt") {
		t.Errorf("the receiver does not say the service's record shows another prompt:\n%s", said)
	}
	task := r.find(t, r.row.id)
	if task.Kind != "generate" || task.Prompt != prompt {
		t.Errorf("the callback's id went to another task than the lost create: %+v", task)
	}
	if !slices.ContainsFunc(task.Events, func(e replayEvent) bool { return strings.Contains(e.Note, "the service's record shows another prompt") }) {
		t.Errorf("the timeline does not say the service's record shows another prompt: %+v", task.Events)
	}
	if n := r.svc.count("/api/v1/veo/generate"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	r.check(t, task)
	r.downloadIfDone(t, task)
}

// create: generate gets the recorded answer; the id is recorded, and
// record-info (after) says how it stands.
func (r *replayRig) create(t *testing.T) {
	r.svc.set(func(p *replay) { p.create = r.row.fixture })
	r.svc.setRecords(r.row.after...)
	res := r.veox(t, "generate", "--prompt", "a replayed create", "--json")
	if res.code != 0 {
		t.Fatalf("generate: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	if got := decode[replayTask](t, res); got.TaskID != r.row.id {
		t.Fatalf("recorded task id %q, want %q", got.TaskID, r.row.id)
	}
	res = r.veox(t, "status", r.row.id, "--json")
	if res.code != 0 {
		t.Fatalf("status: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	r.check(t, decode[replayTask](t, res))
}

// deliver starts 'veox receive' on a free port (in this process), POSTs
// the row's rendered callback, waits until the receiver says it has
// handled it, and returns what the receiver said.
func (r *replayRig) deliver(t *testing.T) string {
	t.Helper()
	args := []string{"receive", "--addr", "127.0.0.1:0"}
	out, pw := io.Pipe()
	var errb lockedBuffer
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		cli.Execute(ctx, veoxRoot(r.home, r.env, args, pw, &errb), args)
		pw.Close()
	}()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// stop ends the receiver, as Ctrl-C does, and returns what it said
	// since last read: the pipe is read to its end.
	stopped := false
	stop := func() (rest []string) {
		if !stopped {
			stopped = true
			cancel()
			for l := range lines {
				rest = append(rest, l)
			}
			<-ended
		}
		return rest
	}
	defer stop()
	timeout := time.After(30 * time.Second) // a bound on a hang, not a wait
	readLine := func(what string) string {
		select {
		case l, ok := <-lines:
			if !ok {
				stop()
				t.Fatalf("the receiver stopped before %s; stderr: %s", what, errb.String())
			}
			return l
		case <-timeout:
			t.Fatalf("no %s from the receiver in 30 s; stderr: %s", what, errb.String())
		}
		return ""
	}
	_, addr, ok := strings.Cut(readLine("address"), "http://")
	addr, _, _ = strings.Cut(addr, " ")
	if !ok {
		t.Fatal("the receiver did not say where it listens")
	}
	_, body := r.svc.render(t, r.row.fixture)
	resp, err := http.Post("http://"+addr+"/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the receiver answered %d %s", resp.StatusCode, answer)
	}
	var said []string
	for !slices.ContainsFunc(said, func(l string) bool { return strings.Contains(l, r.row.id) }) {
		said = append(said, readLine("word on the callback"))
	}
	said = append(said, stop()...)
	return strings.Join(said, "\n")
}

// find is the history's task with the service id id.
func (r *replayRig) find(t *testing.T, id string) replayTask {
	t.Helper()
	list := decode[[]replayTask](t, r.veox(t, "list", "--json"))
	for _, tk := range list {
		if tk.TaskID == id {
			return tk
		}
	}
	t.Fatalf("no task %s in the history: %+v", id, list)
	return replayTask{}
}

// check compares a task with every column of the row.
func (r *replayRig) check(t *testing.T, task replayTask) {
	t.Helper()
	row := r.row
	if task.Status != row.expect {
		t.Errorf("status %q, want %q (error %+v)", task.Status, row.expect, task.Error)
	}
	if row.urls >= 0 && len(task.ResultURLs) != row.urls {
		t.Errorf("%d result URLs %q, want %d", len(task.ResultURLs), task.ResultURLs, row.urls)
	}
	if row.full != (len(task.FullResultURLs) > 0) {
		t.Errorf("whole-video URLs %q; sources.md says full=%v", task.FullResultURLs, row.full)
	}
	switch {
	case row.seed == 0 && task.Seed != nil:
		t.Errorf("seed %d reported; the service gave none", *task.Seed)
	case row.seed != 0 && (task.Seed == nil || *task.Seed != row.seed):
		t.Errorf("seed %v, want %d", task.Seed, row.seed)
	}
	if row.created != "-" {
		if got := task.CreatedAt.UTC().Format(time.DateOnly); got != row.created {
			t.Errorf("created %s (%v), want %s", got, task.CreatedAt, row.created)
		}
	}
	switch {
	case !row.wantErr && task.Error != nil && row.expect != "unknown":
		t.Errorf("an error on a task that is %s: %+v", row.expect, task.Error)
	case row.wantErr && task.Error == nil:
		t.Errorf("no error recorded, want %d %q", row.errCode, row.errText)
	case row.wantErr:
		if row.errCode != 0 && (task.Error.Code == nil || *task.Error.Code != row.errCode) {
			t.Errorf("error code %v, want %d (%q)", task.Error.Code, row.errCode, task.Error.Message)
		}
		if !containsFold(task.Error.Message, row.errText) {
			t.Errorf("error message %q does not say %q", task.Error.Message, row.errText)
		}
	}
}

// downloadIfDone downloads a finished task's video and checks it is the
// sample, fetched from the whole-video link when there is one.
func (r *replayRig) downloadIfDone(t *testing.T, task replayTask) {
	t.Helper()
	if task.Status != "succeeded" {
		return
	}
	res := r.veox(t, "download", task.TaskID, "--json")
	if res.code != 0 {
		t.Fatalf("download: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	got := decode[replayTask](t, res)
	r.sampleOnDisk(t, got)
	want := got.ResultURLs
	if r.row.full {
		want = got.FullResultURLs
	}
	if len(want) == 0 || len(got.Downloads) == 0 || got.Downloads[len(got.Downloads)-1].URL != want[0] {
		t.Errorf("downloaded %+v, want it from %q", got.Downloads, want)
	}
	if r.row.full {
		for _, p := range r.host.asked() {
			if u := r.svc.files + p; slices.Contains(got.ResultURLs, u) {
				t.Errorf("the part %s was fetched although the whole video is listed", p)
			}
		}
	}
}

// sampleOnDisk: the task's file holds the sample's bytes.
func (r *replayRig) sampleOnDisk(t *testing.T, task replayTask) {
	t.Helper()
	if len(task.Files) == 0 {
		t.Fatalf("no file on disk: %+v", task)
	}
	b, err := os.ReadFile(task.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if sum, want := sha256.Sum256(b), sha256.Sum256(r.sample); sum != want {
		t.Fatalf("%s holds %d bytes (sha256 %s), not the sample's %d (%s)", task.Files[0], len(b),
			hex.EncodeToString(sum[:8]), len(r.sample), hex.EncodeToString(want[:8]))
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// The table itself, as a check elsewhere reads it: every row's fixture
// exists and every kind is one the test knows.
func TestReplayTableNamesExistingFixtures(t *testing.T) {
	t.Parallel()
	dir := replayFixtures(t)
	md, err := os.ReadFile(filepath.Join(dir, "sources.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range parseExpectations(t, string(md)) {
		for _, name := range append([]string{row.fixture, row.before}, row.after...) {
			if name == "-" {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, name+".json")); err != nil {
				t.Errorf("%s: %v", row.fixture, fmt.Errorf("fixture %s: %w", name, err))
			}
		}
	}
}

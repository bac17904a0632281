package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/cli"
	"github.com/veox/veox/ui/cli/noprobe"
)

// These tests drive veox's headless commands against the built-in
// simulator (--demo), as a script would: exit codes, JSON on stdout,
// messages on stderr, real files on disk. Most run the commands in this
// process, through the entry point main hands its arguments to (veox); a
// process costs 40-55 ms of CPU to start on this machine, and these tests
// started about 300. What is about the process itself runs as one
// (veoxProc, veoxCmd): exit codes as a shell sees them, signals, kill -9,
// locks held by another veox, terminals, and settings Go reads from the
// process's environment (PATH, SSL_CERT_FILE).

// asVeox is set in the environment of the processes these tests start:
// the test binary then runs veox's main instead of the tests. It is built
// from the same packages as veox (and links no faster), so building veox a
// second time would only cost a link: ~7 s on a busy 2-core machine.
const asVeox = "VEOX_TEST_RUN_MAIN=1"

func TestMain(m *testing.M) {
	if os.Getenv("VEOX_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	// As main does first: take away the $CI that noprobe set for the
	// package inits, so the commands run here see the environment a veox
	// process would.
	noprobe.Restore()
	// These tests spend their time waiting on veox processes and the
	// simulator's timers, not on this process's CPU: run more of them at
	// once than there are cores, unless -parallel says otherwise.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

// veoxCmd is the command line of one veox process.
func veoxCmd(args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), asVeox)
	return cmd
}

// veoxIn is the command line of a veox with veox's test settings (see
// veox), for a process the test starts and stops itself.
func veoxIn(home string, extraEnv []string, args ...string) *exec.Cmd {
	cmd := veoxCmd(args...)
	cmd.Env = append(cmd.Env, testEnv(home, extraEnv, args)...)
	return cmd
}

// testEnv is what the tests add to the environment of a veox: a private
// home and download folder, demo tasks that end at their first poll, a
// fast poll, no key, no colour; then extraEnv, which wins.
func testEnv(home string, extraEnv []string, args []string) []string {
	env := []string{"VEOX_HOME=" + home, "VEOX_DOWNLOAD_DIR=" + filepath.Join(home, "videos"),
		"VEOX_DEMO_DURATION=0s", "VEOX_API_KEY=", "NO_COLOR=1"}
	if slices.Contains(args, "--demo") || slices.ContainsFunc(extraEnv, func(e string) bool {
		return strings.HasPrefix(e, "VEOX_BASE_URL=http://127.0.0.1:")
	}) {
		env = append(env, "VEOX_POLL_INTERVAL=50ms") // only a simulator may be polled this fast
	}
	return append(env, extraEnv...)
}

type run struct {
	code           int
	stdout, stderr string
}

// veox runs one veox command in this process with veox's test settings
// (testEnv): the command tree main runs (cli.NewRoot, cli.Execute), with
// the environment read from a map instead of the process's, stdout and
// stderr kept for the test, and stdin empty and not a terminal, as for a
// veox started by a script with </dev/null. Main adds only the signal
// handling, which the tests that send signals exercise in a process.
func veox(t *testing.T, home string, extraEnv []string, args ...string) run {
	t.Helper()
	var out, errb lockedBuffer
	code := cli.Execute(t.Context(), veoxRoot(home, extraEnv, args, &out, &errb), args)
	return run{code: code, stdout: out.String(), stderr: errb.String()}
}

// veoxRoot is the command tree of one veox run in this process (see veox).
func veoxRoot(home string, extraEnv, args []string, stdout, stderr io.Writer) *cobra.Command {
	env := map[string]string{}
	for _, kv := range append(os.Environ(), testEnv(home, extraEnv, args)...) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v // the last wins, as in a process's environment built by os/exec
		}
	}
	root := cli.NewRoot(cli.Wiring{Version: version, Getenv: func(k string) string { return env[k] }, Stdout: stdout, Stderr: stderr})
	root.SetIn(strings.NewReader(""))
	return root
}

// lockedBuffer is a pipe's end as a test holds it: several goroutines of
// a command may write at once, as they may to a file.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// veoxProc runs veox as a process with veox's test settings, for what a
// process is the point of.
func veoxProc(t *testing.T, home string, extraEnv []string, args ...string) run {
	t.Helper()
	cmd := veoxIn(home, extraEnv, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := run{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Errorf("running veox %v: %v", args, err) // not Fatal: callers may run several at once
		r.code = -1
	}
	return r
}

type taskOut struct {
	TaskID       string   `json:"taskId"`
	LocalID      string   `json:"localId"`
	Kind         string   `json:"kind"`
	ParentTaskID *string  `json:"parentTaskId"`
	Prompt       string   `json:"prompt"`
	Seed         *int     `json:"seed"`
	Watermark    string   `json:"watermark"`
	Status       string   `json:"status"`
	Files        []string `json:"files"`
	ResultURLs   []string `json:"resultUrls"`
	Error        *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}

func decode[T any](t *testing.T, r run) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("stdout is not the JSON promised: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return v
}

const demoSource = "veo_task_demo_lighthouse"

func TestExtendWaitDownloadGivesARealMP4(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "a storm rolls in over the sea",
		"--seed", "12345", "--watermark", "MyBrand", "--wait", "--download", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	task := decode[taskOut](t, r)
	if task.Status != "succeeded" || task.Kind != "extend" || task.TaskID == "" {
		t.Fatalf("task not finished as an extension: %+v", task)
	}
	if task.ParentTaskID == nil || *task.ParentTaskID != demoSource || task.Seed == nil || *task.Seed != 12345 || task.Watermark != "MyBrand" {
		t.Fatalf("request not recorded: %+v", task)
	}
	if len(task.Files) == 0 {
		t.Fatal("no file downloaded")
	}
	checkMP4(t, task.Files[0])

	list := decode[[]taskOut](t, veox(t, home, nil, "--demo", "list", "--json"))
	if len(list) == 0 || list[0].TaskID != task.TaskID || *list[0].ParentTaskID != demoSource {
		t.Fatalf("list does not show the extension first with its parent: %+v", list)
	}

	// Extensions chain: extend the extension.
	r = veox(t, home, nil, "--demo", "extend", "--task", task.TaskID, "--prompt", "the sun breaks through", "--wait", "--json")
	if r.code != 0 {
		t.Fatalf("extending the extension: exit %d: %s", r.code, r.stderr)
	}
	if next := decode[taskOut](t, r); *next.ParentTaskID != task.TaskID || next.Status != "succeeded" {
		t.Fatalf("chain broken: %+v", next)
	}
}

func checkMP4(t *testing.T, path string) {
	t.Helper()
	if !filepath.IsAbs(path) {
		t.Fatalf("file path %q is not absolute", path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	info, err := mp4.Inspect(f, st.Size())
	if err != nil {
		t.Fatalf("%s is not a complete MP4: %v", path, err)
	}
	if info.Duration.Seconds() < 5 {
		t.Fatalf("%s lasts %v; a result clip lasts several seconds", path, info.Duration)
	}
}

func TestBadInputExitsTwoAndSendsNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"seed below range", []string{"extend", "--task", demoSource, "--prompt", "x", "--seed", "123"}, "10000"},
		{"blank prompt", []string{"extend", "--task", demoSource, "--prompt", "   "}, "prompt"},
		{"generate model name on extend", []string{"extend", "--task", demoSource, "--prompt", "x", "--model", "veo3"}, "fast, quality or lite"},
		{"unknown source", []string{"extend", "--task", "no_such_task", "--prompt", "x"}, "no task"},
		{"square video", []string{"generate", "--prompt", "x", "--aspect", "1:1"}, "1:1"},
		{"reference without images", []string{"generate", "--prompt", "x", "--type", "reference"}, "1 to 3"},
		{"seed not a number", []string{"extend", "--task", demoSource, "--prompt", "x", "--seed", "abc"}, "seed"},
		{"download without wait", []string{"extend", "--task", demoSource, "--prompt", "x", "--download"}, "--wait"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			r := veox(t, home, nil, append([]string{"--demo"}, c.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 naming %q", r.code, r.stderr, c.want)
			}
			if left := nonImports(t, home); len(left) != 0 {
				t.Fatalf("refused input left tasks in the history: %+v", left)
			}
			if n := simCreates(t, home); n != 0 {
				t.Fatalf("the simulator accepted %d creates for bad input", n)
			}
		})
	}
}

func TestFailedTaskExitsOneWithHint(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "[fail] the bridge collapses", "--wait", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	task := decode[taskOut](t, r)
	if task.Status != "failed" || task.Error == nil || task.Error.Hint == "" {
		t.Fatalf("failure not explained: %+v", task)
	}
}

func TestUpscaledSourceCannotBeExtended(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := veox(t, home, nil, "--demo", "upscale", demoSource, "--to", "1080p", "--wait", "--json")
	if r.code != 0 {
		t.Fatalf("upscale: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "more")
	if r.code != 2 || !strings.Contains(r.stderr, "1080p") {
		t.Fatalf("extend after 1080p: exit %d, stderr %q", r.code, r.stderr)
	}
}

// The demo's "upscaled" source is a native 4k render: the one extend rule
// refuses it before anything is sent, with the reason in words, exit 2.
func TestNative4KSourceIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := veox(t, home, nil, "--demo", "extend", "--task", "veo_task_demo_upscaled", "--prompt", "more", "--json")
	if r.code != 2 || !strings.Contains(r.stderr, "nothing was sent") || !strings.Contains(r.stderr, "rendered at 4k") {
		t.Fatalf("exit %d, stderr %q; want exit 2, nothing sent, the 4k render named", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "fix the field") {
		t.Fatalf("the hint sends the user looking for a field: %q", r.stderr)
	}
	list := decode[[]taskOut](t, veox(t, home, nil, "--demo", "list", "--json"))
	for _, tk := range list {
		if tk.Kind == "extend" {
			t.Fatalf("a refused extend reached the history: %+v", tk)
		}
	}
}

// --json carries the estimate from the one price table and whether each
// task can be extended, with the reason when not.
func TestJSONCarriesEstimateAndExtendability(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	type est struct {
		TaskID   string  `json:"taskId"`
		Estimate int     `json:"estimatedCredits"`
		Extend   bool    `json:"extendable"`
		WhyNot   *string `json:"whyNotExtendable"`
		Kind     string  `json:"kind"`
	}
	g := decode[est](t, veox(t, home, nil, "--demo", "generate", "--prompt", "a kite", "--model", "veo3_lite", "--resolution", "1080p", "--json"))
	x := decode[est](t, veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "a storm", "--model", "quality", "--json"))
	if g.Estimate != 35 || x.Estimate != 250 {
		t.Fatalf("estimates: generate lite 1080p %d (want 35), extend quality %d (want 250)", g.Estimate, x.Estimate)
	}
	for _, tk := range decode[[]est](t, veox(t, home, nil, "--demo", "list", "--json")) {
		switch tk.TaskID {
		case "veo_task_demo_upscaled":
			if tk.Extend || tk.WhyNot == nil || !strings.Contains(*tk.WhyNot, "4k") {
				t.Errorf("the 4k demo source: extendable %v, why %v", tk.Extend, tk.WhyNot)
			}
		case "veo_task_demo_forest":
			if !tk.Extend || tk.WhyNot != nil {
				t.Errorf("a 720p demo source: extendable %v, why %v", tk.Extend, *tk.WhyNot)
			}
		}
	}
}

func TestFaultsStillGiveTheFileAndOneCreate(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	faults := []string{"VEOX_DEMO_FAULTS=0.2"} // five safe faults in a row on the create (0.03%) would exhaust its retries
	r := veox(t, home, faults, "--demo", "extend", "--task", demoSource, "--prompt", "waves crash on the rocks",
		"--seed", "22222", "--wait", "--download", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	task := decode[taskOut](t, r)
	checkMP4(t, task.Files[0])
	if n := simCreates(t, home); n != 1 {
		t.Fatalf("the simulator accepted %d creates, want exactly 1", n)
	}
}

func TestPathsCreditsStatusImport(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := veox(t, home, nil, "--demo", "credits", "--json")
	if c := decode[map[string]float64](t, r); r.code != 0 || c["credits"] <= 0 {
		t.Fatalf("credits: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = veox(t, home, nil, "--demo", "status", "veo_task_demo_forest", "--json")
	if s := decode[taskOut](t, r); r.code != 0 || s.Status != "succeeded" {
		t.Fatalf("status: %d %+v %s", r.code, s, r.stderr)
	}
	r = veox(t, home, nil, "paths", "--json")
	if p := decode[map[string]string](t, r); p["database"] != filepath.Join(home, "history.db") {
		t.Fatalf("paths: %+v", p)
	}
	r = veox(t, home, nil, "credits")
	if r.code != 2 || !strings.Contains(r.stderr, "VEOX_API_KEY") {
		t.Fatalf("no key: exit %d, stderr %q", r.code, r.stderr)
	}
}

// simCreates counts the tasks the demo's simulator holds beyond its
// built-in sources: the creates it accepted and billed.
func simCreates(t *testing.T, home string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, "demo", "sim.json"))
	if os.IsNotExist(err) {
		return 0 // the simulator never started
	}
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
	n := 0
	for _, tk := range st.Tasks {
		if !strings.HasPrefix(tk.ID, "veo_task_demo_") {
			n++
		}
	}
	return n
}

// nonImports reads the demo history in this process (a veox costs a
// process start) and returns every task that is not a demo source.
func nonImports(t *testing.T, home string) []store.Task {
	t.Helper()
	path := filepath.Join(home, "demo", "history.db")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil // veox stopped before it opened the history
	}
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, _, err := st.List(store.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Task
	for _, tk := range all {
		if tk.Kind != store.KindImport {
			out = append(out, tk)
		}
	}
	return out
}

// Another veox using the history (a TUI open all day) leaves every other
// veox its full rights: lists see everything, creates are recorded. The
// veox beside it are processes: the lock is between processes.
func TestSecondVeoxHasFullRights(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if r := veox(t, home, nil, "--demo", "list"); r.code != 0 {
		t.Fatalf("first run: %d %s", r.code, r.stderr)
	}
	open, err := store.Open(filepath.Join(home, "demo", "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()

	r := veoxProc(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "x", "--json")
	if r.code != 0 {
		t.Fatalf("a create beside a running veox: exit %d, stderr %q", r.code, r.stderr)
	}
	created := decode[taskOut](t, r)
	r = veoxProc(t, home, nil, "--demo", "list", "--json")
	if r.code != 0 || strings.Contains(r.stderr, "read-only") {
		t.Fatalf("list beside a running veox: exit %d, stderr %q", r.code, r.stderr)
	}
	if list := decode[[]taskOut](t, r); len(list) == 0 || list[0].TaskID != created.TaskID {
		t.Fatalf("the new task is not listed first: %+v", list)
	}
	if got, err := open.Get(created.TaskID); err != nil || got.Request.Prompt != "x" {
		t.Fatalf("the running veox does not see the new task: %v", err)
	}
}

func TestDemoListsAnExtendableSourceFirst(t *testing.T) {
	t.Parallel()
	list := decode[[]taskOut](t, veox(t, t.TempDir(), nil, "--demo", "list", "--json"))
	if len(list) != 4 || list[0].TaskID != demoSource || list[3].TaskID != "veo_task_demo_upscaled" {
		ids := []string{}
		for _, tk := range list {
			ids = append(ids, tk.TaskID)
		}
		t.Fatalf("a new user finds %v; want the lighthouse first and the upscaled source last", ids)
	}
}

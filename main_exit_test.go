package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veox/veox/api/sim"
)

// The exit codes are a contract scripts act on (README, 'veox --help'),
// the same for every command. Each row is checked against the built binary,
// as a process (the code a shell sees), and the simulator, which counts
// what reached it.

type errorDoc struct {
	Error *struct {
		Kind    string `json:"kind"`
		Code    *int   `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}

// oneJSON decodes stdout and fails unless it is exactly one JSON document.
func oneJSON[T any](t *testing.T, r run) T {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var v T
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\nstdout: %q\nstderr: %s", err, r.stdout, r.stderr)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("stdout holds more than one JSON document: %q", r.stdout)
	}
	return v
}

func wantExit(t *testing.T, r run, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
}

func TestExitCodesRowByRow(t *testing.T) {
	t.Parallel()
	t.Run("0 done", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		r.sim.PushPlan(sim.Plan{Duration: -1})
		res := r.runProc(t, "generate", "--prompt", "a lighthouse at dawn", "--wait", "--download", "--json")
		wantExit(t, res, 0)
		if tk := oneJSON[taskOut](t, res); tk.Status != "succeeded" || len(tk.Files) != 1 {
			t.Fatalf("not done with its file: %+v", tk)
		}
	})
	t.Run("1 the service refused", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		r.sim.PushPlan(sim.Plan{RejectCode: 402, RejectMsg: "insufficient credits"})
		res := r.runProc(t, "generate", "--prompt", "a lighthouse at dawn", "--json")
		wantExit(t, res, 1)
		if tk := oneJSON[taskOut](t, res); tk.Status != "refused" || tk.TaskID != "" || tk.Error == nil || tk.Error.Code != 402 {
			t.Fatalf("the refusal is not on the task: %+v", tk)
		}
		if r.sim.Creates() != 0 {
			t.Fatal("a refused create was created")
		}
	})
	t.Run("1 the task failed", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		r.sim.PushPlan(sim.Plan{Fail: true, Duration: -1})
		res := r.runProc(t, "generate", "--prompt", "a bridge collapses", "--wait", "--json")
		wantExit(t, res, 1)
		if tk := oneJSON[taskOut](t, res); tk.Status != "failed" || tk.Error == nil || tk.Error.Hint == "" {
			t.Fatalf("the failure is not explained: %+v", tk)
		}
	})
	t.Run("2 bad input, nothing sent", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		res := r.runProc(t, "generate", "--prompt", "x", "--seed", "5", "--json")
		wantExit(t, res, 2)
		if d := oneJSON[errorDoc](t, res); d.Error == nil || d.Error.Kind != "input" || !strings.Contains(d.Error.Message, "seed") {
			t.Fatalf("error document: %+v", d.Error)
		}
		if n := r.sim.Requests(sim.PathGenerate); n != 0 {
			t.Fatalf("%d creates were sent for bad input", n)
		}
	})
	t.Run("3 outcome unknown, never resent", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		r.sim.PushPlan(sim.Plan{DropAfterCreate: true})
		res := r.runProc(t, "generate", "--prompt", "a kite over the dunes", "--wait", "--json")
		wantExit(t, res, 3)
		if tk := oneJSON[taskOut](t, res); tk.Status != "unknown" {
			t.Fatalf("want unknown, got %+v", tk)
		}
		if !strings.Contains(res.stderr, "settle") || r.sim.Requests(sim.PathGenerate) != 1 {
			t.Fatalf("%d create requests (want 1), stderr %q", r.sim.Requests(sim.PathGenerate), res.stderr)
		}
	})
	t.Run("4 still running after --timeout, tracked", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t) // tasks run a minute of the simulator's clock
		res := r.runProc(t, "generate", "--prompt", "a lantern drifts", "--wait", "--timeout", "300ms", "--json")
		wantExit(t, res, 4)
		tk := oneJSON[taskOut](t, res)
		if tk.Status != "running" || !strings.Contains(res.stderr, "veox wait "+tk.TaskID) {
			t.Fatalf("task %+v, stderr %q", tk, res.stderr)
		}
		if got := onlyTask(t, r.list(t), "a lantern drifts"); got.Status != "running" {
			t.Fatalf("the history lost track of it: %+v", got)
		}
	})
	t.Run("5 done, but the download failed", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		notADir := filepath.Join(r.home, "a-file")
		if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		r.sim.PushPlan(sim.Plan{Duration: -1})
		res := veoxProc(t, r.home, append(r.env(), "VEOX_DOWNLOAD_DIR="+notADir), "generate", "--prompt", "a paper boat",
			"--wait", "--download", "--json")
		wantExit(t, res, 5)
		tk := oneJSON[taskOut](t, res)
		if tk.Status != "succeeded" || len(tk.Files) != 0 || !strings.Contains(res.stderr, "veox download "+tk.TaskID) {
			t.Fatalf("task %+v, stderr %q", tk, res.stderr)
		}
		if r.sim.Creates() != 1 {
			t.Fatalf("%d creates", r.sim.Creates())
		}
	})
	t.Run("5 accepted, but asking about it failed", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		cmd, out := r.startJSON(t, "generate", "--prompt", "a kite", "--wait", "--json")
		waitFor(t, "the first poll", func() bool { return r.sim.Requests(sim.PathRecord) > 0 })
		r.keyRevoked.Store(true) // the service now refuses the key
		res := finish(t, cmd, out)
		wantExit(t, res, 5)
		if tk := oneJSON[taskOut](t, res); tk.Status != "running" || tk.TaskID == "" {
			t.Fatalf("want the running task, got %+v", tk)
		}
	})
	t.Run("130 Ctrl-C, the task still running in list", func(t *testing.T) {
		t.Parallel()
		r := newKillRig(t)
		cmd, out := r.startJSON(t, "generate", "--prompt", "a lantern drifts downriver", "--wait", "--json")
		waitFor(t, "the first poll", func() bool { return r.sim.Requests(sim.PathRecord) > 0 })
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		res := finish(t, cmd, out)
		wantExit(t, res, 130)
		if tk := oneJSON[taskOut](t, res); tk.Status != "running" {
			t.Fatalf("printed %+v", tk)
		}
		if got := onlyTask(t, r.list(t), "a lantern drifts downriver"); got.Status != "running" || got.TaskID == "" {
			t.Fatalf("after Ctrl-C the history shows %+v, want it running", got)
		}
		if r.sim.Creates() != 1 {
			t.Fatalf("%d creates", r.sim.Creates())
		}
	})
}

// TestSecondCtrlCQuitsAtOnce: after the first Ctrl-C veox may still be
// busy (here: reading the balance as evidence for a create whose answer
// was lost, which can take 5 s); a second Ctrl-C ends it at once, and the
// create is already recorded as unknown.
func TestSecondCtrlCQuitsAtOnce(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	r.sim.PushPlan(sim.Plan{SlowCreate: time.Hour})
	cmd, out := r.startJSON(t, "generate", "--prompt", "a heron lands", "--json")
	waitFor(t, "the create to reach the service", func() bool { return r.sim.Creates() == 1 })
	credits := r.sim.Requests(sim.PathCredit)
	r.sim.InjectFault(sim.PathCredit, sim.FaultSlow, 1)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "veox to read the balance after the lost answer", func() bool { return r.sim.Requests(sim.PathCredit) > credits })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a bound on a hang, not a timing
		t.Fatalf("a second Ctrl-C did not end veox; stdout so far %q", out.String())
	}
	// What proves the second Ctrl-C ended it, whatever the machine's load:
	// veox died of SIGINT itself, where ending on its own (after the slow
	// balance read) would have been an exit code.
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("veox ended by itself (%v), not by the second Ctrl-C", cmd.ProcessState)
	}
	if got := onlyTask(t, r.list(t), "a heron lands"); got.Status != "unknown" {
		t.Fatalf("the lost create is %q in the history, want unknown", got.Status)
	}
}

// startJSON starts veox against the rig with stdout kept for the test.
func (r *killRig) startJSON(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := veoxCmd(args...)
	cmd.Env = append(cmd.Env, "VEOX_HOME="+r.home, "VEOX_DOWNLOAD_DIR="+r.videos(),
		"VEOX_POLL_INTERVAL=50ms", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, r.env()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, &out
}

// finish waits for a started veox and collects what it printed.
func finish(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer) run {
	t.Helper()
	err := cmd.Wait()
	res := run{stdout: out.String()}
	if eb, ok := cmd.Stderr.(*bytes.Buffer); ok {
		res.stderr = eb.String()
	}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestJSONWhateverFails: with --json, stdout is exactly one JSON document
// even when the command fails before a task exists, and the document says
// what kind of failure it was.
func TestJSONWhateverFails(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		kind string
	}{
		{"unknown flag", nil, []string{"--demo", "list", "--json", "--colour"}, 2, "usage"},
		{"bad flag value before --json", nil, []string{"--demo", "extend", "--seed", "abc", "--json"}, 2, "usage"},
		{"no key", nil, []string{"credits", "--json"}, 2, "usage"},
		{"bad setting", []string{"VEOX_POLL_INTERVAL=soon"}, []string{"--demo", "list", "--json"}, 2, "usage"},
		{"bad field", nil, []string{"--demo", "generate", "--prompt", " ", "--json"}, 2, "input"},
		{"no such source", nil, []string{"--demo", "extend", "--task", "no_such_task", "--prompt", "x", "--json"}, 2, "input"},
		{"no such local task", nil, []string{"--demo", "dismiss", "l0000000000000000a", "--json"}, 2, "not_found"},
		{"damaged history", []string{"VEOX_API_KEY=k"}, []string{"list", "--json"}, 5, "history"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if c.kind == "history" {
				if err := os.WriteFile(filepath.Join(home, "history.db"), bytes.Repeat([]byte("not bbolt "), 2000), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res := veox(t, home, c.env, c.args...)
			wantExit(t, res, c.code)
			d := oneJSON[errorDoc](t, res)
			if d.Error == nil || d.Error.Kind != c.kind || d.Error.Message == "" || d.Error.Hint == "" {
				t.Fatalf("error document %+v, want kind %q with a message and a hint", d.Error, c.kind)
			}
			if res.stderr == "" {
				t.Fatal("nothing said on stderr")
			}
		})
	}
}

package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStatePersistsAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	clk := &fakeClock{t: time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)}
	o := Options{StatePath: path, Now: clk.Now, MinDuration: time.Minute, MaxDuration: time.Minute}

	e1 := newEnv(t, o)
	done := e1.generate(nil)
	clk.Advance(time.Minute)
	running := e1.generate(map[string]any{"prompt": "y", "model": "veo3"})
	_, r := e1.record(done)
	oldLink := urls(t, r.Response["resultUrls"])[0]
	balance := e1.sim.Balance()
	e1.sim.Close()

	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}

	e2 := newEnv(t, o)
	if e2.sim.Balance() != balance {
		t.Errorf("balance %v, want %v", e2.sim.Balance(), balance)
	}
	if _, r := e2.record(done); r.SuccessFlag != 1 {
		t.Errorf("finished task lost")
	}
	if _, r := e2.record(running); r.SuccessFlag != 0 {
		t.Errorf("running task: flag %d", r.SuccessFlag)
	}
	clk.Advance(time.Minute)
	if _, r := e2.record(running); r.SuccessFlag != 1 {
		t.Errorf("running task did not finish in the new process")
	}
	e2.sim.SetFilesBase(e1.files.URL) // links from the old process still verify
	if id := e2.generate(nil); id == done || id == running {
		t.Errorf("new process reused id %s", id)
	}
	if resp, _, err := fetch(t, oldLink, nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("old link: %v %v", resp, err)
	}
}

func TestUnreadableStateStartsFresh(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged []string
	s := New(Options{StatePath: path, Logf: func(f string, a ...any) { logged = append(logged, f) }})
	defer s.Close()
	if s.Balance() != 5000 || len(logged) == 0 {
		t.Errorf("balance %v, logs %v", s.Balance(), logged)
	}
}

func TestTwoProcessesShareTheStateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	o := Options{StatePath: path}
	a, b := newEnv(t, o), newEnv(t, o)
	fromA := a.generate(nil)
	fromB := b.generate(map[string]any{"prompt": "y", "model": "veo3_lite"})
	if r, _ := a.record(fromB); r.Code != 200 {
		t.Errorf("A does not see B's task: %s", r.body)
	}
	if r, _ := b.record(fromA); r.Code != 200 {
		t.Errorf("B does not see A's task: %s", r.body)
	}
	if a.sim.Balance() != 5000-60-30 || b.sim.Balance() != 5000-60-30 {
		t.Errorf("balances %v and %v, want both 4910", a.sim.Balance(), b.sim.Balance())
	}
}

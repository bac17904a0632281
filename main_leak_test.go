package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veox/veox/api/sim"
)

// TestNothingLeaksNothingInjects runs a whole session with the built binary
// and a real key the simulator insists on, then looks for the key
// everywhere veox writes: stdout, stderr, the history, the log, every other
// file in its home, the names of the videos. The config file may hold the
// key (that is where it is saved, mode 0600) and nothing else may. The
// service's failure text carries terminal escape sequences (a clipboard
// write, a screen clear, a C1 CSI): none may reach the output.
//
// The simulator runs in the test process rather than as 'veox sim', so a
// failure with a hostile message can be scripted for one create.
func TestNothingLeaksNothingInjects(t *testing.T) {
	t.Parallel()
	key := "SECRETKEY-" + randomHex(t)
	s := sim.New(sim.Options{APIKey: key, Seed: 11})
	files := httptest.NewServer(s.FilesHandler())
	api := httptest.NewServer(s.Handler())
	s.SetFilesBase(files.URL)
	defer func() { s.Close(); api.Close(); files.Close() }()

	home := t.TempDir()
	env := []string{"VEOX_BASE_URL=" + api.URL, "VEOX_API_KEY=" + key}
	var mu sync.Mutex
	var outputs []run
	do := func(wantCode int, args ...string) run { // safe from several goroutines
		r := veox(t, home, env, args...)
		mu.Lock()
		outputs = append(outputs, r)
		mu.Unlock()
		if r.code != wantCode {
			t.Errorf("veox %v: exit %d, want %d\n%s\n%s", args, r.code, wantCode, r.stdout, r.stderr)
		}
		return r
	}
	paths := session(t, s, do)
	if t.Failed() {
		t.FailNow()
	}
	// The key passed as a flag (it shows in ps, but must go no further).
	outputs = append(outputs, veox(t, home, []string{"VEOX_BASE_URL=" + api.URL}, "--api-key", key, "credits"))
	// The key saved in the config file, the one place it may live.
	saveKeyInConfig(t, home, key)
	r := veox(t, home, []string{"VEOX_BASE_URL=" + api.URL}, "credits", "--json")
	if r.code != 0 {
		t.Fatalf("credits with the key from the config file: %d %s", r.code, r.stderr)
	}
	outputs = append(outputs, r)

	for _, o := range outputs {
		checkClean(t, key, "stdout", o.stdout)
		checkClean(t, key, "stderr", o.stderr)
	}
	scanned := scanFiles(t, key, home, paths)
	if n := s.FileRequestsWithAuth(); n != 0 {
		t.Fatalf("%d file-host requests carried the API key", n)
	}
	t.Logf("%d outputs and %d files (%d bytes) free of the key and of escape sequences", len(outputs), scanned.files, scanned.bytes)
}

// session is what a creator does in a day: generate, extend, follow, list,
// download again, check the balance and the health; one create fails with
// a message full of escape sequences.
func session(t *testing.T, s *sim.Sim, do func(int, ...string) run) map[string]string {
	t.Helper()
	s.PushPlan(sim.Plan{Duration: -1})
	gen := decode[taskOut](t, do(0, "generate", "--prompt", "a lighthouse at dawn", "--wait", "--download", "--json"))
	s.PushPlan(sim.Plan{Duration: -1})
	ext := decode[taskOut](t, do(0, "extend", "--task", gen.TaskID, "--prompt", "a storm rolls in", "--seed", "12345",
		"--watermark", "MyBrand", "--wait", "--download", "--json"))
	// What follows only reads or fetches again: as from several shells at once.
	reads := together(do, 0, []string{"list", "--json"}, []string{"list"}, []string{"status", ext.TaskID},
		[]string{"status", ext.TaskID, "--json"}, []string{"download", ext.TaskID, "--force", "--json"},
		[]string{"credits"}, []string{"credits", "--json"}, []string{"paths", "--json"})
	paths := decode[map[string]string](t, reads[7])
	hostile := "boom \x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\x07 then \x1b[2J\x1b[H cleared \u009b31m red \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"
	s.PushPlan(sim.Plan{Fail: true, ErrorCode: 501, ErrorMessage: hostile, Duration: -1})
	s.PushPlan(sim.Plan{Fail: true, ErrorCode: 501, ErrorMessage: hostile, Duration: -1})
	fails := together(do, 1, []string{"generate", "--prompt", "a bridge in fog", "--wait", "--json"},
		[]string{"generate", "--prompt", "a bridge in rain", "--wait"})
	failed := decode[taskOut](t, fails[0])
	if failed.Error == nil || !strings.Contains(failed.Error.Message, "boom") || !strings.Contains(failed.Error.Message, "cleared") {
		t.Fatalf("the service's message was lost instead of cleaned: %+v", failed.Error)
	}
	do(1, "status", failed.TaskID)
	together(do, 0, []string{"list"}, []string{"doctor"}, []string{"doctor", "--json"})
	return paths
}

// together runs commands at once and returns their results in order.
func together(do func(int, ...string) run, wantCode int, cmds ...[]string) []run {
	out := make([]run, len(cmds))
	var wg sync.WaitGroup
	for i, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = do(wantCode, args...)
		}()
	}
	wg.Wait()
	return out
}

func saveKeyInConfig(t *testing.T, home, key string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"apiKey":"`+key+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkClean fails on the key, on an escape or C1 control byte, and on a
// JSON-escaped ESC that a script would print back.
func checkClean(t *testing.T, key, where, s string) {
	t.Helper()
	switch {
	case strings.Contains(s, key):
		t.Errorf("the API key is in %s:\n%s", where, s)
	case strings.ContainsRune(s, 0x1b) || strings.ContainsRune(s, 0x9b) || strings.Contains(s, "\a"):
		t.Errorf("an escape sequence reached %s: %q", where, s)
	case strings.Contains(strings.ToLower(s), `\u001b`) || strings.Contains(strings.ToLower(s), `\u009b`):
		t.Errorf("an escaped ESC is in the JSON on %s: %q", where, s)
	}
}

type scanTotals struct{ files, bytes int }

// scanFiles reads every file veox left in its home (history, log, videos,
// partial files, snapshots) and every name there; only config.json may
// hold the key.
func scanFiles(t *testing.T, key, home string, paths map[string]string) scanTotals {
	t.Helper()
	var tot scanTotals
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), key) {
			t.Errorf("the key is in a file name: %s", path)
		}
		if d.IsDir() || path == filepath.Join(home, "config.json") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tot.files++
		tot.bytes += len(b)
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("the API key is written in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"database", "log", "videos"} {
		if p := paths[what]; !strings.HasPrefix(p, home) || !fileExists(p) {
			t.Fatalf("the %s (%q) is not inside the scanned home", what, p)
		}
	}
	if st, err := os.Stat(paths["database"]); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("history.db has mode %04o, want 0600", st.Mode().Perm())
	}
	return tot
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b) + time.Now().Format("150405")
}

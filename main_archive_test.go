package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veox/veox/api/sim"
)

const archiveKey = "archive-test-key"

// archiveSim is the simulator on loopback, tasks done at their first poll.
func archiveSim(t *testing.T) []string {
	t.Helper()
	s := sim.New(sim.Options{APIKey: archiveKey, Seed: 3})
	files := httptest.NewServer(s.FilesHandler())
	api := httptest.NewServer(s.Handler())
	s.SetFilesBase(files.URL)
	t.Cleanup(func() { s.Close(); api.Close(); files.Close() })
	return []string{"VEOX_BASE_URL=" + api.URL, "VEOX_API_KEY=" + archiveKey}
}

// listJSON is 'veox list --json' in home, exit 0 required.
func listJSON(t *testing.T, home string, env []string) string {
	t.Helper()
	r := veox(t, home, env, "list", "--json")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	return r.stdout
}

func mustRun(t *testing.T, r run, what string) run {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
	}
	return r
}

// Issue 18's "done when", through the built binary: after a chain of
// three extensions, deleting the history and running 'veox import
// --from-folder' gives back every task with its parent, seed and files
// (doctor offering it first); 'veox export' then 'veox import --jsonl'
// into an empty home gives an identical 'veox list --json'.
func TestHistoryBackFromTheFolderAndFromAnExport(t *testing.T) {
	t.Parallel()
	env := archiveSim(t)
	home := t.TempDir()
	mustRun(t, veox(t, home, env, "import", sim.DemoLighthouse), "import the source")
	mustRun(t, veox(t, home, env, "download", sim.DemoLighthouse), "download the source")
	parent := sim.DemoLighthouse
	for i, prompt := range []string{"a storm rolls in", "the lamp comes on", "dawn breaks"} {
		r := mustRun(t, veox(t, home, env, "extend", "--task", parent, "--prompt", prompt, "--seed", []string{"11111", "22222", "33333"}[i],
			"--wait", "--download", "--json"), "extend")
		parent = decode[taskOut](t, r).TaskID
	}
	before := listJSON(t, home, env)
	videos := filepath.Join(home, "videos")
	sidecars, _ := filepath.Glob(filepath.Join(videos, "*.mp4.json"))
	if len(sidecars) != 4 {
		t.Fatalf("%d sidecars in %s, want 4", len(sidecars), videos)
	}

	// The history set aside: doctor offers the import; the import, with
	// no key at all, gives everything back.
	if err := os.Rename(filepath.Join(home, "history.db"), filepath.Join(home, "history.db.old")); err != nil {
		t.Fatal(err)
	}
	r := veox(t, home, nil, "doctor", "--offline", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"name": "sidecars"`) || !strings.Contains(r.stdout, "veox import --from-folder "+videos) {
		t.Fatalf("doctor does not offer the import: exit %d\n%s", r.code, r.stdout)
	}
	r = mustRun(t, veox(t, home, nil, "import", "--from-folder", videos, "--json"), "import --from-folder")
	var rep struct {
		Complete bool `json:"complete"`
		Added    int  `json:"added"`
		Videos   int  `json:"videos"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || !rep.Complete || rep.Added != 4 || rep.Videos != 4 {
		t.Fatalf("import --from-folder: %v %s", err, r.stdout)
	}
	if after := listJSON(t, home, env); after != before {
		t.Errorf("list --json after the import from the folder:\n%s\nbefore:\n%s", after, before)
	}
	r = mustRun(t, veox(t, home, nil, "import", "--from-folder", videos), "import --from-folder again")
	if !strings.Contains(r.stdout, "added 0 task(s), 4 already in the history") {
		t.Errorf("second import: %s", r.stdout)
	}
	mustRun(t, veox(t, home, nil, "doctor", "--offline"), "doctor after the import")

	// Another machine: export, then import into an empty home.
	export := filepath.Join(t.TempDir(), "history.jsonl")
	mustRun(t, veox(t, home, nil, "export", "--out", export), "export")
	if b, _ := os.ReadFile(export); strings.Contains(string(b), archiveKey) {
		t.Fatal("the export holds the API key")
	}
	other := t.TempDir()
	r = mustRun(t, veox(t, other, nil, "import", "--jsonl", export, "--json"), "import --jsonl")
	if !strings.Contains(r.stdout, `"complete": true`) {
		t.Errorf("import --jsonl: %s", r.stdout)
	}
	if got := listJSON(t, other, env); got != before {
		t.Errorf("list --json in the new home:\n%s\nwant:\n%s", got, before)
	}
}

// Bad input to import and export: exit 2 with a message that says what
// to do, as --json an {"error":…} object; nothing is written.
func TestImportExportBadInput(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	notExport := filepath.Join(home, "notes.txt")
	if err := os.WriteFile(notExport, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import"},
		{"import", "--from-folder", filepath.Join(home, "nope")},
		{"import", "--jsonl", filepath.Join(home, "nope.jsonl")},
		{"import", "--jsonl", notExport},
		{"import", "--jsonl", notExport, "--from-folder", home},
		{"export", "--since", "yesterday-ish"},
	} {
		r := veox(t, home, nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "veox:") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		r = veox(t, home, nil, append(args, "--json")...)
		if r.code != 2 || !strings.Contains(r.stdout, `"error"`) {
			t.Errorf("%v --json: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "history.db")); err == nil {
		t.Error("bad input created a history")
	}
}

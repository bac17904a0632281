package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// doctorHome is a private VEOX_HOME with a download folder inside it.
type doctorHome struct {
	dir string
	env map[string]string
}

func newDoctorHome(t *testing.T) *doctorHome {
	t.Helper()
	dir := t.TempDir()
	return &doctorHome{dir: dir, env: map[string]string{"VEOX_HOME": dir,
		"VEOX_DOWNLOAD_DIR": filepath.Join(dir, "videos"), "HOME": dir}}
}

func (h *doctorHome) db() string     { return filepath.Join(h.dir, "history.db") }
func (h *doctorHome) videos() string { return filepath.Join(h.dir, "videos") }

type cliRun struct {
	code           int
	stdout, stderr string
}

// veoxIn runs the command tree in-process, as main would.
func (h *doctorHome) run(t *testing.T, args ...string) cliRun {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot(Wiring{Version: "test", Getenv: func(k string) string { return h.env[k] },
		Stdout: &out, Stderr: &errb})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := Execute(ctx, root, args)
	return cliRun{code, out.String(), errb.String()}
}

// seed writes tasks straight into a history, as earlier veox runs would
// have left them.
func (h *doctorHome) seed(t *testing.T, statuses ...string) []store.Task {
	t.Helper()
	st, err := store.Open(h.db(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []store.Task
	for i, s := range statuses {
		tk := &store.Task{LocalID: st.NewLocalID(), Kind: store.KindGenerate, CreatedAt: time.Now(),
			Request: store.Request{Prompt: "prompt number " + strconv.Itoa(i)}}
		if s != store.StatusUnknown && s != store.StatusSubmitting {
			tk.TaskID = "task" + strconv.Itoa(i) + "abcdef"
		}
		tk.SetStatus(s, time.Now(), "")
		if err := st.Put(tk); err != nil {
			t.Fatal(err)
		}
		out = append(out, *tk)
	}
	return out
}

func doctorJSON(t *testing.T, r cliRun) doctorReport {
	t.Helper()
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json printed no JSON: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

func find(rep doctorReport, name string) *doctorCheck {
	for i := range rep.Checks {
		if rep.Checks[i].Name == name {
			return &rep.Checks[i]
		}
	}
	return nil
}

func TestDoctorHealthyHomeExitsZeroAndReportsPartials(t *testing.T) {
	h := newDoctorHome(t)
	h.seed(t, store.StatusSucceeded, store.StatusFailed, store.StatusRunning)
	os.MkdirAll(h.videos(), 0o755)
	os.WriteFile(filepath.Join(h.videos(), "2025-01-01-abc-storm.mp4.part"), make([]byte, 40_000), 0o600)
	os.WriteFile(filepath.Join(h.videos(), "2025-01-01-abc-storm.mp4.part.json"), []byte("{}"), 0o600)
	r := h.run(t, "doctor", "--offline")
	if r.code != 0 {
		t.Fatalf("exit %d on a healthy home\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"schema v4", "3 task(s)", "1 running", "storm.mp4.part", "40.0 kB", "resume", "all is well"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, ".part.json") {
		t.Error("the .part.json sidecar was listed as a partial download")
	}
	rep := doctorJSON(t, h.run(t, "doctor", "--offline", "--json"))
	if !rep.OK || find(rep, "videos") == nil || find(rep, "videos").Data.(map[string]any)["freeBytes"].(float64) <= 0 {
		t.Fatalf("JSON report: %+v", rep)
	}
}

func TestDoctorConfigModeAndJSON(t *testing.T) {
	h := newDoctorHome(t)
	cfg := filepath.Join(h.dir, "config.json")
	os.WriteFile(cfg, []byte(`{"apiKey":"SECRET-in-config"}`), 0o644)
	r := h.run(t, "doctor", "--offline")
	if r.code != 1 || !strings.Contains(r.stdout, "chmod 600 "+cfg) || !strings.Contains(r.stdout, "0644") {
		t.Fatalf("a world-readable config must ask for chmod 600: exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "SECRET") {
		t.Fatal("doctor printed the API key")
	}
	os.Chmod(cfg, 0o600)
	if r := h.run(t, "doctor", "--offline"); r.code != 0 || !strings.Contains(r.stdout, "from the config file") {
		t.Fatalf("after chmod: exit %d\n%s", r.code, r.stdout)
	}
	os.WriteFile(cfg, []byte(`{"apiKey": `), 0o600)
	r = h.run(t, "doctor", "--offline")
	if r.code != 1 || !strings.Contains(r.stdout, "not valid JSON") || !strings.Contains(r.stdout, "history") {
		t.Fatalf("broken JSON must be reported and the other checks still run: exit %d\n%s", r.code, r.stdout)
	}
}

func TestDoctorListsUnknownCreatesWithWhatToDo(t *testing.T) {
	h := newDoctorHome(t)
	seeded := h.seed(t, store.StatusSucceeded, store.StatusUnknown)
	r := h.run(t, "doctor", "--offline")
	if r.code != 1 {
		t.Fatalf("an unknown create needs action: exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{seeded[1].LocalID, "prompt number 1", "veox settle LOCAL_ID TASK_ID", "veox dismiss LOCAL_ID", "never resends"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	// Dismissing it (what the report says to do) makes doctor happy again.
	if r := h.run(t, "dismiss", seeded[1].LocalID); r.code != 0 {
		t.Fatalf("dismiss: %d %s", r.code, r.stderr)
	}
	if r := h.run(t, "doctor", "--offline"); r.code != 0 {
		t.Fatalf("after dismiss: exit %d\n%s", r.code, r.stdout)
	}
}

// Another veox using the history is no reason to stop: doctor checks it.
// Only one that keeps it busy for over a second (stuck, or a long repair)
// is reported, with the process named.
func TestDoctorBesideAnotherVeoxAndAStuckOne(t *testing.T) {
	h := newDoctorHome(t)
	h.seed(t, store.StatusSucceeded)
	st, err := store.Open(h.db(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if r := h.run(t, "doctor", "--offline"); r.code != 0 || !strings.Contains(r.stdout, "1 task(s)") {
		t.Fatalf("doctor beside another veox: exit %d\n%s", r.code, r.stdout)
	}

	stuck, err := bolt.Open(h.db(), 0o600, nil) // holds the write lock until closed
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	start := time.Now()
	r := h.run(t, "doctor", "--offline")
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("doctor hung %v on a busy history", took)
	}
	if r.code != 1 || !strings.Contains(r.stdout, "busy for over a second") {
		t.Fatalf("a stuck holder not explained: exit %d\n%s", r.code, r.stdout)
	}
	if pid := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(r.stdout, pid) && fileExists("/proc/self/fd") {
		t.Errorf("the holder (%s) is not named:\n%s", pid, r.stdout)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestDoctorUnreadableHistoryIsMovedAsideOnlyWithRepair(t *testing.T) {
	h := newDoctorHome(t)
	junk := append(bytes.Repeat([]byte{0xde, 0xad}, 3000), []byte(`xx{"localId":"l1","taskId":"abc123def456"}yy`)...)
	junk = append(junk, bytes.Repeat([]byte{0xbe}, 5000)...)
	os.WriteFile(h.db(), junk, 0o600)
	r := h.run(t, "doctor", "--offline")
	for _, want := range []string{"damaged", "cp " + h.db() + " " + h.db() + ".broken", "veox doctor --repair", "veox import ID"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the way out lacks %q:\n%s", want, r.stdout)
		}
	}
	if b, _ := os.ReadFile(h.db()); r.code != 1 || !bytes.Equal(b, junk) {
		t.Fatalf("without --repair the file must stay untouched (exit %d)", r.code)
	}
	r = h.run(t, "doctor", "--offline", "--repair")
	if !strings.Contains(r.stdout, "veox import abc123def456") || !strings.Contains(r.stdout, "moved to") {
		t.Fatalf("repair did not move the file aside and list the legible ids:\n%s", r.stdout)
	}
	aside, _ := filepath.Glob(h.db() + ".broken-*")
	if len(aside) != 1 {
		t.Fatalf("want one moved-aside copy, got %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); !bytes.Equal(b, junk) {
		t.Fatal("the moved-aside copy is not the original bytes")
	}
	if r := h.run(t, "doctor", "--offline"); r.code != 0 {
		t.Fatalf("the fresh history is not healthy: exit %d\n%s", r.code, r.stdout)
	}
}

func TestDoctorRepairRebuildsStaleIndexes(t *testing.T) {
	h := newDoctorHome(t)
	h.seed(t, store.StatusSucceeded, store.StatusRunning)
	breakIndex(t, h.db())
	r := h.run(t, "doctor", "--offline")
	if r.code != 1 || !strings.Contains(r.stdout, "index") || !strings.Contains(r.stdout, "--repair") {
		t.Fatalf("a broken index must be found: exit %d\n%s", r.code, r.stdout)
	}
	r = h.run(t, "doctor", "--offline", "--repair")
	if r.code != 0 || !strings.Contains(r.stdout, "rebuilt") {
		t.Fatalf("repair: exit %d\n%s", r.code, r.stdout)
	}
	if aside, _ := filepath.Glob(h.db() + ".broken-*"); len(aside) != 0 {
		t.Fatal("an index problem must not cost the history")
	}
	if r := h.run(t, "list", "--json"); !strings.Contains(r.stdout, "prompt number 1") {
		t.Fatalf("tasks lost by the repair:\n%s", r.stdout)
	}
}

// breakIndex empties the time index behind the store's back, as a bug or
// a partial copy could.
func breakIndex(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("time")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("time"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDoctorCreditCallProvesTheKey(t *testing.T) {
	srv, err := sim.Start(sim.Options{APIKey: "right-key"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := newDoctorHome(t)
	h.env["VEOX_BASE_URL"] = srv.URL
	h.env["VEOX_API_KEY"] = "right-key"
	if r := h.run(t, "doctor"); r.code != 0 || !strings.Contains(r.stdout, "5000.00 credits") {
		t.Fatalf("good key: exit %d\n%s", r.code, r.stdout)
	}
	h.env["VEOX_API_KEY"] = "wrong-key"
	r := h.run(t, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "API key") || strings.Contains(r.stdout, "wrong-key") {
		t.Fatalf("a refused key must be reported (and not printed): exit %d\n%s", r.code, r.stdout)
	}
	delete(h.env, "VEOX_API_KEY")
	if r := h.run(t, "doctor"); r.code != 1 || !strings.Contains(r.stdout, "no API key") {
		t.Fatalf("no key: exit %d\n%s", r.code, r.stdout)
	}
	if r := h.run(t, "doctor", "--offline"); r.code != 0 {
		t.Fatalf("--offline needs no key: exit %d\n%s", r.code, r.stdout)
	}
	if r := h.run(t, "--demo", "doctor"); r.code != 0 || !strings.Contains(r.stdout, "credits") {
		t.Fatalf("--demo asks the built-in simulator: exit %d\n%s", r.code, r.stdout)
	}
}

// A history cut short (a full disk, an interrupted copy) no longer crashes
// anything: every command says it is damaged, doctor says what to do, and
// --repair saves what is left, the create of unknown outcome listed first.
func TestDoctorRepairSavesATruncatedHistory(t *testing.T) {
	h := newDoctorHome(t)
	statuses := []string{store.StatusUnknown}
	for range 40 {
		statuses = append(statuses, store.StatusSucceeded)
	}
	seeded := h.seed(t, statuses...)
	whole, _ := os.ReadFile(h.db())
	cut := whole[:usedPages(whole)*3/4*4096]
	os.WriteFile(h.db(), cut, 0o600)

	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"status", "x"}, {"doctor", "--offline"}} {
		r := h.run(t, args...)
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "doctor") {
			t.Fatalf("%v on a truncated history: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	r := h.run(t, "doctor", "--offline", "--repair", "--json")
	rep := doctorJSON(t, r)
	c := find(rep, "repair")
	if c == nil || !strings.Contains(c.Summary, "saved") {
		t.Fatalf("no repair reported:\n%s", r.stdout)
	}
	if len(c.Details) == 0 || !strings.Contains(c.Details[0], seeded[0].LocalID) || !strings.Contains(c.Details[0], "unknown") {
		t.Fatalf("the create of unknown outcome is not listed first: %q", c.Details)
	}
	if r := h.run(t, "list", "--json", "--limit", "100"); r.code != 0 || !strings.Contains(r.stdout, seeded[0].LocalID) {
		t.Fatalf("after the repair: exit %d\n%s", r.code, r.stderr)
	}
}

// usedPages is the page count the newest meta page of a bbolt file
// records (its pages past that are room to grow).
func usedPages(b []byte) int {
	var pages, txid uint64
	for _, off := range []int{0, 4096} {
		m := b[off+16:]
		if id := binary.LittleEndian.Uint64(m[48:]); id >= txid {
			pages, txid = binary.LittleEndian.Uint64(m[40:]), id
		}
	}
	return int(pages)
}

// Doctor checks every record of a history spread over many pages: each of
// 21 records damaged across it is counted (20 named, "and 1 more"), the
// first ones in key order, and the history is not listed as clean.
func TestDoctorNamesDamagedRecordsAcrossALongHistory(t *testing.T) {
	h := newDoctorHome(t)
	st, err := store.Open(h.db(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SeedHistory(st, 1200, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := bolt.Open(h.db(), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var victims []string
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("tasks"))
		var keys [][]byte
		_ = b.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		for i := 0; i < 21; i++ {
			k := keys[i*(len(keys)-1)/20] // spread from the first record to the last
			victims = append(victims, string(k))
			if err := b.Put(k, bytes.Clone(b.Get(k)[:40])); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := h.run(t, "doctor", "--offline", "--json")
	c := find(doctorJSON(t, r), "history")
	if r.code != 1 || c == nil || c.Status != checkAction {
		t.Fatalf("damaged records not reported: exit %d\n%s", r.code, r.stdout)
	}
	want := []string{}
	for _, id := range victims[:5] {
		want = append(want, "task "+id+": the record does not decode")
	}
	want = append(want, "and 16 more") // 20 named and "and 1 more unreadable records"
	if strings.Join(c.Details, "\n") != strings.Join(want, "\n") || !strings.Contains(c.Summary, victims[0]) {
		t.Fatalf("history check:\n%s\n%q\nwant details\n%q", c.Summary, c.Details, want)
	}
}

package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// oracleElement is what the streaming writer must print for t: the array
// writeJSON prints for the one task's toJSON shape (encoding/json,
// indented), without its opening and closing lines.
func oracleElement(t *testing.T, tk *store.Task, now time.Time) string {
	t.Helper()
	shape := toJSONAt(tk, now)
	var b bytes.Buffer
	if err := writeJSON(&b, []taskJSON{shape}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, "[\n  ") || !strings.HasSuffix(s, "\n]\n") {
		t.Fatalf("writeJSON printed %q", s)
	}
	return s[len("[\n  ") : len(s)-len("\n]\n")]
}

// checkElements holds appendTaskElement to the oracle, task by task.
func checkElements(t *testing.T, all []store.Task, now time.Time) {
	t.Helper()
	for i := range all {
		tk := &all[i]
		want := oracleElement(t, tk, now)
		missing := tasks.MissingFiles(tk)
		got, err := appendTaskElement(nil, tk, now, func(p string) bool { return missing[p] })
		if err != nil {
			t.Fatalf("task %s: %v", tk.LocalID, err)
		}
		if string(got) != want {
			at := 0
			for at < min(len(got), len(want)) && got[at] == want[at] {
				at++
			}
			t.Fatalf("task %s differs at byte %d:\n got …%s\nwant …%s", tk.LocalID, at,
				got[max(at-80, 0):min(at+80, len(got))], want[max(at-80, 0):min(at+80, len(want))])
		}
	}
}

// The hand-written writer prints what encoding/json prints, byte for byte,
// over a seeded history (every kind and status the seeder makes).
func TestTaskElementMatchesEncodingJSONOnSeededHistory(t *testing.T) {
	st := seededStore(t, 1500)
	var all []store.Task
	if _, err := st.Walk(store.Query{}, func(b []store.Task) error { all = append(all, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	checkElements(t, all, now)
	checkElements(t, all, now.Add(30*24*time.Hour)) // links expired, other reasons not to extend
}

// … and over the demo's own history (its sample tasks and files).
func TestTaskElementMatchesEncodingJSONOnDemo(t *testing.T) {
	h := newDoctorHome(t)
	if r := h.run(t, "--demo", "list"); r.code != 0 {
		t.Fatalf("demo list: exit %d\n%s", r.code, r.stderr)
	}
	st, err := store.Open(filepath.Join(h.dir, "demo", "history.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var all []store.Task
	if _, err := st.Walk(store.Query{}, func(b []store.Task) error { all = append(all, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("the demo history is empty")
	}
	checkElements(t, all, time.Now())
}

// … and over tasks made to be awkward: escapes, HTML characters, invalid
// UTF-8, line separators, empty and absent fields, errors, charges, odd
// numbers, part files, files on disk, gone, doubled, linked and not
// regular.
func TestTaskElementMatchesEncodingJSONOnAwkwardTasks(t *testing.T) {
	dir := t.TempDir()
	onDisk := filepath.Join(dir, "here.mp4")
	if err := os.WriteFile(onDisk, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.mp4")
	if err := os.Symlink(onDisk, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.mp4")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder.mp4")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "gone.mp4")
	at := time.Date(2026, 5, 1, 10, 0, 0, 123456789, time.UTC)
	zone := time.FixedZone("", 5*3600+30*60)
	weird := "q\"\\/<>&\b\f\n\r\t\x00\x01\x1f\x7f é 日本 🎬 \u2028\u2029 \xff\xfe bad \xe2\x82"
	file := func(p string, part bool, d time.Duration, when time.Time) store.File {
		return store.File{Path: p, URL: "https://cdn.example/v.mp4?a=1&b=<2>", Size: 12345, SHA256: "ab" + weird,
			Duration: d, DownloadedAt: when, Part: part}
	}
	awkward := []store.Task{
		{}, // everything absent
		{LocalID: "l1", TaskID: "t1", Kind: store.KindGenerate, Status: store.StatusSucceeded, CreatedAt: at,
			Request:    store.Request{Prompt: weird, Model: "veo3_fast", Watermark: weird, CallbackURL: "https://x/?a&b"},
			ResultURLs: []string{"https://r/1?a=1&b=2", weird}, FullResultURLs: []string{}, Seeds: []int{-7},
			Files: []store.File{file(onDisk, false, 8*time.Second, at), file(gone, true, 1500*time.Millisecond, at.Add(time.Hour)),
				file(onDisk, false, 0, at.Add(2*time.Hour)), file(link, false, time.Nanosecond, at.In(zone)),
				file(dangling, false, time.Hour, at), file(folder, false, 0, at), file(gone, false, 0, at.Add(-time.Hour)),
				file("relative/../x.mp4", false, 0, at), file(dir+"//here.mp4", false, 0, at)},
			Events:      []store.Event{{At: at, Status: "running", Note: weird}, {At: at.In(zone), Status: "succeeded"}},
			SubmittedAt: at.Add(time.Second), CompletedAt: at.Add(time.Minute), CreditsBefore: 1e21, CreditsAfter: 1e-7,
			Charge: &store.Charge{State: store.ChargeMeasured, Credits: 0.1 + 0.2}},
		{LocalID: "l2", Kind: store.KindExtend, ParentID: "p<&>", Status: store.StatusFailed, CreatedAt: at.In(zone),
			Request: store.Request{Prompt: "", Seed: 42, UpscaleTo: "4k"},
			Error:   &store.TaskError{Code: 501, Kind: "service", Message: "bad \x1b[31mred\x1b[0m " + weird, Hint: weird},
			Charge:  &store.Charge{State: store.ChargeRefunded}, CreditsBefore: -3.5, CreditsAfter: 123456789.125},
		{LocalID: "l3", Kind: store.KindUpscale, Status: store.StatusRefused, CreatedAt: at,
			Error: &store.TaskError{Message: ""}, Request: store.Request{UpscaleTo: "1080p"}, CreditsBefore: 1e-6, CreditsAfter: 9.99e20},
		{LocalID: "l4", Kind: store.KindImport, Status: store.StatusUnknown, CreatedAt: at, Charge: &store.Charge{State: store.ChargePending}},
		{LocalID: "l5", Kind: store.KindGenerate, Status: store.StatusSubmitting, CreatedAt: at, Charge: &store.Charge{State: store.ChargeEstimate},
			Events: []store.Event{}, ResultURLs: []string{""}},
	}
	checkElements(t, awkward, at.Add(time.Hour))
	checkElements(t, awkward, time.Now())

	// Values encoding/json refuses are refused here too.
	for _, bad := range []store.Task{{CreditsBefore: math.NaN()}, {CreditsAfter: math.Inf(1)}, {CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		if _, err := appendTaskElement(nil, &bad, at, func(string) bool { return false }); err == nil {
			t.Fatalf("%+v: no error", bad)
		}
		if err := writeJSON(&bytes.Buffer{}, toJSONAt(&bad, at)); err == nil {
			t.Fatalf("%+v: encoding/json took it", bad)
		}
	}
}

// OnDisk, a folder listed once, says what asking per file says.
func TestOnDiskAgreesWithStat(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	here, sub := mk("a.mp4"), filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(here, filepath.Join(dir, "l.mp4")); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked") // may be entered, not listed
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	inLocked := filepath.Join(locked, "x.mp4")
	if err := os.WriteFile(inLocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0o300); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o700) })
	paths := []string{here, filepath.Join(dir, "l.mp4"), sub, filepath.Join(dir, "none.mp4"), inLocked,
		filepath.Join(locked, "y.mp4"), filepath.Join(here, "x.mp4"), filepath.Join(dir, "nodir", "x.mp4"),
		dir + "/sub/../a.mp4", "a.mp4", ""}
	var tk store.Task
	for _, p := range paths {
		tk.Files = append(tk.Files, store.File{Path: p})
	}
	want := tasks.MissingFiles(&tk)
	var d tasks.OnDisk
	for range 2 { // the second time from what it learned
		got := d.MissingFiles(&tk, nil)
		for _, p := range paths {
			if got[p] != want[p] {
				t.Errorf("%q: missing %v, asking per file says %v", p, got[p], want[p])
			}
		}
	}
	if want[here] || !want[sub] || !want[filepath.Join(dir, "none.mp4")] {
		t.Fatalf("the per-file answer itself is off: %v", want)
	}
}

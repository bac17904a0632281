package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// wantRow is the row List must give for the whole task w.
func wantRow(w *Task) Task {
	return Task{LocalID: w.LocalID, TaskID: w.TaskID, Kind: w.Kind, Status: w.Status,
		CreatedAt: w.CreatedAt, SubmittedAt: w.SubmittedAt, CompletedAt: w.CompletedAt,
		Request: Request{Prompt: w.Request.Prompt, Model: w.Request.Model, Duration: w.Request.Duration, UpscaleTo: w.Request.UpscaleTo},
		Row:     &RowFacts{Seed: seedOf(w), Length: wholeLength(w)}}
}

// listAll pages through the whole history as q asks.
func listAll(t *testing.T, s *Store, q Query) []Task {
	t.Helper()
	var all []Task
	for {
		page, next, err := s.List(q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		q.Cursor = next
	}
}

// oddTasks are tasks whose rows are hard to get right: case that does not
// lower in place, NULs, bytes that are not UTF-8, ids in capitals, files,
// parts, times, seeds in both places.
func oddTasks(s *Store, created time.Time, tag string) []*Task {
	mk := func(kind, status, prompt, id string, edit func(*Task)) *Task {
		if id != "" {
			id += tag
		}
		t := &Task{LocalID: s.NewLocalID(), Kind: kind, Status: status, TaskID: id, CreatedAt: created,
			Request: Request{Prompt: prompt, Model: "veo3_fast"}}
		created = created.Add(time.Minute)
		if edit != nil {
			edit(t)
		}
		return t
	}
	return []*Task{
		mk(KindGenerate, StatusSucceeded, "Éloïse's ÜBER Café ✓ at Dawn", "a921a2d9f8fd20c6880dea49e3dbf386", func(t *Task) {
			t.Request.Seed, t.Seeds = 71331, []int{24748}
			t.SubmittedAt, t.CompletedAt = t.CreatedAt.Add(1344*time.Millisecond), t.CreatedAt.Add(11*time.Minute)
			t.Files = []File{{Path: "/v/a.mp4", Duration: 8 * time.Second}}
		}),
		mk(KindGenerate, StatusFailed, "İstanbul at night, the KELVIN sign \u212a", "Task_ABC_Mixed", func(t *Task) {
			t.Request.Duration, t.Request.Model = 4, "veo3_lite"
			t.Seeds = []int{0, 5}
			t.Request.Seed = 9
		}),
		mk(KindExtend, StatusSucceeded, "a\x00B with a NUL", "EXT1", func(t *Task) {
			t.ParentID = "a921a2d9f8fd20c6880dea49e3dbf386"
			t.Files = []File{{Path: "/v/whole.mp4", Duration: 15*time.Second + 40*time.Millisecond}, {Path: "/v/part.mp4", Duration: 8 * time.Second, Part: true}}
		}),
		mk(KindGenerate, StatusRunning, "bad \xff Byte", "", func(t *Task) {
			t.SubmittedAt = t.CreatedAt.Add(2 * time.Second)
		}),
		mk(KindUpscale, StatusSucceeded, "", "UP4K", func(t *Task) { t.Request.UpscaleTo = "4k"; t.Request.Model = "" }),
		mk(KindImport, StatusSucceeded, "Imported, Model Unknown", "veo_task_demo_City", func(t *Task) { t.Request.Model = "" }),
		mk(KindGenerate, StatusRefused, strings.Repeat("Long PROMPT ", 200), "", nil),
	}
}

// List with Rows gives each task's row, whether its search entry lives
// in bSearch or in the pack, and follows the tasks as they change.
func TestListRowsAreTheTasksRows(t *testing.T) {
	t.Parallel()
	s := smallPackStore(t, 300)
	for i, tk := range append(oddTasks(s, epoch.Add(-30*24*time.Hour), "Old"), oddTasks(s, epoch.Add(30*24*time.Hour), "New")...) {
		if err := s.Put(tk); err != nil {
			t.Fatalf("odd task %d: %v", i, err)
		}
	}
	sameRows(t, s)
	whole := listAll(t, s, Query{Limit: 1000})
	for _, i := range []int{0, 3, len(whole) - 2} { // the newest, and two below the edge
		if _, err := s.Update(whole[i].LocalID, func(tk *Task) error {
			tk.Request.Prompt = "Renamed To MIXED case"
			tk.Files = append(tk.Files, File{Path: "/v/new.mp4", Duration: 22 * time.Second})
			tk.SetStatus(StatusSucceeded, tk.CreatedAt.Add(time.Hour), "")
			tk.CompletedAt = tk.CreatedAt.Add(time.Hour)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	sameRows(t, s)
}

// sameRows: every row List gives is the row of the whole task, and the
// history checks clean.
func sameRows(t *testing.T, s *Store) {
	t.Helper()
	mustCheck(t, s)
	whole := listAll(t, s, Query{Limit: 1000})
	rows := listAll(t, s, Query{Limit: 37, Rows: true})
	if len(rows) != len(whole) {
		t.Fatalf("%d rows, %d tasks", len(rows), len(whole))
	}
	for i := range whole {
		if want := wantRow(&whole[i]); !reflect.DeepEqual(rows[i], want) {
			t.Fatalf("row %d:\n got %+v %+v\nwant %+v %+v", i, rows[i], rows[i].Row, want, want.Row)
		}
	}
}

// A row holds only what the row shows: writing it back would lose the
// rest, so the store refuses it.
func TestARowIsNotWrittenBack(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	tk := oddTasks(s, epoch, "")[0]
	mustPut(t, s, tk)
	rows, _, err := s.List(Query{Rows: true})
	if err != nil || len(rows) != 1 || rows[0].Row == nil {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	if err := s.Put(&rows[0]); !errors.Is(err, errRowOnly) {
		t.Fatalf("Put of a row: %v", err)
	}
	got, err := s.Get(tk.LocalID)
	if err != nil || len(got.Files) != 1 || got.Request.Seed != 71331 {
		t.Fatalf("the task after: %+v, %v", got, err)
	}
}

// An entry that cannot give its row (no facts, as an older veox wrote
// it; its search entry gone; facts cut short; a time before 1970, which
// the key does not hold) gives the whole task instead.
func TestARowThatCannotBeMadeComesWhole(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ts := oddTasks(s, epoch, "")
	ts[3].CreatedAt = time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC) // filed under 0 in the time index
	ts[3].SubmittedAt = ts[3].CreatedAt.Add(time.Second)
	for _, tk := range ts {
		mustPut(t, s, tk)
	}
	err := s.update(func(tx *bolt.Tx) error {
		times := tx.Bucket([]byte(bTime))
		k0 := appendTimeKey(nil, ts[0])
		status, kind, _ := parseTimeValue(times.Get(k0))
		if err := times.Put(k0, append(append(append([]byte{}, status...), 0), kind...)); err != nil {
			return err
		}
		k1 := appendTimeKey(nil, ts[1])
		v1 := times.Get(k1)
		if err := times.Put(k1, append([]byte{}, v1[:len(v1)-2]...)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bTasks)).Put([]byte(ts[4].LocalID), []byte(`{"kind":`)); err != nil {
			return err
		}
		return tx.Bucket([]byte(bSearch)).Delete(appendTimeKey(nil, ts[2]))
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := listAll(t, s, Query{Rows: true})
	// A damaged record shows as its row (the indexes hold it), but it is
	// not read whole: a whole list leaves it out, Get says it is damaged.
	if len(rows) != len(ts) || rows[len(ts)-1-4].LocalID != ts[4].LocalID || rows[len(ts)-1-4].Row == nil {
		t.Fatalf("the damaged record's row is not listed: %d rows", len(rows))
	}
	if _, err := s.Get(ts[4].LocalID); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of the damaged record: %v", err)
	}
	rows = append(rows[:len(ts)-1-4], rows[len(ts)-4:]...)
	whole := listAll(t, s, Query{})
	for i := range rows {
		broken := rows[i].LocalID == ts[0].LocalID || rows[i].LocalID == ts[1].LocalID || rows[i].LocalID == ts[2].LocalID ||
			rows[i].LocalID == ts[3].LocalID
		switch {
		case broken && (rows[i].Row != nil || !reflect.DeepEqual(rows[i], whole[i])):
			t.Errorf("row %d (%s) is not its whole task: %+v", i, rows[i].LocalID, rows[i])
		case !broken && rows[i].Row == nil:
			t.Errorf("row %d came whole", i)
		}
	}
}

// The case patch gives back exactly what it was made from, or says it
// cannot; it never gives other text.
func FuzzCasePatch(f *testing.F) {
	for _, s := range []string{"", "A Fox", "ÉCOLE ✓", "İstanbul", "\u212a", "a\x00B", "bad \xff", "ǅ ǈ ǋ"} {
		f.Add(s, "ID_x")
	}
	f.Fuzz(func(t *testing.T, prompt, id string) {
		tk := &Task{Request: Request{Prompt: prompt}, TaskID: id}
		low := appendSearchValue(nil, tk)
		orig := prompt + "\x00" + id
		patch, ok := appendCasePatch(nil, orig, low)
		if !ok {
			if ascii(orig) {
				t.Fatalf("no patch for ASCII %q", orig) // the common case must not cost a copy
			}
			return
		}
		got, err := applyCasePatch(nil, low[:len(orig)], patch)
		if err != nil || string(got) != orig {
			t.Fatalf("patch of %q gives %q, %v", orig, got, err)
		}
	})
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// A status or kind this veox knows is one byte in the time index; any
// other is spelled out, even one that starts like a code.
func TestTimeValueNames(t *testing.T) {
	for _, c := range []struct{ status, kind string }{
		{StatusSucceeded, KindGenerate}, {StatusRefused, KindImport}, {"paused", "remix"}, {"", ""}, {"\x02x", "\x1fy"}, {"\x01", KindExtend},
	} {
		tk := &Task{Status: c.status, Kind: c.kind, LocalID: "l1"}
		v := appendTimeValue(nil, tk, appendSearchValue(nil, tk))
		status, kind, facts := parseTimeValue(v)
		if string(status) != c.status || string(kind) != c.kind || len(facts) == 0 {
			t.Errorf("%q %q read back as %q %q (facts %d bytes)", c.status, c.kind, status, kind, len(facts))
		}
	}
	if v := appendTimeValue(nil, &Task{Status: StatusRunning, Kind: KindExtend}, []byte("\x00")); v[0] != 2 || v[1] != 2 {
		t.Errorf("known names take %q", v[:2])
	}
}

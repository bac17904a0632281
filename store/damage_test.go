package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// smallHistory writes a history of n tasks (every status, unknown and
// submitting creates among them, some changed after creation so older
// copies sit in freed pages, a few prompts) and returns its path and tasks.
func smallHistory(t testing.TB, n int) (string, []*Task) {
	t.Helper()
	s, path := openTemp(t)
	statuses := []string{StatusSucceeded, StatusFailed, StatusRunning, StatusUnknown, StatusSubmitting, StatusSucceeded}
	var tasks []*Task
	for i := range n {
		task := newTask(s, fmt.Sprintf("A lighthouse keeper number %d walks the cliffs at dusk, slow aerial orbit", i), epoch.Add(time.Duration(i)*time.Minute))
		task.Status = statuses[i%len(statuses)]
		if task.Status != StatusUnknown && task.Status != StatusSubmitting {
			task.TaskID = fmt.Sprintf("%032x", i+1)
		}
		mustPut(t, s, task)
		tasks = append(tasks, task)
	}
	for i := 0; i < n; i += 7 { // later changes: the first versions become free pages
		task, err := s.Update(tasks[i].LocalID, func(t *Task) error { t.Seeds = []int{10000 + i}; return nil })
		if err != nil {
			t.Fatal(err)
		}
		tasks[i] = task
	}
	for _, p := range []string{"first prompt", "second prompt"} {
		if err := s.PutPrompt(p); err != nil {
			t.Fatal(err)
		}
	}
	return path, tasks
}

// liveRecordPages maps each local id to the page its live record is on.
func liveRecordPages(t testing.TB, data []byte) map[string]uint64 {
	t.Helper()
	where := map[string]uint64{}
	report, _ := verifyReader(bytes.NewReader(data), int64(len(data)), func(page uint64, elems []leafElem) {
		for _, e := range elems {
			if isLocalID(e.key) {
				where[string(e.key)+fmt.Sprint("@", page)] = page
			}
		}
	}, false)
	if err := report.err(); err != nil {
		t.Fatal(err)
	}
	live := map[string]uint64{}
	for _, page := range report.leaves[bTasks] {
		for k, p := range where {
			if p == page {
				live[k[:18]] = p
			}
		}
	}
	return live
}

// useDamaged opens a damaged file and does what commands do with it. It
// may fail with any error; it must not crash or hang.
func useDamaged(t testing.TB, path string) error {
	s, err := Open(path, Options{NoSync: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooNew) {
			return fmt.Errorf("a damaged file gave a non-damage error: %w", err)
		}
		return err
	}
	defer s.Close()
	page, _, _ := s.List(Query{Limit: 1000})
	_, _ = s.Active()
	_, _ = s.Search(context.Background(), "lighthouse", 10)
	_, _, _ = s.Count()
	_ = s.Check()
	for _, task := range page {
		_, _ = s.Get(task.LocalID)
		_, _ = s.Chain(task.LocalID)
	}
	if len(page) > 0 {
		_, _ = s.Update(page[0].LocalID, func(t *Task) error { t.Seeds = append(t.Seeds, 1); return nil })
	}
	_ = s.Put(newTask(s, "after the damage", epoch))
	_, _ = s.RecentPrompts(0)
	return nil
}

// repairCopy repairs a copy of a damaged file and checks that the history
// it leaves opens clean.
func repairCopy(t testing.TB, damaged []byte) *Salvage {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := repair(path, epoch, false) // durability is not what these tests test
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if kept, _ := os.ReadFile(res.MovedTo); !bytes.Equal(kept, damaged) {
		t.Fatal("the damaged file was not kept as it was")
	}
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("the repaired history does not open: %v", err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("the repaired history does not check clean: %v", err)
	}
	if total, _, _ := s.Count(); total != res.Tasks {
		t.Fatalf("repaired history holds %d tasks, the report says %d", total, res.Tasks)
	}
	return res
}

// The history cut at every page boundary (what a full disk or an
// interrupted copy leaves): no crash; what is left is saved, unknown
// creates first in the report.
func TestTruncatedAtEveryPageBoundary(t *testing.T) {
	t.Parallel()
	path, tasks := smallHistory(t, 60)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	live := liveRecordPages(t, whole)
	m, err := readMeta(bytes.NewReader(whole), int64(len(whole)))
	if err != nil {
		t.Fatal(err)
	}
	ps := m.pageSize
	// Past the pages in use the file is room to grow: one cut there stands
	// for all of them.
	cuts := int(m.hwm) + 1
	figures := make([]string, cuts)
	t.Run("cuts", func(t *testing.T) {
		for i := range cuts {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				cut := min(i*ps, len(whole))
				damaged := whole[:cut]
				file := filepath.Join(t.TempDir(), "history.db")
				if err := os.WriteFile(file, damaged, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := useDamaged(t, file); err != nil && !errors.Is(err, ErrCorrupt) {
					t.Fatalf("cut at %d: %v", cut, err)
				}
				res := repairCopy(t, damaged)
				intact := 0
				for _, task := range tasks {
					if page, ok := live[task.LocalID]; ok && int(page+1)*ps <= cut {
						intact++
					}
				}
				if res.Tasks < intact {
					t.Fatalf("cut at %d: saved %d tasks, but %d live records lay before the cut", cut, res.Tasks, intact)
				}
				for _, u := range res.Unknown {
					if u.Status != StatusUnknown && u.Status != StatusSubmitting {
						t.Fatalf("cut at %d: %s listed as unknown", cut, u.Status)
					}
				}
				figures[i] = fmt.Sprintf("%dK:%d", cut/1024, res.Tasks)
			})
		}
	})
	t.Logf("tasks saved of %d, by cut point: %v", len(tasks), figures)
}

// One record that no longer decodes (a flipped byte in its JSON) does not
// keep the history from opening: the others list, it is reported, and the
// repair saves everything else — it too, from an older copy, if one is left.
func TestOneDamagedRecord(t *testing.T) {
	t.Parallel()
	path, tasks := smallHistory(t, 60)
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// The last write of the file: the page of its previous version is
	// freed, not yet reused, so an older copy is there to be found.
	victim, err := s.Update(tasks[59].LocalID, func(t *Task) error { t.Seeds = []int{4242}; return nil })
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(path)
	prompt := []byte(victim.Request.Prompt + `"`)
	copies := bytes.Count(whole, prompt) // the live record and older copies in freed pages
	live := liveRecordPages(t, whole)[victim.LocalID]
	at := int(live)*4096 + bytes.Index(whole[live*4096:(live+1)*4096], prompt)
	damaged := bytes.Clone(whole)
	damaged[at+len(prompt)-1] = 'x' // the prompt's closing quote: the JSON no longer ends
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("one damaged record kept the history from opening: %v", err)
	}
	page, _, err := s.List(Query{Limit: 100})
	if err != nil || len(page) != len(tasks)-1 || slices.ContainsFunc(page, func(t Task) bool { return t.LocalID == victim.LocalID }) {
		t.Fatalf("list beside a damaged record: %d tasks, %v", len(page), err)
	}
	if _, err := s.Get(victim.LocalID); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of the damaged record: %v", err)
	}
	if err := s.Check(); !errors.Is(err, ErrCorrupt) || !bytes.Contains([]byte(err.Error()), []byte(victim.LocalID)) {
		t.Fatalf("Check does not name the damaged record: %v", err)
	}
	res := repairCopy(t, damaged)
	if copies < 2 {
		t.Fatal("no older copy of the record is left in the file")
	}
	if res.Tasks != len(tasks) || res.Older != 1 || len(res.Unreadable) != 0 {
		t.Fatalf("repair: %d saved (%d older), unreadable %v; want all %d, the damaged one from its older copy", res.Tasks, res.Older, res.Unreadable, len(tasks))
	}

	// Without an older copy the record is named as unreadable; every other
	// record is saved.
	onlyCopy := bytes.ReplaceAll(damaged, prompt, []byte(strings.Repeat("#", len(prompt))))
	res = repairCopy(t, onlyCopy)
	if res.Tasks != len(tasks)-1 || !slices.Equal(res.Unreadable, []string{victim.LocalID}) {
		t.Fatalf("repair: %d saved, unreadable %v; want the %d others and the damaged one named", res.Tasks, res.Unreadable, len(tasks)-1)
	}
}

// A page of task records overwritten with garbage: the history refuses to
// open (bbolt would follow garbage), nothing crashes, and the repair saves
// every record on other pages and what older copies hold of the rest.
func TestDamagedPage(t *testing.T) {
	t.Parallel()
	path, tasks := smallHistory(t, 60)
	whole, _ := os.ReadFile(path)
	live := liveRecordPages(t, whole)
	page := live[tasks[30].LocalID]
	onPage := 0
	for _, p := range live {
		if p == page {
			onPage++
		}
	}
	damaged := bytes.Clone(whole)
	copy(damaged[page*4096:(page+1)*4096], pseudoRandom(4096))
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := useDamaged(t, path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of a history with a garbage page: %v", err)
	}
	res := repairCopy(t, damaged)
	if res.Tasks < len(tasks)-onPage {
		t.Fatalf("saved %d of %d; only the %d on the damaged page may be missing", res.Tasks, len(tasks), onPage)
	}
	t.Logf("garbage page with %d records: saved %d of %d (%d from older copies), %d unknown creates listed",
		onPage, res.Tasks, len(tasks), res.Older, len(res.Unknown))
}

// FuzzOpenDamaged opens and repairs arbitrary bytes as a history: it
// must never crash or hang, whatever the file holds.
func FuzzOpenDamaged(f *testing.F) {
	path, _ := smallHistory(f, 12)
	whole, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	m, err := readMeta(bytes.NewReader(whole), int64(len(whole)))
	if err != nil {
		f.Fatal(err)
	}
	used := whole[:m.hwm*uint64(m.pageSize)] // the room to grow past it only slows the fuzzer
	f.Add(used)
	f.Add(used[:len(used)/2])
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure too: say where, with every goroutine.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(time.Minute):
				debug.SetTraceback("all")
				panic("this input makes veox hang")
			}
		}()
		file := filepath.Join(t.TempDir(), "history.db")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_ = useDamaged(t, file)
		if _, err := repair(file, epoch, false); err == nil {
			if err := useDamaged(t, file); err != nil {
				t.Fatalf("the repaired history does not open: %v", err)
			}
		}
	})
}

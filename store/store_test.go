package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fakeClock advances a millisecond per reading so every write gets a
// distinct, predictable time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "veox", "history.db")
	clock := &fakeClock{t: epoch}
	s, err := Open(path, Options{Now: clock.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// newTask makes an intent as the submit flow writes it: no service id yet.
func newTask(s *Store, prompt string, created time.Time) *Task {
	t := &Task{LocalID: s.NewLocalID(), Kind: KindGenerate, Request: Request{Prompt: prompt}, CreatedAt: created}
	t.SetStatus(StatusSubmitting, created, "")
	return t
}

func mustPut(t testing.TB, s *Store, task *Task) {
	t.Helper()
	if err := s.Put(task); err != nil {
		t.Fatal(err)
	}
}

func mustCheck(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func accept(id string) func(*Task) error {
	return func(t *Task) error {
		t.TaskID = id
		t.SetStatus(StatusRunning, epoch.Add(time.Minute), "")
		return nil
	}
}

func TestPutGetUpdateByBothIDs(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	task := newTask(s, "A fox in the snow", epoch)
	mustPut(t, s, task)

	got, err := s.Get(task.LocalID)
	if err != nil || got.Request.Prompt != "A fox in the snow" || got.Status != StatusSubmitting {
		t.Fatalf("Get by local id = %+v, %v", got, err)
	}
	if got.UpdatedAt.IsZero() {
		t.Error("Put left UpdatedAt zero")
	}
	if _, err := s.Get("c2ac913cc2618ee809dd315065c48c5a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an unknown id: %v, want ErrNotFound", err)
	}

	stored, err := s.Update(task.LocalID, accept("c2ac913cc2618ee809dd315065c48c5a"))
	if err != nil || stored.TaskID != "c2ac913cc2618ee809dd315065c48c5a" {
		t.Fatalf("Update = %+v, %v", stored, err)
	}
	byTaskID, err := s.Get("c2ac913cc2618ee809dd315065c48c5a")
	if err != nil || byTaskID.LocalID != task.LocalID || byTaskID.Status != StatusRunning {
		t.Fatalf("Get by task id = %+v, %v", byTaskID, err)
	}
	stored, err = s.Update("c2ac913cc2618ee809dd315065c48c5a", func(t *Task) error {
		t.ResultURLs = []string{"https://r.example/a.mp4"}
		return nil
	})
	if err != nil || len(stored.ResultURLs) != 1 || stored.UpdatedAt.Equal(byTaskID.UpdatedAt) {
		t.Fatalf("Update by task id = %+v, %v (UpdatedAt must move)", stored, err)
	}
	mustCheck(t, s)
}

func TestUpdateErrorsWriteNothing(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	task := newTask(s, "unchanged", epoch)
	mustPut(t, s, task)
	boom := errors.New("boom")
	_, err := s.Update(task.LocalID, func(t *Task) error {
		t.Request.Prompt = "changed"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update err = %v, want fn's error", err)
	}
	if _, err := s.Update(task.LocalID, func(t *Task) error { t.LocalID = "lother"; return nil }); err == nil {
		t.Fatal("Update let fn change the LocalID")
	}
	if _, err := s.Update("nope", func(*Task) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update of a missing task: %v", err)
	}
	got, _ := s.Get(task.LocalID)
	if got.Request.Prompt != "unchanged" {
		t.Fatalf("prompt = %q after aborted updates", got.Request.Prompt)
	}
}

func TestIndexesFollowChanges(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	task := newTask(s, "Lighthouse at dawn", epoch)
	mustPut(t, s, task)
	assertActive(t, s, task.LocalID)

	// The service id arrives: Get finds it, the task is still active.
	if _, err := s.Update(task.LocalID, accept("id-one")); err != nil {
		t.Fatal(err)
	}
	assertActive(t, s, task.LocalID)
	mustCheck(t, s)

	// A corrected service id replaces the old one in the index.
	if _, err := s.Update(task.LocalID, func(t *Task) error { t.TaskID = "id-two"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("id-one"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old task id still resolves: %v", err)
	}
	if got, err := s.Get("id-two"); err != nil || got.LocalID != task.LocalID {
		t.Fatalf("new task id: %+v %v", got, err)
	}

	// Success leaves the active set; a new CreatedAt moves the time entry.
	if _, err := s.Update("id-two", func(t *Task) error {
		t.SetStatus(StatusSucceeded, epoch.Add(time.Hour), "")
		t.CreatedAt = epoch.Add(-24 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	assertActive(t, s)
	mustCheck(t, s)
	page, _, err := s.List(Query{Statuses: []string{StatusSucceeded}})
	if err != nil || len(page) != 1 || !page[0].CreatedAt.Equal(epoch.Add(-24*time.Hour)) {
		t.Fatalf("List after changes = %+v, %v", page, err)
	}
	if page, _, _ := s.List(Query{Statuses: []string{StatusRunning}}); len(page) != 0 {
		t.Fatalf("stale running entry listed: %+v", page)
	}
	if hits, _ := s.Search(context.Background(), "id-one", 10); len(hits) != 0 {
		t.Fatalf("search still finds the old task id")
	}
}

func assertActive(t *testing.T, s *Store, want ...string) {
	t.Helper()
	active, err := s.Active()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range active {
		got = append(got, a.LocalID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Active = %v, want %v", got, want)
	}
}

func TestDuplicateTaskIDRefused(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	a, b := newTask(s, "a", epoch), newTask(s, "b", epoch)
	a.TaskID, b.TaskID = "same", "same"
	mustPut(t, s, a)
	if err := s.Put(b); !errors.Is(err, ErrDuplicateTaskID) {
		t.Fatalf("second Put with the same task id: %v", err)
	}
	if got, _ := s.Get("same"); got.LocalID != a.LocalID {
		t.Fatal("task id now points at the wrong entry")
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	statuses := []string{StatusSucceeded, StatusFailed, StatusRunning, StatusSucceeded, StatusUnknown}
	kinds := []string{KindGenerate, KindExtend, KindUpscale}
	var all []*Task
	for i := range 1000 {
		task := newTask(s, fmt.Sprintf("prompt %d", i), epoch.Add(time.Duration(i%500)*time.Second)) // ties on CreatedAt
		task.Status, task.Kind = statuses[i%len(statuses)], kinds[i%len(kinds)]
		task.TaskID = fmt.Sprintf("t%04d", i)
		all = append(all, task)
	}
	// Insert in a scrambled order: the index, not insertion, decides order.
	// One transaction (Put's own write path) keeps 1,000 inserts quick.
	err := s.update(func(tx *bolt.Tx) error {
		for i := range all {
			if err := writeTx(tx, nil, all[(i*7)%len(all)]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b *Task) int { // newest first, ties by local id descending
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.LocalID, a.LocalID)
	})
	for _, q := range []Query{
		{Limit: 37},
		{Limit: 1000},
		{},
		{Statuses: []string{StatusSucceeded}, Limit: 41},
		{Statuses: []string{StatusRunning, StatusUnknown}, Kinds: []string{KindExtend}, Limit: 9},
		{Statuses: []string{"no-such-status"}},
	} {
		var want []string
		for _, task := range all {
			if matchesQuery(q, task) {
				want = append(want, task.LocalID)
			}
		}
		got := pageAll(t, s, q)
		if !slices.Equal(got, want) {
			t.Fatalf("query %+v: got %d ids, want %d (first diff at %d)", q, len(got), len(want), firstDiff(got, want))
		}
	}
}

func matchesQuery(q Query, t *Task) bool {
	return (len(q.Statuses) == 0 || slices.Contains(q.Statuses, t.Status)) &&
		(len(q.Kinds) == 0 || slices.Contains(q.Kinds, t.Kind))
}

func pageAll(t *testing.T, s *Store, q Query) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		tasks, next, err := s.List(q)
		if err != nil {
			t.Fatal(err)
		}
		limit := q.Limit
		if limit == 0 {
			limit = defaultLimit
		}
		if len(tasks) > limit || (next != "" && len(tasks) != limit) {
			t.Fatalf("page of %d with limit %d, next %q", len(tasks), limit, next)
		}
		for _, task := range tasks {
			ids = append(ids, task.LocalID)
		}
		if next == "" {
			return ids
		}
		q.Cursor = next
		if pages > 2000 {
			t.Fatal("paging does not end")
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestListCursorSurvivesDeletion(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	var tasks []*Task
	for i := range 5 {
		task := newTask(s, "p", epoch.Add(time.Duration(i)*time.Second))
		mustPut(t, s, task)
		tasks = append(tasks, task)
	}
	page, next, err := s.List(Query{Limit: 2}) // tasks 4, 3
	if err != nil || len(page) != 2 || next == "" {
		t.Fatal(page, next, err)
	}
	if err := s.Delete(tasks[3].LocalID); err != nil { // the cursor's own entry
		t.Fatal(err)
	}
	page, _, err = s.List(Query{Limit: 2, Cursor: next})
	if err != nil || len(page) != 2 || page[0].LocalID != tasks[2].LocalID || page[1].LocalID != tasks[1].LocalID {
		t.Fatalf("page after deleting the cursor entry: %+v %v", page, err)
	}
	if _, _, err := s.List(Query{Cursor: "!!"}); err == nil {
		t.Fatal("garbage cursor accepted")
	}
}

func TestActiveOnlyInFlight(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	var want []string
	for i, status := range []string{StatusSubmitting, StatusRunning, StatusSucceeded, StatusFailed, StatusUnknown} {
		task := newTask(s, status, epoch.Add(time.Duration(10-i)*time.Minute))
		task.Status = status
		mustPut(t, s, task)
		if isActive(status) {
			want = append([]string{task.LocalID}, want...) // older CreatedAt first
		}
	}
	assertActive(t, s, want...)
}

func TestChildrenAndChain(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	put := func(taskID, parent string, minute int) *Task {
		task := newTask(s, "clip "+taskID, epoch.Add(time.Duration(minute)*time.Minute))
		task.TaskID, task.ParentID, task.Status = taskID, parent, StatusSucceeded
		if parent != "" {
			task.Kind = KindExtend
		}
		mustPut(t, s, task)
		return task
	}
	root := put("root", "", 0)
	ext2 := put("ext2", "root", 5) // written first but created later
	ext1 := put("ext1", "root", 2)
	deep := put("deep", "ext1", 9)
	put("other", "", 1)

	kids, err := s.Children("root")
	if err != nil || len(kids) != 2 || kids[0].LocalID != ext1.LocalID || kids[1].LocalID != ext2.LocalID {
		t.Fatalf("Children(root) = %v, %v", ids(kids), err)
	}
	if kids, _ := s.Children("roo"); len(kids) != 0 {
		t.Fatal("Children matched a prefix of another task id")
	}
	chain, err := s.Chain(deep.LocalID)
	if err != nil || !slices.Equal(ids(chain), []string{root.LocalID, ext1.LocalID, deep.LocalID}) {
		t.Fatalf("Chain(deep) = %v, %v", ids(chain), err)
	}
	if chain, _ := s.Chain("root"); len(chain) != 1 {
		t.Fatalf("Chain of a root = %v", ids(chain))
	}

	// A parent made elsewhere ends the chain; a cycle does not loop forever.
	orphan := put("orphan", "made-in-another-tool", 20)
	if chain, _ := s.Chain(orphan.TaskID); len(chain) != 1 {
		t.Fatalf("Chain(orphan) = %v", ids(chain))
	}
	if _, err := s.Update("root", func(t *Task) error { t.ParentID = "deep"; return nil }); err != nil {
		t.Fatal(err)
	}
	chain, err = s.Chain("deep")
	if err != nil || len(chain) != 3 || chain[2].LocalID != deep.LocalID {
		t.Fatalf("Chain with a cycle = %v, %v", ids(chain), err)
	}
	if _, err := s.Chain("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Chain(missing) err = %v", err)
	}
}

func ids(tasks []Task) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.LocalID)
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	fox := newTask(s, "A Red FOX jumps", epoch)
	fox.TaskID = "C2AC913cc2618ee809dd315065c48c5a"
	mustPut(t, s, fox)
	marked := newTask(s, "A quiet harbour", epoch.Add(time.Second))
	marked.Request.Watermark = "Kestrel Films"
	mustPut(t, s, marked)
	for i := range 30 {
		mustPut(t, s, newTask(s, fmt.Sprintf("foxes number %d", i), epoch.Add(time.Duration(i+2)*time.Second)))
	}

	if hits, _ := s.Search(ctx, "red fox", 10); len(hits) != 1 || hits[0].LocalID != fox.LocalID {
		t.Fatalf("case-insensitive prompt search: %v", ids(hits))
	}
	if hits, _ := s.Search(ctx, "c2ac913", 10); len(hits) != 1 {
		t.Fatal("search by task id prefix (any case) failed")
	}
	if hits, _ := s.Search(ctx, strings.ToUpper(marked.LocalID), 10); len(hits) != 1 || hits[0].LocalID != marked.LocalID {
		t.Fatal("search by local id failed")
	}
	if hits, _ := s.Search(ctx, "kestrel", 10); len(hits) != 1 || hits[0].LocalID != marked.LocalID {
		t.Fatal("search by watermark failed")
	}
	hits, err := s.Search(ctx, "FOX", 5)
	if err != nil || len(hits) != 5 || hits[0].Request.Prompt != "foxes number 29" {
		t.Fatalf("limit/newest first: %d hits, first %q, %v", len(hits), hits[0].Request.Prompt, err)
	}
	if hits, _ := s.Search(ctx, "jumps\x00c2ac", 10); len(hits) != 0 {
		t.Fatal("a query matched across two fields")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Search(cancelled, "fox", 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled search err = %v", err)
	}
}

func TestSearchStopsOnCancelMidScan(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := SeedHistory(s, 3000, epoch); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel while scanning: the hook runs between ctx checks via a context
	// whose Err flips after the first check.
	flip := &flipCtx{Context: ctx, cancel: cancel}
	if _, err := s.Search(flip, "zzz-no-match", 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("search over 3000 entries ignored a cancel: %v", err)
	}
}

// flipCtx reports no error on its first Err call (Search's entry check)
// and cancels right after, as a user typing on would.
type flipCtx struct {
	context.Context
	cancel context.CancelFunc
	calls  int
}

func (c *flipCtx) Err() error {
	c.calls++
	if c.calls == 1 {
		return nil
	}
	c.cancel()
	return c.Context.Err()
}

func TestCountsAndDelete(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	a, b, c := newTask(s, "a", epoch), newTask(s, "b", epoch), newTask(s, "c", epoch)
	c.TaskID, c.ParentID = "ctask", "parent"
	for _, task := range []*Task{a, b, c} {
		mustPut(t, s, task)
	}
	if _, err := s.Update(a.LocalID, accept("atask")); err != nil {
		t.Fatal(err)
	}
	assertCounts(t, s, 3, map[string]int{StatusSubmitting: 2, StatusRunning: 1})

	mustPut(t, s, b) // replacing with the same status changes nothing
	assertCounts(t, s, 3, map[string]int{StatusSubmitting: 2, StatusRunning: 1})

	if err := s.Delete("ctask"); err != nil {
		t.Fatal(err)
	}
	assertCounts(t, s, 2, map[string]int{StatusSubmitting: 1, StatusRunning: 1})
	if _, err := s.Get("ctask"); !errors.Is(err, ErrNotFound) {
		t.Fatal("deleted task still found by task id")
	}
	if kids, _ := s.Children("parent"); len(kids) != 0 {
		t.Fatal("deleted task still a child")
	}
	if page, _, _ := s.List(Query{}); len(page) != 2 {
		t.Fatalf("List after delete: %d tasks", len(page))
	}
	if hits, _ := s.Search(context.Background(), "c", 10); slices.Contains(ids(hits), c.LocalID) {
		t.Fatal("deleted task still searchable")
	}
	assertActive(t, s, a.LocalID, b.LocalID)
	if err := s.Delete(c.LocalID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	mustCheck(t, s)
}

func assertCounts(t *testing.T, s *Store, total int, by map[string]int) {
	t.Helper()
	gotTotal, gotBy, err := s.Count()
	if err != nil || gotTotal != total || !reflect.DeepEqual(gotBy, by) {
		t.Fatalf("Count = %d %v %v, want %d %v", gotTotal, gotBy, err, total, by)
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "veox")
	path := filepath.Join(dir, "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o700)

	// A file someone loosened is tightened again on the next open.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	assertMode(t, path, 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s mode %o, want %o", path, got, want)
	}
}

// Two veox on one history both read and write it, and each sees the
// other's changes at once: nothing is held between units of work.
func TestTwoStoresShareOneHistoryWithFullRights(t *testing.T) {
	t.Parallel()
	a, path := openTemp(t)
	b, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("second Open beside a first: %v", err)
	}
	defer b.Close()
	if a.ReadOnly() || b.ReadOnly() {
		t.Fatal("a second veox was made read-only")
	}
	fromA := newTask(a, "written by a", epoch)
	mustPut(t, a, fromA)
	if got, err := b.Get(fromA.LocalID); err != nil || got.Request.Prompt != "written by a" {
		t.Fatalf("b does not see a's write: %v", err)
	}
	if _, err := b.Update(fromA.LocalID, accept("svc-a")); err != nil {
		t.Fatalf("b cannot change a's task: %v", err)
	}
	if got, _ := a.Get("svc-a"); got == nil || got.Status != StatusRunning {
		t.Fatal("a does not see b's change")
	}
	mustCheck(t, a)
}

// A unit of work waits for another veox's, at most Options.Timeout, and
// then says so without having changed anything.
func TestWriteWaitsAtMostTheTimeout(t *testing.T) {
	t.Parallel()
	_, path := openTemp(t)
	s, err := Open(path, Options{Timeout: 200 * time.Millisecond, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	task := newTask(s, "p", epoch)
	mustPut(t, s, task)
	// Another process's long transaction: bbolt's own exclusive lock.
	held, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{Timeout: 150 * time.Millisecond, NoSync: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while another process held the file: %v, want ErrLocked", err)
	}
	start := time.Now()
	_, err = s.Update(task.LocalID, accept("x"))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "try again") {
		t.Fatalf("write while another holds the file: %v, want ErrLocked saying try again", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("write waited %v with a 200ms timeout", d)
	}
	if _, err := s.Get(task.LocalID); !errors.Is(err, ErrLocked) {
		t.Fatalf("read beside an exclusive holder: %v", err)
	}
	held.Close()
	if got, err := s.Get(task.LocalID); err != nil || got.Status != StatusSubmitting {
		t.Fatalf("after the holder left: %+v %v (the refused write must have changed nothing)", got, err)
	}
}

// A unit of work queued behind another one in the same process starts as
// soon as it ends, not at a poll interval.
func TestConcurrentWritersInOneProcess(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				mustPut(t, s, newTask(s, fmt.Sprint(w, "-", i), epoch))
			}
		})
	}
	wg.Wait()
	if total, _, _ := s.Count(); total != 80 {
		t.Fatalf("total %d, want 80", total)
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	task := newTask(s, "kept", epoch)
	mustPut(t, s, task)
	if err := s.PutPrompt("kept"); err != nil {
		t.Fatal(err)
	}

	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	if !r1.ReadOnly() || r1.ReadOnlyReason() == "" {
		t.Fatal("want a read-only store that says why")
	}
	if got, err := r1.Get(task.LocalID); err != nil || got.Request.Prompt != "kept" {
		t.Fatalf("read-only Get: %v", err)
	}
	writes := map[string]error{
		"Put":       r1.Put(newTask(r1, "x", epoch)),
		"Delete":    r1.Delete(task.LocalID),
		"PutPrompt": r1.PutPrompt("x"),
		"Reindex":   r1.Reindex(),
		"Seed":      SeedHistory(r1, 1, epoch),
	}
	_, writes["Update"] = r1.Update(task.LocalID, func(*Task) error { return nil })
	for name, err := range writes {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a read-only store: %v", name, err)
		}
	}
	mustCheck(t, r1)
	// The writer keeps writing beside a read-only reader, which sees it.
	later := newTask(s, "later", epoch)
	mustPut(t, s, later)
	if _, err := r1.Get(later.LocalID); err != nil {
		t.Fatalf("read-only store does not see the writer's task: %v", err)
	}
}

// A history the user may not write (read-only media, a backup mounted
// read-only) opens read-only by itself, and says why.
func TestUnwritableFileOpensReadOnly(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root writes any file; read-only media cannot be simulated")
	}
	s, path := openTemp(t)
	mustPut(t, s, newTask(s, "kept", epoch))
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ReadOnly() || !strings.Contains(r.ReadOnlyReason(), "cannot be written") {
		t.Fatalf("ReadOnly %v (%q)", r.ReadOnly(), r.ReadOnlyReason())
	}
	if page, _, err := r.List(Query{}); err != nil || len(page) != 1 {
		t.Fatalf("List on read-only media: %d, %v", len(page), err)
	}
}

func TestGarbageFileIsCorrupt(t *testing.T) {
	t.Parallel()
	for name, content := range map[string][]byte{
		"text":   []byte("this is not a database\n"),
		"zeroes": make([]byte, 64*1024),
		"random": pseudoRandom(64 * 1024),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, Options{})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "veox doctor") {
				t.Fatalf("Open(garbage) = %v, want ErrCorrupt mentioning veox doctor", err)
			}
		})
	}
}

func pseudoRandom(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestForeignBoltFileIsCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(foreign bbolt file) = %v, want ErrCorrupt", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	_ = s.update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket([]byte(bMeta)), metaVersion, currentSchema+1) })
	s.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrTooNew) {
		t.Fatalf("Open(newer schema) = %v, want ErrTooNew", err)
	}
}

func TestMigrateFromV0(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	// A v0 file: tasks only, no meta, no indexes.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []Task{
		{LocalID: "l0000000000001aaaa", TaskID: "root", Kind: KindGenerate, Status: StatusSucceeded, CreatedAt: epoch, Request: Request{Prompt: "Old Root"}},
		{LocalID: "l0000000000002aaaa", TaskID: "ext", Kind: KindExtend, ParentID: "root", Status: StatusSucceeded, CreatedAt: epoch.Add(time.Minute)},
		{LocalID: "l0000000000003aaaa", Kind: KindGenerate, Status: StatusUnknown, CreatedAt: epoch.Add(2 * time.Minute)},
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bTasks))
		if err != nil {
			return err
		}
		for _, task := range old {
			if err := putJSON(b, task.LocalID, task); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); v != currentSchema || err != nil {
		t.Fatalf("schema after migration = %d, %v", v, err)
	}
	assertMode(t, path+".bak-v0", 0o600)
	mustCheck(t, s)
	assertCounts(t, s, 3, map[string]int{StatusSucceeded: 2, StatusUnknown: 1})
	if page, _, _ := s.List(Query{}); len(page) != 3 || page[0].LocalID != old[2].LocalID {
		t.Fatalf("List after migration = %v", ids(page))
	}
	if chain, _ := s.Chain("ext"); len(chain) != 2 {
		t.Fatalf("Chain after migration = %v", ids(chain))
	}
	if hits, _ := s.Search(context.Background(), "old root", 5); len(hits) != 1 {
		t.Fatal("search after migration")
	}
	assertActive(t, s, old[2].LocalID)

	// The backup is the untouched v0 file.
	bak, err := bolt.Open(path+".bak-v0", 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bak.Close()
	_ = bak.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bMeta)) != nil || tx.Bucket([]byte(bTasks)).Stats().KeyN != 3 {
			t.Error("backup is not the v0 file")
		}
		return nil
	})
}

func TestReindexRepairs(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := SeedHistory(s, 200, epoch); err != nil {
		t.Fatal(err)
	}
	_ = s.update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bSearch)).Delete(firstKey(tx, bSearch)) })
	if err := s.Check(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check missed a missing search entry: %v", err)
	}
	if err := s.Reindex(); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}

func firstKey(tx *bolt.Tx, bucket string) []byte {
	k, _ := tx.Bucket([]byte(bucket)).Cursor().First()
	return slices.Clone(k)
}

func TestRecentPrompts(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	for _, p := range []string{"one", "two", "  one  ", "", "three"} {
		if err := s.PutPrompt(p); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.RecentPrompts(10); !slices.Equal(got, []string{"three", "one", "two"}) {
		t.Fatalf("RecentPrompts = %q", got)
	}
	if got, _ := s.RecentPrompts(2); len(got) != 2 {
		t.Fatalf("RecentPrompts(2) = %q", got)
	}
	for i := range 250 {
		if err := s.PutPrompt(fmt.Sprintf("p%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.RecentPrompts(0)
	if len(got) != maxPrompts || got[0] != "p249" || got[maxPrompts-1] != "p50" {
		t.Fatalf("kept %d prompts, newest %q oldest %q", len(got), got[0], got[len(got)-1])
	}
}

func TestNewLocalIDUniqueAndOrdered(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	s.now = func() time.Time { return epoch } // a stalled clock
	prev := ""
	for range 1000 {
		id := s.NewLocalID()
		if len(id) != 18 || id[0] != 'l' || id <= prev {
			t.Fatalf("id %q after %q", id, prev)
		}
		prev = id
	}
}

func TestSeedHistory(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := SeedHistory(s, 2500, epoch); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
	total, by, _ := s.Count()
	if total != 2500 || by[StatusSucceeded] < 1500 || by[StatusFailed] == 0 {
		t.Fatalf("seeded counts %d %v", total, by)
	}
	active, _ := s.Active()
	if len(active) == 0 || len(active) > 10 {
		t.Fatalf("seeded %d active tasks, want a handful", len(active))
	}
	page, _, _ := s.List(Query{Kinds: []string{KindExtend}, Statuses: []string{StatusSucceeded}, Limit: 1})
	if chain, _ := s.Chain(page[0].LocalID); len(chain) < 2 {
		t.Fatalf("seeded extension has no ancestry: %v", ids(chain))
	}
	// Same arguments, same tasks: re-seeding rewrites rather than adds.
	if err := SeedHistory(s, 2500, epoch); err != nil {
		t.Fatal(err)
	}
	if total, _, _ := s.Count(); total != 2500 {
		t.Fatalf("re-seeding gave %d tasks", total)
	}
}

// The API key must never reach the history: no field could hold it.
func TestTaskHasNoSecretFields(t *testing.T) {
	t.Parallel()
	var walk func(reflect.Type, string)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type, path string) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || ty.PkgPath() != reflect.TypeOf(Task{}).PkgPath() {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
			for _, bad := range []string{"key", "token", "secret", "auth", "bearer", "password"} {
				if strings.Contains(name, bad) {
					t.Errorf("%s.%s could hold a credential", path, f.Name)
				}
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	walk(reflect.TypeOf(Task{}), "Task")
}

func TestConcurrentUpdatesKeepIndexesConsistent(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	var tasks []*Task
	for i := range 8 {
		task := newTask(s, fmt.Sprint("task ", i), epoch.Add(time.Duration(i)*time.Second))
		task.TaskID = fmt.Sprint("svc", i)
		mustPut(t, s, task)
		tasks = append(tasks, task)
	}
	statuses := []string{StatusRunning, StatusSucceeded, StatusFailed, StatusUnknown}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 40 {
				id := tasks[(w+i)%len(tasks)].TaskID
				_, err := s.Update(id, func(t *Task) error {
					t.SetStatus(statuses[(w*i)%len(statuses)], epoch, "")
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	mustCheck(t, s)
	total, _, _ := s.Count()
	if total != len(tasks) {
		t.Fatalf("total %d after concurrent updates", total)
	}
}

func TestOpenFolderIsNotCorrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "history.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(dir, "history.db"), Options{})
	if err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(a folder) = %v: want a plain file-system error", err)
	}
}

// A page read again between its own cursor and the next page's keeps its
// boundaries: a task added on top since joins page one instead of pushing
// one of its rows into a gap between page one and page two.
func TestListUntilRereadsAPage(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := SeedHistory(s, 30, epoch); err != nil {
		t.Fatal(err)
	}
	p0, c1, err := s.List(Query{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	p1, c2, _ := s.List(Query{Limit: 10, Cursor: c1})
	fresh := newTask(s, "newest", epoch.Add(time.Hour))
	mustPut(t, s, fresh)

	again, next, err := s.List(Query{Limit: 1000, Until: c1})
	if err != nil || next != c1 {
		t.Fatalf("re-read of page one: next %q, err %v; want the old cursor", next, err)
	}
	want := append([]string{fresh.LocalID}, ids(p0)...)
	if !slices.Equal(ids(again), want) {
		t.Errorf("page one re-read: %v, want %v", ids(again), want)
	}
	again, next, _ = s.List(Query{Limit: 1000, Cursor: c1, Until: c2})
	if !slices.Equal(ids(again), ids(p1)) || next != c2 {
		t.Errorf("page two re-read: %v (next %q), want %v (next %q)", ids(again), next, ids(p1), c2)
	}
}

// A "submitting" intent claimed by a live sender is not mistaken for one
// a stopped veox left behind; once released (or the sender is gone), it is.
func TestClaimedIntent(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	other, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	id := s.NewLocalID()
	if other.IntentClaimed(id) {
		t.Fatal("an unclaimed intent reads as claimed")
	}
	release, err := s.ClaimIntent(id)
	if err != nil {
		t.Fatal(err)
	}
	if !other.IntentClaimed(id) || !s.IntentClaimed(id) {
		t.Fatal("a claimed intent reads as abandoned")
	}
	if _, err := other.ClaimIntent(id); err == nil {
		t.Fatal("two senders claimed one intent")
	}
	release()
	if other.IntentClaimed(id) {
		t.Fatal("a released intent still reads as claimed")
	}
	if _, err := s.ClaimIntent("../etc"); err == nil {
		t.Fatal("a path-like id was accepted")
	}
}

func TestDefaultTimeoutIsASecond(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if s.timeout != time.Second {
		t.Fatalf("default wait %v, want 1s", s.timeout)
	}
}

// A page of the list allocates a few times per task, not once per string
// and field: a held page key at 100,000 tasks reads a page every third
// press, and the garbage of 100 decoded records (37 allocations each, with
// a task allocated and copied) was as costly as reading them (issue 17).
// The strings of a task are slices of one copy of its record, its times
// and first events live in the decoder, and the page's tasks are decoded in place.
func TestListPageAllocatesLittle(t *testing.T) {
	s, _ := openTemp(t)
	if err := SeedHistory(s, 300, epoch); err != nil {
		t.Fatal(err)
	}
	_, next, err := s.List(Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []Task
	perTask := testing.AllocsPerRun(20, func() {
		got, _, err = s.List(Query{Limit: 100, Cursor: next})
	}) / 100
	if err != nil || len(got) != 100 {
		t.Fatalf("a page of %d tasks, %v", len(got), err)
	}
	if perTask > 10 {
		t.Errorf("a page of the list allocates %.1f times a task, want at most 10", perTask)
	}
	// The decoded strings are the task's own, not the file's memory.
	if got[0].Request.Prompt == "" || got[50].LocalID == "" {
		t.Fatalf("decoded tasks are empty: %+v", got[0])
	}
	// As rows (the TUI's pages), from the indexes: a string and the facts
	// a row, and the page's unit of work (about 50 allocations).
	perRow := testing.AllocsPerRun(20, func() {
		got, _, err = s.List(Query{Limit: 100, Cursor: next, Rows: true})
	}) / 100
	if err != nil || len(got) != 100 || got[7].Row == nil || got[7].Request.Prompt == "" {
		t.Fatalf("a page of %d rows, %v", len(got), err)
	}
	if perRow > 3 {
		t.Errorf("a page of rows allocates %.1f times a row, want at most 3", perRow)
	}
}

package tasklist

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// rig is the screen driven by a pump: a key runs all it leads to, and
// timers (the search's debounce, the spinner) wait for the test to fire
// them.
type rig struct {
	*Model
	p *uitest.Pump
}

// newRig builds the screen over svc on the pump's clock and timers.
func newRig(d Deps, w, h int) *rig {
	p := &uitest.Pump{}
	d.Tick, d.Now, d.Styles, d.Ctx = p.Timer, p.Now, uitest.Styles(), context.Background()
	m := New(d).SetSize(w, h)
	p.Update = m.update
	return &rig{Model: &m, p: p}
}

// seeded is the screen over 300 seeded tasks, first page loaded.
func seeded(t *testing.T, w, h int) (*rig, *uitest.Env) {
	t.Helper()
	return seededN(t, 300, w, h)
}

func seededN(t *testing.T, n, w, h int) (*rig, *uitest.Env) {
	t.Helper()
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	if err := store.SeedHistory(e.Store, n, uitest.Now); err != nil {
		t.Fatal(err)
	}
	m := newRig(Deps{Service: e.Svc}, w, h)
	m.p.Run(m.Init())
	return m, e
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*m, cmd = m.Update(msg)
	return cmd
}

// press sends keys one at a time, runs what each leads to, and returns
// the messages seen (each key first).
func (m *rig) press(keys ...string) []tea.Msg {
	m.p.Reset()
	for _, k := range keys {
		m.p.Send(uitest.Key(k))
	}
	return m.p.Seen
}

func TestGoldenTasks(t *testing.T) {
	for _, size := range [][2]int{{80, 22}, {120, 34}} {
		m, _ := seeded(t, size[0], size[1])
		uitest.Golden(t, "tasks_"+itoa(size[0]), m.View())
	}
}

// itoa names a golden after the terminal it stands for (the screen gets
// two lines less: the root keeps the help line and the status bar).
func itoa(w int) string { return map[int]string{80: "80x24", 120: "120x36"}[w] }

func TestPagesLoadAsTheCursorMoves(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	if len(m.rows) != PageSize || !m.hasAfter() {
		t.Fatalf("first page: %d rows, more %v; want %d and more", len(m.rows), m.hasAfter(), PageSize)
	}
	for range 20 {
		m.press("pgdown")
	}
	if len(m.rows) != 300 {
		t.Errorf("after paging to the end: %d rows, want all 300", len(m.rows))
	}
	if !strings.Contains(m.View(), "> ") {
		t.Error("the cursor row is not on screen")
	}
}

// Paging down across a history of many pages and back up holds at most
// maxPages pages, and at every step the loaded rows are exactly the
// history's, in order: no page is skipped or read twice.
func TestPagingHoldsAWindowWithoutGapsOrDuplicates(t *testing.T) {
	m, e := seededN(t, 2*maxPages*PageSize+234, 80, 22) // drops pages both ways
	all, _, err := e.Store.List(store.Query{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		if len(m.rows) > maxPages*PageSize {
			t.Fatalf("%s: %d rows held, want at most %d", step, len(m.rows), maxPages*PageSize)
		}
		pos, total := m.position()
		if total != len(all) {
			t.Fatalf("%s: the position counts %d tasks, the history has %d", step, total, len(all))
		}
		base := pos - 1 - m.cursor
		for i := range m.rows {
			if m.rows[i].LocalID != all[base+i].LocalID {
				t.Fatalf("%s: row %d is %s, want %s", step, base+i, m.rows[i].LocalID, all[base+i].LocalID)
			}
		}
	}
	for m.absCursor() < len(all)-1 {
		m.press("pgdown")
		check("down")
	}
	if m.Selected().LocalID != all[len(all)-1].LocalID {
		t.Fatal("paging down did not reach the oldest task")
	}
	for m.absCursor() > 0 {
		before := m.absCursor()
		m.press("pgup")
		check("up")
		if m.absCursor() >= before {
			t.Fatalf("pgup at row %d did not move", before)
		}
	}
	m.press("end")
	check("end")
	if m.Selected().LocalID != all[len(all)-1].LocalID || m.topKnown {
		t.Fatalf("end selected %s, want the oldest %s, read from the oldest end", m.Selected().LocalID, all[len(all)-1].LocalID)
	}
	// Up from the oldest end, the pages above are read from the index as
	// the cursor nears the top of the window.
	for pos, _ := m.position(); pos > 1; pos, _ = m.position() {
		m.press("pgup")
		check("up from the end")
		if now, _ := m.position(); now >= pos {
			t.Fatalf("pgup at %d did not move", pos)
		}
	}
	if m.Selected().LocalID != all[0].LocalID || !m.topKnown {
		t.Fatalf("paging up from the end stopped at %s, not the newest", m.Selected().LocalID)
	}
	m.press("end", "pgup", "pgup", "home")
	check("home")
	if m.Selected().LocalID != all[0].LocalID || m.first != 0 {
		t.Errorf("home: selected %s, window from page %d", m.Selected().LocalID, m.first)
	}
}

func TestFailedViewShowsOnlyFailures(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	m.press("3")
	if m.view != Failed || len(m.rows) == 0 {
		t.Fatalf("view %v with %d rows", m.view, len(m.rows))
	}
	for _, r := range m.rows {
		if r.Status != store.StatusFailed {
			t.Fatalf("row %s is %s in the Failed view", r.LocalID, r.Status)
		}
	}
	if !strings.Contains(m.View(), "[Failed") {
		t.Error("the Failed tab is not marked without colour")
	}
}

func TestSearchReplacesTheListAndEscClears(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	word := strings.Fields(m.rows[5].Request.Prompt)[1]
	m.press("/")
	if !m.Typing() {
		t.Fatal("/ did not focus the search field")
	}
	// Typing runs the search after the debounce, once per pause: each key
	// restarts it, and only the last one's timer finds its query current.
	p := m.p
	p.Reset()
	for _, r := range word {
		p.Send(uitest.Key(string(r)))
	}
	debounces := 0
	for _, tm := range p.Timers() {
		if _, ok := tm.Msg().(searchTickMsg); ok {
			debounces++
		}
	}
	if debounces != len(word) {
		t.Fatalf("%d debounce timers for %d keys", debounces, len(word))
	}
	p.Advance(searchDelay)
	searches := 0
	for _, msg := range p.Seen {
		if _, ok := msg.(searchMsg); ok {
			searches++
		}
	}
	if searches != 1 {
		t.Fatalf("%d searches ran for one pause in typing, want 1", searches)
	}
	if len(m.rows) == 0 {
		t.Fatalf("no results for %q", word)
	}
	for _, r := range m.rows {
		if !strings.Contains(strings.ToLower(r.Request.Prompt+r.TaskID+r.LocalID+r.Request.Watermark), strings.ToLower(word)) {
			t.Fatalf("result %q does not contain %q", r.Request.Prompt, word)
		}
	}
	m.press("esc")
	if m.Typing() || m.query != "" || len(m.rows) != PageSize {
		t.Errorf("esc left search: capturing %v, query %q, %d rows", m.Typing(), m.query, len(m.rows))
	}
}

func TestStaleSearchResultsAreDropped(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	m.press("/", "a")
	old := m.gen
	m.press("b")
	m.update(searchMsg{gen: old, tasks: nil})
	if len(m.rows) == 0 {
		t.Error("an answer for an older query replaced the list")
	}
}

func TestKeysAskTheRoot(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	cases := map[string]any{"g": request.Generate{}, "N": request.Extend{}, "f": request.ShowDownloads{}}
	for k, want := range cases {
		got := m.press(k)
		if len(got) < 2 || got[1] != want {
			t.Errorf("%s: got %v, want %#v", k, got, want)
		}
	}
	sel := m.Selected()
	if got := m.press("enter"); len(got) < 2 || got[1] != (request.OpenDetails{ID: sel.LocalID}) {
		t.Errorf("enter: got %v", got)
	}
}

func TestTaskChangedPatchesAndPrepends(t *testing.T) {
	m, _ := seeded(t, 80, 22)
	first := *m.rows[0] // a copy: changing the row itself would prove nothing
	first.Status = store.StatusFailed
	m.update(request.TaskChanged{Task: first})
	if m.rows[0].Status != store.StatusFailed || len(m.rows) != PageSize {
		t.Fatal("the row was not patched in place")
	}
	fresh := store.Task{LocalID: "new", TaskID: "t-new", Kind: store.KindExtend, Status: store.StatusRunning,
		CreatedAt: uitest.Now.Add(time.Minute), SubmittedAt: uitest.Now}
	m.update(request.TaskChanged{Task: fresh})
	if m.rows[0].LocalID != "new" || m.Selected().LocalID == "new" {
		t.Errorf("a new task goes on top without moving the cursor: top %s, selected %s", m.rows[0].LocalID, m.Selected().LocalID)
	}
}

func TestEstimateSaysTimeLeft(t *testing.T) {
	m := New(Deps{Now: uitest.Clock, Styles: uitest.Styles()})
	m.estimates = map[string]time.Duration{store.KindExtend: 6 * time.Minute}
	run := &store.Task{Kind: store.KindExtend, Status: store.StatusRunning, SubmittedAt: uitest.Now.Add(-2 * time.Minute)}
	if got := m.timing(run); !strings.Contains(got, "~4m left") {
		t.Errorf("timing = %q, want ~4m left", got)
	}
	run.SubmittedAt = uitest.Now.Add(-9 * time.Minute)
	if got := m.timing(run); !strings.Contains(got, "usually 6m") {
		t.Errorf("past the estimate: %q", got)
	}
}

// A search the user no longer wants stops reading the history: a newer
// query or esc cancels its context.
func TestSupersededSearchIsCancelled(t *testing.T) {
	for _, leave := range []string{"b", "esc"} {
		m, _ := seeded(t, 80, 22)
		m.press("/", "a")
		run := m.update(searchTickMsg{gen: m.gen})
		if run == nil {
			t.Fatal("the debounce tick started no search")
		}
		m.update(uitest.Key(leave))
		if msg := run().(searchMsg); !errors.Is(msg.err, context.Canceled) {
			t.Errorf("after %q the old search ended with %v, want context.Canceled", leave, msg.err)
		}
	}
}

// A task that changes before the first page is in is not shown twice: the
// page, which holds it, becomes the whole list.
func TestTaskBeforeFirstPageIsNotDoubled(t *testing.T) {
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	if err := store.SeedHistory(e.Store, 30, uitest.Now); err != nil {
		t.Fatal(err)
	}
	m := newRig(Deps{Service: e.Svc}, 80, 22)
	first, _, _ := e.Store.List(store.Query{Limit: 1})
	load := m.Init()
	m.update(request.TaskChanged{Task: first[0]})
	m.p.Run(load)
	if len(m.rows) != 30 || m.rows[1].LocalID == first[0].LocalID {
		t.Errorf("%d rows, want the 30 tasks once each", len(m.rows))
	}
}

package downloads

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
)

func screen(t *testing.T, w, h int) Model {
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	p := &uitest.Pump{} // holds the progress tick: these tests deliver ticks themselves
	return New(Deps{Service: e.Svc, Styles: uitest.Styles(), Ctx: context.Background(), Now: p.Now, Tick: p.Timer}).SetSize(w, h)
}

// started is a file that began arriving; ch stays open, as while the run
// goes on.
func started(id, label string) (startedMsg, chan tea.Msg) {
	ch := make(chan tea.Msg)
	return startedMsg{id: id, label: label, name: "the camera pulls back to reveal a storm", p: &download.Progress{}, ch: ch}, ch
}

func TestProgressRowShowsSpeedAndTimeLeft(t *testing.T) {
	m := screen(t, 80, 22)
	msg, _ := started("l1", "31b434709b3c9ab7ceedc0259a1b886a")
	m, _, _ = m.Update(msg)
	// A snapshot at fixed values, as the tick would have read it.
	m.entries[0].snap = download.ProgressSnapshot{Done: 4_200_000, Total: 9_100_000, BytesPerSec: 1_300_000, ETA: 4 * time.Second}
	v := m.View()
	for _, want := range []string{"↓ fetch  31b43470", "the camera pulls back", "46%  4.2 MB of 9.1 MB  1.3 MB/s  4s left", "████"} {
		if !strings.Contains(v, want) {
			t.Errorf("%q missing:\n%s", want, v)
		}
	}
	m.entries[0].snap = download.ProgressSnapshot{Done: 300}
	if v := m.View(); !strings.Contains(v, "300 B  starting…") {
		t.Errorf("a file of unknown size:\n%s", v)
	}
}

func TestTickRunsOnlyWhileDownloadsAreActive(t *testing.T) {
	m := screen(t, 80, 22)
	m, _, _ = m.Start("l1", false)
	msg, _ := started("l1", "veo_task_demo_forest")
	m, cmd, _ := m.Update(msg)
	if cmd == nil || !m.ticking {
		t.Fatal("no tick started with a download under way")
	}
	m, cmd, _ = m.Update(tickMsg{gen: m.gen})
	if cmd == nil {
		t.Fatal("the tick stopped while the file still arrives")
	}
	file := store.File{Path: "/v/forest.mp4", Size: 2_000_000}
	m, _, fin := m.Update(doneMsg{id: "l1", task: &store.Task{LocalID: "l1", Files: []store.File{file}},
		files: []tasks.Fetched{{File: file, Wrote: true}}})
	if fin == nil || fin.ID != "l1" || m.Active() != 0 {
		t.Fatalf("the end of the run was not reported: %+v, active %d", fin, m.Active())
	}
	if m, cmd, _ = m.Update(tickMsg{gen: m.gen}); cmd != nil || m.ticking {
		t.Error("the tick goes on with nothing arriving")
	}
	if v := m.View(); !strings.Contains(v, "✓ saved  forest") || !strings.Contains(v, "/v/forest.mp4  2.0 MB") {
		t.Errorf("the saved file is not shown with its path:\n%s", v)
	}
	if _, cmd, _ := m.Update(tickMsg{gen: m.gen - 1}); cmd != nil {
		t.Error("a stale tick started a second chain")
	}
}

func TestFailureShowsItsMessage(t *testing.T) {
	m := screen(t, 80, 22)
	m, _, _ = m.Start("l1", false)
	err := errors.New("the link expired and a fresh one could not be fetched: the service did not answer within 30s")
	m, _, fin := m.Update(doneMsg{id: "l1", task: &store.Task{LocalID: "l1", TaskID: "veo_task_demo_city"}, err: err})
	if fin == nil || fin.Err == nil {
		t.Fatal("the failure was not reported to the root")
	}
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(v, "✗ failed city") || !strings.Contains(flat, err.Error()) {
		t.Errorf("the failure and its whole message are not shown:\n%s", v)
	}
}

func TestSameTaskIsNotStartedTwice(t *testing.T) {
	m := screen(t, 80, 22)
	m, _, ok := m.Start("l1", false)
	if !ok {
		t.Fatal("the first start was refused")
	}
	if _, cmd, ok := m.Start("l1", true); ok || cmd != nil {
		t.Error("a second writer was started on the same task")
	}
}

func TestLongPathIsShownWhole(t *testing.T) {
	m := screen(t, 60, 22)
	path := "/home/creator/Videos/veox/2026-03-10_31b434709b3c9ab7ceedc0259a1b886a_the-camera-pulls-back.mp4"
	m, _, _ = m.Start("l1", false)
	m, _, _ = m.Update(doneMsg{id: "l1", err: errors.New("x")})
	m.entries[0].state, m.entries[0].path, m.entries[0].size = done, path, 107_300
	flat := strings.ReplaceAll(strings.ReplaceAll(m.View(), "\n", ""), " ", "")
	if !strings.Contains(flat, path+"107.3kB") {
		t.Errorf("the path is cut or its size is missing:\n%s", m.View())
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if w := lipgloss.Width(l); w > 60 {
			t.Errorf("line of %d cells at width 60: %q", w, l)
		}
	}
}

// A file found already on disk (or finished by another veox) is not
// called saved; an extension's new part alone says so.
func TestDoneRowsSayWhatHappened(t *testing.T) {
	m := screen(t, 80, 22)
	m, _, _ = m.Start("l1", false)
	msg, _ := started("l1", "veo_task_demo_forest")
	m, _, _ = m.Update(msg)
	file := store.File{Path: "/v/forest_part.mp4", Size: 2_000_000, Part: true}
	m, _, _ = m.Update(doneMsg{id: "l1", files: []tasks.Fetched{{File: file}}})
	v := m.View()
	if !strings.Contains(v, "✓ on disk") || strings.Contains(v, "saved") || !strings.Contains(v, "new part only") {
		t.Errorf("\n%s", v)
	}
}

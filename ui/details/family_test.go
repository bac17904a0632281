package details

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// The family of the goldens: a demo import, the extension shown (done,
// downloaded, with a long path and stitched URLs) and two extensions of it.
const (
	rootID  = "veo_task_demo_lighthouse"
	shownID = "31b434709b3c9ab7ceedc0259a1b886a"
	kidA    = "c4afd8719f2e4b7aa0d1c3e5f7a9b1d3"
	kidB    = "e5f7a9b1d3c4afd8719f2e4b7aa0d1c3"
)

func at(min int) time.Time { return uitest.Now.Add(time.Duration(min-60) * time.Minute) }

func familyTasks() []*store.Task {
	src := &store.Task{LocalID: "l0000000000001abcd", TaskID: rootID, Kind: store.KindImport, Status: store.StatusSucceeded,
		Request:   store.Request{Prompt: "A lighthouse on a rocky cliff at dusk", Model: "veo3_fast"},
		CreatedAt: at(0), SubmittedAt: at(0), CompletedAt: at(1)}
	base := "https://tempfile.example.com/r/" + shownID
	shown := &store.Task{LocalID: "l0000000000002efgh", TaskID: shownID, Kind: store.KindExtend, ParentID: rootID,
		Status: store.StatusSucceeded,
		Request: store.Request{Prompt: "The camera pulls back to reveal a storm rolling in from the sea, lightning over the waves, " +
			"the lighthouse beam sweeping through heavy rain", Model: "fast", Seed: 12345, Watermark: "veox"},
		Events: []store.Event{{At: at(10), Status: store.StatusSubmitting, Note: "intent recorded before sending"},
			{At: at(10), Status: store.StatusRunning, Note: "accepted by the service"}, {At: at(12), Status: store.StatusSucceeded}},
		FullResultURLs: []string{base + "-full-0/full.mp4?exp=1795559482&sig=0755694b2cd8587bdaa70db7e78021f8"},
		ResultURLs:     []string{base + "-video-0/video.mp4?exp=1795559482&sig=1af30ab6fa72bea48dd2bca3945e9af5"},
		URLsAt:         at(50), Resolution: "720p", Seeds: []int{12345},
		Files: []store.File{{Path: "/home/creator/Videos/veox/2026-03-10_" + shownID + "_the-camera-pulls-back-to-reveal-a-storm.mp4",
			Size: 107_300, SHA256: "082b32dc61146dc8b99247920f677184656dd42e3c1bac0ffe3f3e63909c0c7c", Duration: 15 * time.Second}},
		CreatedAt: at(10), SubmittedAt: at(10), CompletedAt: at(12)}
	a := &store.Task{LocalID: "l0000000000003ijkl", TaskID: kidA, Kind: store.KindExtend, ParentID: shownID, Status: store.StatusSucceeded,
		Request: store.Request{Prompt: "lightning strikes the sea"}, CreatedAt: at(20), SubmittedAt: at(20), CompletedAt: at(22)}
	b := &store.Task{LocalID: "l0000000000004mnop", TaskID: kidB, Kind: store.KindExtend, ParentID: shownID, Status: store.StatusRunning,
		Request: store.Request{Prompt: "the storm clears at dawn"}, CreatedAt: at(55), SubmittedAt: at(55)}
	return []*store.Task{src, shown, a, b}
}

// family opens Details of the shown task over a history holding its family.
func family(t *testing.T, w, h int) (*Model, *uitest.Env) {
	e := newFamilyEnv(t)
	return openDetails(t, e, shownID, w, h), e
}

// newFamilyEnv is a history holding the family of the goldens.
func newFamilyEnv(t *testing.T) *uitest.Env {
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	for _, task := range familyTasks() {
		if err := e.Store.Put(task); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// openDetails opens Details of the task id at w×h.
func openDetails(t *testing.T, e *uitest.Env, id string, w, h int) *Model {
	m := New(Deps{Service: e.Svc, Styles: uitest.Styles(), Now: uitest.Clock, Ctx: context.Background()}, id).SetSize(w, h)
	m.run(m.Init())
	return &m
}

func TestGoldenSucceededWithFilesAndChildren(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 22}, {"120x36", 120, 34}} {
		// The root gives Details all but the help line and the status bar.
		m, _ := family(t, sz.w, sz.h)
		uitest.Golden(t, "succeeded_"+sz.name, m.View())
		m.press("G")
		uitest.Golden(t, "succeeded_end_"+sz.name, m.View())
	}
}

func TestNothingIsCutAtTheEdge(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 200)
	v := m.View()
	for _, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line wider than 80 (%d): %q", w, l)
		}
	}
	flat := strings.ReplaceAll(strings.ReplaceAll(v, "\n", ""), " ", "")
	task := familyTasks()[1]
	for _, whole := range []string{task.Files[0].Path, task.FullResultURLs[0], task.ResultURLs[0], task.Files[0].SHA256, "(14dleft)"} {
		if !strings.Contains(flat, strings.ReplaceAll(whole, " ", "")) {
			t.Errorf("%q is not shown whole:\n%s", whole, v)
		}
	}
}

func TestScrollHintWhenTallerThanTheScreen(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 22)
	if !strings.Contains(m.View(), "↓/j space: more") {
		t.Fatalf("no scroll hint:\n%s", m.View())
	}
	m.press("G")
	if v := m.View(); !strings.Contains(v, "Checksums") || !strings.Contains(v, "back up") {
		t.Errorf("end does not reach the checksums, the last section:\n%s", v)
	}
}

func TestViewportKeysDoNotShadowActions(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 22)
	got := m.press("d")
	if len(got) < 2 || got[1] != (request.Download{ID: "l0000000000002efgh", Force: true}) {
		t.Errorf("d sent %v, want a download", got)
	}
	if m.vp.YOffset != 0 {
		t.Errorf("d also scrolled the page to %d", m.vp.YOffset)
	}
}

func TestNewestChildIsChosenAndOpensWithEnter(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 22)
	if m.sel != "l0000000000004mnop" {
		t.Fatalf("chosen %q, want the newest child", m.sel)
	}
	m.press("[")
	m.press("enter")
	if m.task == nil || m.task.TaskID != kidA {
		t.Fatalf("enter opened %v, want %s", m.task, kidA)
	}
	m.press("esc")
	if m.task == nil || m.task.TaskID != shownID {
		t.Fatalf("esc went to %v, want back to %s", m.task, shownID)
	}
	if got := m.press("esc"); len(got) < 2 || got[1] != (request.Back{}) {
		t.Errorf("esc on the first task sent %v, want request.Back", got)
	}
}

func TestChainMovesToTheSourceAndMarksItWithoutColour(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 22)
	m.press("[")
	m.press("[")
	m.press("[")
	if m.sel != "l0000000000001abcd" {
		t.Fatalf("chosen %q, want the source", m.sel)
	}
	if v := m.View(); !strings.Contains(v, "›import lighthouse ✓ → [extend 31b43470 ✓]") {
		t.Errorf("the chosen source is not marked or not in view:\n%s", v)
	}
}

func TestNewChildShowsUpAndFinishesWhileOpen(t *testing.T) {
	t.Parallel()
	m, e := family(t, 80, 22) // the new child is below the fold until chosen
	kid := &store.Task{LocalID: "l0000000000005qrst", TaskID: "f00dfeedf00dfeedf00dfeedf00dfeed", Kind: store.KindExtend,
		ParentID: shownID, Status: store.StatusRunning, Request: store.Request{Prompt: "a ship appears"}, CreatedAt: at(58)}
	if err := e.Store.Put(kid); err != nil {
		t.Fatal(err)
	}
	m.run(request.Cmd(request.TaskChanged{Task: *kid}))
	if v := m.View(); !strings.Contains(v, "› ● running  extend    f00dfeed") {
		t.Fatalf("the new child is not shown running and chosen:\n%s", v)
	}
	kid.Status = store.StatusSucceeded
	if err := e.Store.Put(kid); err != nil {
		t.Fatal(err)
	}
	m.run(request.Cmd(request.TaskChanged{Task: *kid}))
	if v := m.View(); !strings.Contains(v, "› ✓ done     extend    f00dfeed") {
		t.Errorf("the child's end is not shown:\n%s", v)
	}
}

func TestStaleLoadIsDropped(t *testing.T) {
	t.Parallel()
	m, _ := family(t, 80, 22)
	old := m.gen
	m2, _ := m.reload()
	*m = m2
	m.update(loadedMsg{id: m.id, gen: old, err: store.ErrNotFound})
	if m.err != nil {
		t.Errorf("an overtaken load was applied: %v", m.err)
	}
}

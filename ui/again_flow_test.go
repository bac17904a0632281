package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/internal/uitest"
)

const (
	generatePath = "/api/v1/veo/generate"
	extendPath   = "/api/v1/veo/extend"
)

// againEnv is the simulator, a history with the lighthouse source and the
// five rows marked by the tests (newest first: an extension of the
// lighthouse, two generates, one of them refused by the service at
// create, an unknown create and an upscale), and a service with budget.
type againEnv struct {
	p   *uitest.Pump
	e   *uitest.Env
	svc *tasks.Service
}

func newAgainEnv(t *testing.T, budget tasks.Budget) *againEnv {
	t.Helper()
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{})
	svc := tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: e.Srv.URL, APIKey: "k"}), Store: e.Store,
		Now: p.Now, DownloadDir: e.Dir, NullGrace: time.Hour, Budget: budget})
	src, err := svc.Import(t.Context(), sim.DemoLighthouse)
	if err != nil {
		t.Fatal(err)
	}
	at := func(min int) time.Time { return uitest.Now.Add(-time.Duration(min) * time.Minute) }
	gen := func(id, prompt string, seed int, when time.Time) *store.Task {
		return &store.Task{LocalID: id, TaskID: "", Kind: store.KindGenerate, Status: store.StatusSucceeded,
			CreatedAt: when, Seeds: []int{seed},
			Request: store.Request{Prompt: prompt, Model: "veo3_fast", Resolution: "720p", AspectRatio: "16:9", GenerationType: api.TypeText}}
	}
	fox := gen("l00000000000000fox", "a red fox trotting through deep snow at dawn", 11111, at(10))
	fox.TaskID = "aaaa1111bbbb2222cccc3333dddd4444"
	bad := gen("l00000000000000bad", "a forbidden scene in a dark alley", 22222, at(9))
	bad.TaskID = "bbbb1111bbbb2222cccc3333dddd4444"
	unknown := gen("l0000000000000unkn", "an owl at midnight", 0, at(8))
	unknown.Seeds, unknown.Status = nil, store.StatusUnknown
	up := &store.Task{LocalID: "l000000000000000up", TaskID: "cccc1111bbbb2222cccc3333dddd4444", Kind: store.KindUpscale,
		Status: store.StatusSucceeded, ParentID: fox.TaskID, CreatedAt: at(7), Request: store.Request{UpscaleTo: "1080p"}}
	ext := &store.Task{LocalID: "l00000000000000ext", TaskID: "dddd1111bbbb2222cccc3333dddd4444", Kind: store.KindExtend,
		Status: store.StatusSucceeded, ParentID: src.TaskID, CreatedAt: at(6), Seeds: []int{33333},
		Request: store.Request{Prompt: "the beam sweeps across a stormy sea", Model: "fast"}}
	for _, tk := range []*store.Task{fox, bad, unknown, up, ext} {
		if err := e.Store.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
	return &againEnv{p: p, e: e, svc: svc}
}

// root starts the TUI at w×h and marks the five newest rows.
func (a *againEnv) root(t *testing.T, w, h int) *rig {
	t.Helper()
	r := newRig(a.p, Options{Service: a.svc, Demo: true, Settings: config.Settings{}}, w, h)
	r.press("home", "space", "space", "space", "space", "space")
	if r.list.Marked() != 5 {
		t.Fatalf("%d rows marked, want 5:\n%s", r.list.Marked(), r.View())
	}
	return r
}

func (a *againEnv) posts() int {
	return a.e.Srv.Sim.Requests(generatePath) + a.e.Srv.Sim.Requests(extendPath)
}

// r on marked rows opens one review of every task to run again with its
// price, the total, today's spending and what will not be run and why;
// esc sends nothing and keeps the marks (issue 15.3).
func TestRunAgainOnMarkedRowsReviewsAllAtOnce(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			a := newAgainEnv(t, tasks.Budget{DailyLimit: 5000})
			r := a.root(t, sz.w, sz.h)
			r.press("r")
			if r.top() != scrAgain {
				t.Fatalf("r on 5 marked rows did not open the review (top %v); bar %q:\n%s", r.top(), r.bar.Error, r.View())
			}
			v := r.View()
			for _, want := range []string{
				"Run again with new seeds: 3 tasks",
				"fox", "new seed (was 11111)", "extend lighthouse", "~60 credits",
				"about 180 credits for 3 creates",
				"of the daily budget of 5000; about",
				"Not run again (2):", "settle or dismiss it first", "an upscale has no seed",
			} {
				if !strings.Contains(v, want) {
					t.Errorf("the review lacks %q", want)
				}
			}
			uitest.Golden(t, "again_review_"+sz.name, v)
			r.press("esc")
			if r.top() != scrTasks || a.posts() != 0 || r.list.Marked() != 5 {
				t.Fatalf("esc: top %v, %d POSTs, %d marked; want the list, 0 and the 5 marks", r.top(), a.posts(), r.list.Marked())
			}
		})
	}
}

// y sends each create exactly once, in order, through the path every
// create takes: one refused by the service is reported, the others still
// go; the marks clear and the list shows the new tasks.
func TestRunAgainSendsEachOnceAndReportsTheRefusedOne(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			a := newAgainEnv(t, tasks.Budget{})
			r := a.root(t, sz.w, sz.h)
			r.press("r", "y")
			if got := a.posts(); got != 3 {
				t.Fatalf("%d create POSTs for 3 runnable marked rows, want exactly 3", got)
			}
			if g, x := a.e.Srv.Sim.Requests(generatePath), a.e.Srv.Sim.Requests(extendPath); g != 2 || x != 1 {
				t.Fatalf("%d generates and %d extends, want 2 and 1", g, x)
			}
			v := r.View()
			for _, want := range []string{"Run again: 2 accepted, 1 refused, 0 unknown, 0 not sent",
				"refused by the service (nothing created, nothing charged)", "accepted as"} {
				if !strings.Contains(v, want) {
					t.Errorf("after sending the review lacks %q:\n%s", want, v)
				}
			}
			if r.list.Marked() != 0 || !strings.Contains(r.bar.Error, "2 accepted, 1 refused by the service") {
				t.Fatalf("marks %d, bar %q", r.list.Marked(), r.bar.Error)
			}
			r.press("y", "r") // keys after the end send nothing more
			if a.posts() != 3 {
				t.Fatalf("%d POSTs after more keys", a.posts())
			}
			r.press("esc")
			ts, _, err := a.e.Store.List(store.Query{Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			status := map[string]int{}
			list := r.View()
			for _, tk := range ts {
				status[tk.Status]++
				if tk.Seeds != nil && (tk.Request.Seed != 0) {
					t.Errorf("%s was sent with seed %d, want a new one", tk.LocalID, tk.Request.Seed)
				}
				if !strings.Contains(list, format.Short(format.ID(&tk))) {
					t.Errorf("the list does not show the new task %s:\n%s", format.ID(&tk), list)
				}
			}
			if status[store.StatusRunning] != 2 || status[store.StatusRefused] != 1 {
				t.Fatalf("the three newest tasks are %v, want 2 running and 1 refused", status)
			}
		})
	}
}

// Over the daily limit the review says so with the figures and y sends
// nothing; a limit passed between the review and y (another create) is
// caught by the fresh check before the first create: nothing is sent.
func TestRunAgainOverBudgetSendsNothing(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			a := newAgainEnv(t, tasks.Budget{})
			spent, err := a.svc.SpentToday()
			if err != nil {
				t.Fatal(err)
			}
			a.svc = tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: a.e.Srv.URL, APIKey: "k"}), Store: a.e.Store,
				Now: a.p.Now, DownloadDir: a.e.Dir, NullGrace: time.Hour, Budget: tasks.Budget{DailyLimit: spent.Credits + 100}})
			r := a.root(t, sz.w, sz.h)
			r.press("r", "y", "enter")
			v := strings.Join(strings.Fields(r.View()), " ")
			want := fmt.Sprintf("over your daily limit: %s spent today + about 180 = %s, above %s", format.Credits(spent.Credits),
				format.Credits(spent.Credits+180), format.Credits(spent.Credits+100))
			if a.posts() != 0 || !strings.Contains(v, want) || !strings.Contains(v, "nothing was sent") {
				t.Fatalf("%d POSTs; the review should say %q and that nothing was sent:\n%s", a.posts(), want, r.View())
			}
			if r.list.Marked() != 5 {
				t.Fatalf("%d marks left after a refused batch, want the 5", r.list.Marked())
			}

			// Under the limit at the review, over it at y.
			r.press("esc")
			a.svc = tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: a.e.Srv.URL, APIKey: "k"}), Store: a.e.Store,
				Now: a.p.Now, DownloadDir: a.e.Dir, NullGrace: time.Hour, Budget: tasks.Budget{DailyLimit: spent.Credits + 200}})
			r = a.root(t, sz.w, sz.h)
			r.press("r")
			if v := r.View(); strings.Contains(v, "over your daily limit") {
				t.Fatalf("180 of 200 left is not over:\n%s", v)
			}
			other := &store.Task{LocalID: "l0000000000000othr", Kind: store.KindGenerate, Status: store.StatusRunning,
				TaskID: "eeee1111bbbb2222cccc3333dddd4444", CreatedAt: a.p.Now(), Request: store.Request{Prompt: "x", Model: "veo3"}}
			if err := a.e.Store.Put(other); err != nil {
				t.Fatal(err)
			}
			r.press("y")
			if v := r.View(); a.posts() != 0 || !strings.Contains(v, "nothing was sent: over the daily budget") {
				t.Fatalf("%d POSTs after the limit was passed by another create:\n%s", a.posts(), v)
			}
		})
	}
}

// A long list scrolls inside the review at 80×24 while the total and the
// budget stay on screen.
func TestRunAgainReviewScrolls(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, 0, 0, p.Now)
	for i := range 14 {
		tk := &store.Task{LocalID: fmt.Sprintf("l0000000000000%04d", i), TaskID: fmt.Sprintf("%08x%024x", i+1, 0),
			Kind: store.KindGenerate, Status: store.StatusSucceeded, CreatedAt: uitest.Now.Add(-time.Duration(i) * time.Minute),
			Request: store.Request{Prompt: fmt.Sprintf("prompt number %d of a long list", i), Model: "veo3_lite"}}
		if err := e.Store.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
	r := newRig(p, Options{Service: e.Svc, Demo: true, Settings: config.Settings{}}, 80, 24)
	r.press("home")
	for range 14 {
		r.press("space")
	}
	r.press("r")
	v := r.View()
	if !strings.Contains(v, "Run again with new seeds: 14 tasks") || !strings.Contains(v, "prompt number 0 ") ||
		strings.Contains(v, "prompt number 13 ") || !strings.Contains(v, "about 420 credits for 14 creates") ||
		!strings.Contains(v, "lines 1–") {
		t.Fatalf("the review at 80×24:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n != 24 {
		t.Fatalf("the screen has %d lines, want 24", n)
	}
	r.press("pgdown", "pgdown", "pgdown")
	v = r.View()
	if !strings.Contains(v, "prompt number 13 ") || strings.Contains(v, "prompt number 0 ") || !strings.Contains(v, "Total") {
		t.Fatalf("pgdn did not reach the end of the list with the total still shown:\n%s", v)
	}
	uitest.Golden(t, "again_scrolled_80x24", v)
	for range 30 {
		r.send(wheel(false, 10, 5))
	}
	if v := r.View(); !strings.Contains(v, "prompt number 0 ") || !strings.Contains(v, "lines 1–") {
		t.Fatalf("the wheel did not scroll the review back to the top:\n%s", v)
	}
}

// A create whose answer is lost stays unknown, is never resent, and the
// ones after it are not sent (they would go into the same failing link):
// one POST, the rest reported as not sent.
func TestRunAgainStopsAfterALostAnswer(t *testing.T) {
	t.Parallel()
	a := newAgainEnv(t, tasks.Budget{})
	r := a.root(t, 80, 24)
	a.e.Srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	r.press("r", "y")
	if a.posts() != 1 {
		t.Fatalf("%d create POSTs after the first answer was lost, want 1", a.posts())
	}
	v := strings.Join(strings.Fields(r.View()), " ")
	for _, want := range []string{"0 accepted, 0 refused, 1 unknown, 2 not sent", "no answer came back", "was lost, so veox sent no more"} {
		if !strings.Contains(v, want) {
			t.Errorf("the review lacks %q:\n%s", want, r.View())
		}
	}
	ts, _, _ := a.e.Store.List(store.Query{Statuses: []string{store.StatusUnknown}, Limit: 10})
	if len(ts) != 2 { // the marked one from before, and this one
		t.Fatalf("%d unknown tasks, want 2", len(ts))
	}
}

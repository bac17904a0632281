package compose

import (
	"fmt"
	"testing"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/tasks"
)

// The composer's estimate and the review's come from the one price table
// and differ by model and resolution, cell by cell (issue 14): before,
// every extension read "about 60" and every generation "about 100". The
// table has no column for the duration: 4, 6 and 8 s cost the same.
func TestEstimatesFollowThePriceTable(t *testing.T) {
	e := newEnv(t, sim.Options{})
	gen := []struct {
		model, res string
		want       int
	}{
		{"veo3_fast", "720p", 60}, {"veo3_fast", "1080p", 65}, {"veo3_fast", "4k", 180},
		{"veo3_lite", "720p", 30}, {"veo3_lite", "1080p", 35}, {"veo3_lite", "4k", 150},
		{"veo3", "720p", 250}, {"veo3", "1080p", 255}, {"veo3", "4k", 380},
	}
	for _, c := range gen {
		for _, dur := range []string{"8", "6", "4"} {
			m := NewGenerate(e.deps()).SetSize(100, 30)
			m = typeText(t, m, "a robot waves")
			m.set(fModel, c.model)
			m.set(fResolution, c.res)
			m.set(fDuration, dur)
			want := fmt.Sprintf("about %d credits", c.want)
			mustContain(t, m.View(), want)
			m, _ = press(t, m, "ctrl+s")
			if m.stage != stageConfirm || m.pending.cost != c.want || m.pending.generate.Duration != int(dur[0]-'0') {
				t.Fatalf("%s %s %ss: review stage %v cost %d duration %d", c.model, c.res, dur, m.stage, m.pending.cost, m.pending.generate.Duration)
			}
			mustContain(t, m.View(), want, fmt.Sprintf("spend ~%d credits", c.want))
		}
	}
	for model, want := range map[string]int{"fast": 60, "lite": 30, "quality": 250} {
		m := NewExtend(e.deps(), e.source(t, sim.DemoLighthouse)).SetSize(100, 30)
		m = typeText(t, m, "a storm rolls in")
		m.set(fModel, model)
		text := fmt.Sprintf("about %d credits", want)
		mustContain(t, m.View(), text)
		m, _ = press(t, m, "ctrl+s")
		if m.stage != stageConfirm || m.pending.cost != want {
			t.Fatalf("extend %s: review stage %v cost %d", model, m.stage, m.pending.cost)
		}
		mustContain(t, m.View(), text)
	}
}

// The review shows today's spending against the daily limit; past the
// limit y sends nothing and says so, and only o sends it over (issue 14).
func TestReviewShowsTodayAndHoldsThePastTheLimit(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.svc = tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: e.srv.URL, APIKey: "k"}), Downloader: download.New(download.Options{}),
		Store: e.st, DownloadDir: t.TempDir(), Budget: tasks.Budget{DailyLimit: 300, ConfirmAbove: 200}})
	if _, err := e.svc.Extend(t.Context(), tasks.ExtendInput{Source: sim.DemoLighthouse, Prompt: "first", Model: "quality"}); err != nil {
		t.Fatal(err)
	}
	review := func(model string) Model {
		m := NewExtend(e.deps(), e.source(t, sim.DemoLighthouse)).SetSize(120, 36)
		m = typeText(t, m, "a storm rolls in")
		m.set(fModel, model)
		m, _ = press(t, m, "ctrl+s")
		if m.stage != stageConfirm {
			t.Fatalf("not at the review: %v", m.errs)
		}
		return m
	}
	m := review("lite")
	mustContain(t, m.View(), "250 credits spent today, daily limit 300 → about 280 with this", "y/enter spend ~30 credits")
	posts := e.srv.Sim.Requests(sim.PathExtend)
	m = review("fast")
	mustContain(t, m.View(), "! over your daily limit: 250 spent today + about 60 = 310, above 300", "o send it over the daily limit")
	m, msgs := press(t, m, "y")
	if len(msgs) != 0 || m.stage != stageConfirm || e.srv.Sim.Requests(sim.PathExtend) != posts {
		t.Fatalf("y sent a create past the daily limit (stage %v, %v)", m.stage, msgs)
	}
	m, _ = press(t, m, "o")
	if e.srv.Sim.Requests(sim.PathExtend) != posts+1 || m.result == nil {
		t.Fatalf("o did not send it over the limit: %v", m.resErr)
	}
	mustContain(t, review("quality").View(), "above your confirmAbove of 200")
}

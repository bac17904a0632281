package compose

import (
	"fmt"
	"testing"

	"github.com/veox/veox/api/sim"
)

// The composer's estimate and the review's come from the one price table
// and differ by model and resolution, cell by cell (issue 14): before,
// every extension read "about 60" and every generation "about 100".
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
		m := NewGenerate(e.deps()).SetSize(100, 30)
		m = typeText(t, m, "a robot waves")
		m.set(fModel, c.model)
		m.set(fResolution, c.res)
		want := fmt.Sprintf("about %d credits", c.want)
		mustContain(t, m.View(), want)
		m, _ = press(t, m, "ctrl+s")
		if m.stage != stageConfirm || m.pending.cost != c.want {
			t.Fatalf("%s %s: review stage %v cost %d", c.model, c.res, m.stage, m.pending.cost)
		}
		mustContain(t, m.View(), want, fmt.Sprintf("spend ~%d credits", c.want))
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

package sim

import (
	"time"

	"github.com/veox/veox/assets"
)

// Demo source ids: finished Veo 3.1 generations that exist from the start,
// so a demo user can extend something right away.
const (
	DemoLighthouse = "veo_task_demo_lighthouse"
	DemoForest     = "veo_task_demo_forest"
	DemoCity       = "veo_task_demo_city"
	DemoUpscaled   = "veo_task_demo_upscaled" // 1080p already requested: cannot be extended
)

// DemoSources lists the demo source ids.
func DemoSources() []string {
	return []string{DemoLighthouse, DemoForest, DemoCity, DemoUpscaled}
}

type demoSource struct {
	id, clip, prompt string
	seed             int
}

func demoSources() []demoSource {
	return []demoSource{
		{DemoLighthouse, assets.Source8A, "A lighthouse on a rocky cliff at dusk, waves crashing below, slow aerial orbit", 34186},
		{DemoForest, assets.Source8B, "Morning mist drifting through a pine forest, sunbeams between the trunks, a deer steps into the clearing", 51207},
		{DemoCity, assets.Source8C, "A neon-lit city street at night in the rain, reflections on wet asphalt, a tram passes", 77731},
		{DemoUpscaled, assets.Source8A, "A paper boat floating down a rain gutter, macro shot, shallow depth of field", 20488},
	}
}

// ensureDemo (re)creates demo sources that are missing or close to the
// 14-day retention, created an hour before now, so they are always
// extendable. They are free: the demo did not pay for them.
func (s *Sim) ensureDemo(now time.Time) {
	// A minute apart, whole seconds, first source newest: every time
	// format a quirky answer uses keeps that order, so a history lists the
	// lighthouse (extendable) first and the upscaled one last.
	base := now.Add(-time.Hour).Truncate(time.Second)
	for i, d := range demoSources() {
		if t, ok := s.tasks[d.id]; ok && now.Sub(t.Created) < retention-24*time.Hour {
			continue
		}
		s.tasks[d.id] = demoTask(d, base.Add(-time.Duration(i)*time.Minute))
	}
}

func demoTask(d demoSource, created time.Time) *task {
	t := &task{ID: d.id, Kind: kindGenerate, Model: "veo3_fast", Resolution: "720p",
		AspectRatio: "16:9", Seed: d.seed, Created: created, Run: 75 * time.Second,
		Clip: d.clip, Settled: true,
		ParamJSON: paramJSON(map[string]any{"prompt": d.prompt, "model": "veo3_fast",
			"aspectRatio": "16:9", "generationType": "TEXT_2_VIDEO", "waterMark": ""})}
	if d.id == DemoUpscaled {
		at := created.Add(10 * time.Minute)
		t.HDAt, t.HDReady = &at, at
	}
	return t
}

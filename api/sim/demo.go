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
	DemoUpscaled   = "veo_task_demo_upscaled" // rendered at 4k: cannot be extended, like any 1080p/4k render
)

// DemoSources lists the demo source ids.
func DemoSources() []string {
	return []string{DemoLighthouse, DemoForest, DemoCity, DemoUpscaled}
}

type demoSource struct {
	id, clip, prompt string
	seed             int
	resolution       string
}

func demoSources() []demoSource {
	return []demoSource{
		{DemoLighthouse, assets.Source8A, "A lighthouse on a rocky cliff at dusk, waves crashing below, slow aerial orbit", 34186, "720p"},
		{DemoForest, assets.Source8B, "Morning mist drifting through a pine forest, sunbeams between the trunks, a deer steps into the clearing", 51207, "720p"},
		{DemoCity, assets.Source8C, "A neon-lit city street at night in the rain, reflections on wet asphalt, a tram passes", 77731, "720p"},
		{DemoUpscaled, assets.Source8A, "A paper boat floating down a rain gutter, macro shot, shallow depth of field", 20488, "4k"},
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
		// A state file from an older veox may hold a source as it was
		// then (the upscaled one was a 720p render with 1080p requested):
		// remake it, so the demo behaves as documented.
		if t, ok := s.tasks[d.id]; ok && now.Sub(t.Created) < retention-24*time.Hour &&
			t.Resolution == d.resolution && t.HDAt == nil {
			continue
		}
		s.tasks[d.id] = demoTask(d, base.Add(-time.Duration(i)*time.Minute))
	}
}

func demoTask(d demoSource, created time.Time) *task {
	return &task{ID: d.id, Kind: kindGenerate, Model: "veo3_fast", Resolution: d.resolution,
		AspectRatio: "16:9", Seed: d.seed, Created: created, Run: 75 * time.Second,
		Clip: d.clip, Settled: true,
		ParamJSON: paramJSON(map[string]any{"prompt": d.prompt, "model": "veo3_fast", "resolution": d.resolution,
			"aspectRatio": "16:9", "generationType": "TEXT_2_VIDEO", "waterMark": ""})}
}

package compose

import (
	"strconv"
	"strings"

	"github.com/veox/veox/tasks"
)

// generateInput reads the generate form.
func (m Model) generateInput() (tasks.GenerateInput, map[fieldID]string) {
	bad := map[fieldID]string{}
	seed, err := tasks.ParseSeed(m.get(fSeed))
	if err != nil {
		bad[fSeed] = err.Error()
	}
	dur, _ := strconv.Atoi(m.get(fDuration)) // a choice: always a number
	in := tasks.GenerateInput{Prompt: m.get(fPrompt), Model: m.get(fModel), Type: m.get(fType),
		ImageURLs: splitLines(m.get(fImages)), Aspect: m.get(fAspect), Resolution: m.get(fResolution),
		Duration: dur, Seed: seed, Watermark: m.get(fWatermark), CallbackURL: m.get(fCallback)}
	return in, bad
}

// imagesHint says how many images the chosen type takes.
func imagesHint(typ string) string {
	switch typ {
	case "frames":
		return "1 or 2 public image URLs, one per line: the first frame, then the last"
	case "reference":
		return "1 to 3 public image URLs, one per line (veo3_fast and 8 s only)"
	}
	return "text videos take no images: clear this field or pick another type"
}

// imagesVisible: the images field only matters for image types, or when it
// still holds URLs a text video would be refused for.
func (m Model) imagesVisible() bool {
	return m.get(fType) != "text" || strings.TrimSpace(m.get(fImages)) != ""
}

// generateWarnings are gentle notes under choices: not errors, the service
// accepts them, but the user should know before paying.
func (m Model) generateWarning(id fieldID) string {
	switch id {
	case fResolution:
		if r := m.get(fResolution); r != "720p" {
			return r + " videos are likely not extendable: make it at 720p, extend, then upscale last"
		}
	case fDuration:
		if m.get(fType) == "reference" && m.get(fDuration) != "8" {
			return "reference videos are 8 s only"
		}
	case fModel:
		if m.get(fType) == "reference" && m.get(fModel) != "veo3_fast" {
			return "reference videos are made with veo3_fast only"
		}
	}
	return ""
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func joinLines(l []string) string { return strings.Join(l, "\n") }

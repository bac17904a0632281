package tasks

import (
	"strings"

	"github.com/veox/veox/api"
)

// GenerateInput is what the user asks for when making a new video.
type GenerateInput struct {
	Prompt      string
	Model       string // veo3 | veo3_fast | veo3_lite
	Type        string // text | frames | reference (or the service's names)
	ImageURLs   []string
	Aspect      string // 16:9 | 9:16 | Auto
	Resolution  string // 720p | 1080p | 4k
	Duration    int    // 4 | 6 | 8; 0 = service default
	Seed        int
	Watermark   string
	CallbackURL string
	Translate   bool // enableTranslation, always sent explicitly
	OverBudget  bool // send it even past the daily limit (ExtendInput.OverBudget)
}

// generationTypes maps the short names users type to the service's names
// (a function, so no package state can be changed by accident).
func generationTypes() map[string]string {
	return map[string]string{"text": api.TypeText, "frames": api.TypeFrames, "reference": api.TypeReference}
}

// TypeName returns the short name of a generation type ("text", …).
func TypeName(apiType string) string {
	for k, v := range generationTypes() {
		if v == apiType {
			return k
		}
	}
	return apiType
}

// ValidateGenerate checks every rule the service would reject on and
// normalises the input to the service's spellings.
func ValidateGenerate(in *GenerateInput) error {
	var c checker
	checkPrompt(&c, &in.Prompt)
	checkSeed(&c, in.Seed)
	in.Model = strings.ToLower(strings.TrimSpace(in.Model))
	if in.Model == "" {
		in.Model = api.ModelFast
	} else if !contains(GenerateModels(), in.Model) {
		c.add("model", "%q is not a generate model: use veo3_fast, veo3 or veo3_lite", in.Model)
	}
	checkType(&c, in)
	checkImages(&c, in)
	checkAspect(&c, &in.Aspect)
	checkResolution(&c, &in.Resolution)
	if d := in.Duration; d != 0 && d != 4 && d != 6 && d != 8 {
		c.add("duration", "%d s is not offered: use 4, 6 or 8", d)
	}
	if in.Type == api.TypeReference && in.Duration != 0 && in.Duration != 8 {
		c.add("duration", "reference videos are 8 s only")
	}
	checkWatermark(&c, &in.Watermark)
	checkCallback(&c, &in.CallbackURL)
	return c.err()
}

func checkType(c *checker, in *GenerateInput) {
	t := strings.TrimSpace(in.Type)
	if t == "" {
		t = "text"
	}
	if full, ok := generationTypes()[strings.ToLower(t)]; ok {
		in.Type = full
		return
	}
	for _, full := range generationTypes() {
		if t == full {
			in.Type = full
			return
		}
	}
	c.add("type", "%q is not a generation type: use text, frames or reference", t)
}

func checkImages(c *checker, in *GenerateInput) {
	urls := in.ImageURLs[:0:0]
	for _, u := range in.ImageURLs {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	in.ImageURLs = urls
	n := len(urls)
	switch in.Type {
	case api.TypeText:
		if n > 0 {
			c.add("images", "text videos take no images; use --type frames or reference to start from images")
		}
	case api.TypeFrames:
		if n < 1 || n > 2 {
			c.add("images", "first-and-last-frame videos take 1 or 2 image URLs (got %d)", n)
		}
	case api.TypeReference:
		if n < 1 || n > 3 {
			c.add("images", "reference videos take 1 to 3 image URLs (got %d)", n)
		}
		if in.Model != api.ModelFast {
			c.add("model", "reference videos are made with veo3_fast only")
		}
	}
	for _, u := range urls {
		if err := checkHTTPURL(u); err != nil {
			c.add("images", "image %s; the service fetches it, so it must be public", err)
		}
	}
}

func checkAspect(c *checker, a *string) {
	switch strings.ToLower(strings.TrimSpace(*a)) {
	case "", "16:9":
		*a = "16:9"
	case "9:16":
		*a = "9:16"
	case "auto":
		*a = "Auto"
	case "1:1":
		c.add("aspect", "1:1 is not offered: use 16:9, 9:16 or Auto")
	default:
		c.add("aspect", "%q is not an aspect ratio: use 16:9, 9:16 or Auto", api.Sanitize(*a))
	}
}

func checkResolution(c *checker, r *string) {
	switch strings.ToLower(strings.TrimSpace(*r)) {
	case "", "720p":
		*r = "720p"
	case "1080p":
		*r = "1080p"
	case "4k":
		*r = "4k"
	default:
		c.add("resolution", "%q is not offered: use 720p, 1080p or 4k", api.Sanitize(*r))
	}
}

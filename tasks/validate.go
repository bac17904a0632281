// Package tasks is the task lifecycle shared by the TUI and the headless
// commands: validate, record the intent, create, poll, settle, download.
package tasks

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/veox/veox/api"
)

// FieldError names the field and the rule it broke, so a form can show the
// message beside the field and a command can print it as is.
type FieldError struct {
	Field   string // "prompt", "seed", "model", "watermark", "callback", "source", "type", "images", "aspect", "resolution", "duration"
	Message string
}

// ValidationError is every rule broken by one input. Nothing was sent.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Field + ": " + f.Message
	}
	return strings.Join(msgs, "; ")
}

// For returns the message for one field, "" if it is fine.
func (e *ValidationError) For(field string) string {
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

type checker struct{ errs []FieldError }

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{field, fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{c.errs}
}

// ExtendInput is what the user asks for when extending a finished video.
type ExtendInput struct {
	Source      string // the service task id of the video to extend
	Prompt      string
	Seed        int // 0 = random
	Model       string
	Watermark   string
	CallbackURL string
	// OverBudget sends it even if it takes today past the daily limit
	// (--over-budget): the user has seen the numbers.
	OverBudget bool
}

// extendModels lists the models extend accepts (not the veo3… names of
// generate), the default first.
func extendModels() []string { return []string{api.ExtendFast, api.ExtendQuality, api.ExtendLite} }

// GenerateModels lists the models generate accepts, the default first.
func GenerateModels() []string {
	return []string{api.ModelFast, api.ModelQuality, api.ModelLite}
}

// ValidateExtend checks every rule the service would reject on, and
// normalises the input (trimmed text, default model).
func ValidateExtend(in *ExtendInput) error {
	var c checker
	in.Source = strings.TrimSpace(in.Source)
	checkTaskID(&c, "source", in.Source)
	checkPrompt(&c, &in.Prompt)
	checkSeed(&c, in.Seed)
	in.Model = strings.ToLower(strings.TrimSpace(in.Model))
	if in.Model == "" {
		in.Model = api.ExtendFast
	} else if !contains(extendModels(), in.Model) {
		c.add("model", "%q is not an extend model: use fast, quality or lite (the veo3… names are for generate)", in.Model)
	}
	checkWatermark(&c, &in.Watermark)
	checkCallback(&c, &in.CallbackURL)
	return c.err()
}

// CheckTaskID validates a task id typed by the user: non-empty, printable,
// no spaces. Ids are opaque, so nothing more is assumed.
func CheckTaskID(id string) error {
	var c checker
	checkTaskID(&c, "task", strings.TrimSpace(id))
	return c.err()
}

func checkTaskID(c *checker, field, id string) {
	switch {
	case id == "":
		c.add(field, "a task id is required (see 'veox list')")
	case len(id) > 200:
		c.add(field, "task id is %d characters long; ids are short strings such as 32 hex characters", len(id))
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		c.add(field, "task id %q has spaces or control characters; paste just the id", api.Sanitize(id))
	}
}

func checkPrompt(c *checker, p *string) {
	*p = strings.TrimSpace(*p)
	switch {
	case *p == "":
		c.add("prompt", "describe what should happen; the prompt cannot be blank")
	case strings.IndexFunc(*p, isBadControl) >= 0:
		c.add("prompt", "the prompt has control characters; remove them")
	}
}

func isBadControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}

func checkSeed(c *checker, seed int) {
	if seed != 0 && (seed < api.SeedMin || seed > api.SeedMax) {
		c.add("seed", "%d is out of range: seeds go from %d to %d (leave empty for random)", seed, api.SeedMin, api.SeedMax)
	}
}

// ParseSeed reads a seed as typed: empty means random (0).
func ParseSeed(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "random") {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("seed %q is not a whole number from %d to %d (leave empty for random)", s, api.SeedMin, api.SeedMax)
	}
	if n < api.SeedMin || n > api.SeedMax {
		return 0, fmt.Errorf("seed %d is out of range: seeds go from %d to %d", n, api.SeedMin, api.SeedMax)
	}
	return n, nil
}

// RandomSeed rolls a seed in the service's range.
func RandomSeed() int { return api.SeedMin + rand.IntN(api.SeedMax-api.SeedMin+1) }

const maxWatermark = 100

func checkWatermark(c *checker, w *string) {
	*w = strings.TrimSpace(*w)
	if strings.IndexFunc(*w, unicode.IsControl) >= 0 {
		c.add("watermark", "the watermark has control characters; use plain text on one line")
	}
	if n := len([]rune(*w)); n > maxWatermark {
		c.add("watermark", "the watermark is %d characters; keep it to %d", n, maxWatermark)
	}
}

func checkCallback(c *checker, u *string) {
	*u = strings.TrimSpace(*u)
	if *u == "" {
		return
	}
	if err := checkHTTPURL(*u); err != nil {
		c.add("callback", "callback URL %s", err)
	}
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q must be a full http(s) URL such as https://example.com/hook", api.Sanitize(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%q carries a user name or password; the service would pass it on, so leave it out", u.Redacted())
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// LooksEnglish is a gentle heuristic for the composer's hint: the service
// recommends English prompts. It only looks at letters.
func LooksEnglish(s string) bool {
	var letters, ascii int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if r < unicode.MaxASCII {
				ascii++
			}
		}
	}
	return letters == 0 || ascii*10 >= letters*8
}

package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/veox/veox/store"
)

// A story's steps as text: what 'veox story new --prompts FILE' reads and
// what the TUI hands to $EDITOR. Two forms:
//
//   - paragraphs: one prompt per paragraph (blank lines between). A
//     paragraph may start with option lines "@seed 12345", "@model
//     quality", "@watermark MyBrand"; lines starting with "#" are comments.
//   - JSON lines: one object per line with "prompt" and optionally "seed",
//     "model", "watermark" (what a script or a spreadsheet export writes).
//
// The form is told by the first line that is not blank or a comment: "{"
// starts JSON lines.

// MaxStorySteps bounds a story: Google stitches up to about 148 s, which is
// 20 extensions of an 8 s clip.
const MaxStorySteps = 20

// ParseSteps reads steps in either form. Every problem is named with the
// line it is on; nothing is half read.
func ParseSteps(text string) ([]store.StoryStep, error) {
	text = strings.TrimPrefix(strings.ReplaceAll(text, "\r\n", "\n"), "\ufeff")
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "{") {
			return parseJSONLines(text)
		}
		break
	}
	return parseParagraphs(text)
}

func parseJSONLines(text string) ([]store.StoryStep, error) {
	var steps []store.StoryStep
	for n, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var in struct {
			Prompt    *string `json:"prompt"`
			Seed      *int    `json:"seed"`
			Model     string  `json:"model"`
			Watermark string  `json:"watermark"`
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(l)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object with prompt, seed, model, watermark: %v", n+1, err)
		}
		if in.Prompt == nil {
			return nil, fmt.Errorf("line %d: no \"prompt\"", n+1)
		}
		st := store.StoryStep{Prompt: *in.Prompt, Model: in.Model, Watermark: in.Watermark}
		if in.Seed != nil {
			st.Seed = *in.Seed
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func parseParagraphs(text string) ([]store.StoryStep, error) {
	var steps []store.StoryStep
	var cur *store.StoryStep
	var prompt []string
	flush := func() {
		if cur != nil {
			cur.Prompt = strings.Join(prompt, "\n")
			steps = append(steps, *cur)
		}
		cur, prompt = nil, nil
	}
	for n, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "":
			flush()
			continue
		case strings.HasPrefix(l, "#"):
			continue
		}
		if cur == nil {
			cur = &store.StoryStep{}
		}
		if strings.HasPrefix(l, "@") && len(prompt) == 0 {
			if err := stepOption(cur, l); err != nil {
				return nil, fmt.Errorf("line %d: %v", n+1, err)
			}
			continue
		}
		prompt = append(prompt, l)
	}
	flush()
	for i, st := range steps {
		if strings.TrimSpace(st.Prompt) == "" {
			return nil, fmt.Errorf("step %d has options but no prompt", i+1)
		}
	}
	return steps, nil
}

// stepOption reads "@seed 12345", "@model quality" or "@watermark text".
func stepOption(st *store.StoryStep, line string) error {
	name, value, _ := strings.Cut(strings.TrimPrefix(line, "@"), " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(name) {
	case "seed":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("@seed %q is not a number", value)
		}
		st.Seed = n
	case "model":
		st.Model = value
	case "watermark":
		st.Watermark = value
	default:
		return fmt.Errorf("unknown option %q: use @seed, @model or @watermark (or leave the @ out of the prompt's first line)", "@"+name)
	}
	return nil
}

// FormatSteps writes steps as paragraphs, the form ParseSteps reads back,
// with a comment that says how.
func FormatSteps(steps []store.StoryStep) string {
	var b strings.Builder
	b.WriteString("# One step per paragraph: what happens next, in order. Blank lines separate steps.\n")
	b.WriteString("# A step may start with @seed 12345, @model fast|quality|lite, @watermark TEXT.\n")
	b.WriteString("# Lines starting with # are ignored. Save and quit to keep the list.\n")
	for _, st := range steps {
		b.WriteString("\n")
		if st.Seed != 0 {
			fmt.Fprintf(&b, "@seed %d\n", st.Seed)
		}
		if st.Model != "" {
			fmt.Fprintf(&b, "@model %s\n", st.Model)
		}
		if st.Watermark != "" {
			fmt.Fprintf(&b, "@watermark %s\n", st.Watermark)
		}
		b.WriteString(strings.TrimSpace(st.Prompt))
		b.WriteString("\n")
	}
	return b.String()
}

package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// A story is a planned chain of extensions that runs unattended: step k+1
// is sent when step k succeeds, extending step k's task. The plan is in
// the history (store.Story); this file is what it means: the state of each
// step, what it costs, how long the film gets, and the one confirmation
// that covers it all (Review, Start). Running it is story_run.go.

// Step states, as the faces show them: a task's status, or "planned"
// before anything was sent, or "missing" when the step's task is no longer
// in the history.
const (
	StepPlanned = "planned"
	StepMissing = "missing"
)

// StepSeconds is what each extension adds to the video.
const StepSeconds = 7

// MaxStitchedSeconds is about the longest video Google stitches.
const MaxStitchedSeconds = 148

// StoryInput is a plan as the user writes it: a source, the story's
// defaults, and the steps.
type StoryInput struct {
	Source    string // the service task id (or a local id) of the video to extend
	Model     string // default "fast"
	Watermark string
	Seed      int // 0 = random for each step
	Steps     []store.StoryStep
}

// StepView is one step as it stands.
type StepView struct {
	N         int    // 1-based
	Prompt    string // as written
	Model     string // the step's, else the story's, else fast
	Watermark string // the step's, else the story's
	Seed      int    // the step's, else the story's; 0 = random
	Task      *store.Task
	State     string // StepPlanned, StepMissing, or the task's status
	Credits   int    // what this step costs (about)
	Seconds   int    // how long the video is after it (0 when the source's length is unknown)
}

// Void reports whether the step's last attempt made nothing and never
// will: refused, failed, dismissed. It may be edited and sent again.
func (v StepView) Void() bool {
	return v.State == store.StatusRefused || v.State == store.StatusFailed
}

// Editable reports whether the step can still be changed: nothing was sent
// for it, or what was sent made nothing.
func (v StepView) Editable() bool { return v.State == StepPlanned || v.Void() }

// StoryView is a story with each step's state and the figures of the plan.
type StoryView struct {
	Story         store.Story
	Source        *store.Task // nil when not in the history
	SourceSeconds int         // 0 when not known
	Steps         []StepView
	Estimate      int // every step, about
	ToSpend       int // the steps still to send (planned, or to be sent again)
	FinalSeconds  int // 0 when not known
	Next          int // the first step that has not succeeded; len(Steps) when all have
}

// Film is the last step's whole video on disk, "" until it is there.
func (v *StoryView) Film() string {
	if len(v.Steps) == 0 || v.Next < len(v.Steps) {
		return ""
	}
	if t := v.Steps[len(v.Steps)-1].Task; t != nil {
		return WholeFile(t)
	}
	return ""
}

// WholeFile is the newest file of t that is its whole video ("" if none).
func WholeFile(t *store.Task) string {
	for i := len(t.Files) - 1; i >= 0; i-- {
		if !t.Files[i].Part {
			return t.Files[i].Path
		}
	}
	return ""
}

// Running reports whether the step is being made upstream or sent now.
func (v StepView) Running() bool {
	return v.State == store.StatusRunning || v.State == store.StatusSubmitting
}

// LoadStory reads a story (by id or unique prefix) with its steps' tasks.
func (s *Service) LoadStory(id string) (*StoryView, error) {
	st, err := s.store.GetStory(id)
	if err != nil {
		return nil, err
	}
	return s.storyView(st), nil
}

// Stories lists every story with its state, newest first.
func (s *Service) Stories() ([]*StoryView, error) {
	all, err := s.store.Stories()
	if err != nil {
		return nil, err
	}
	out := make([]*StoryView, len(all))
	for i := range all {
		out[i] = s.storyView(&all[i])
	}
	return out, nil
}

func (s *Service) storyView(st *store.Story) *StoryView {
	v := &StoryView{Story: *st, Next: len(st.Steps)}
	if src, err := s.store.Get(st.Source); err == nil {
		v.Source = src
		v.SourceSeconds = s.VideoSeconds(src)
	}
	secs := v.SourceSeconds
	for i, step := range st.Steps {
		sv := StepView{N: i + 1, Prompt: step.Prompt, Model: firstOf(step.Model, st.Model, api.ExtendFast),
			Watermark: firstOf(step.Watermark, st.Watermark), Seed: step.Seed, State: StepPlanned}
		if sv.Seed == 0 {
			sv.Seed = st.Seed
		}
		sv.Credits = ExtendCost(sv.Model)
		if step.LocalID != "" {
			if t, err := s.store.Get(step.LocalID); err == nil {
				sv.Task, sv.State = t, t.Status
			} else {
				sv.State = StepMissing
			}
		}
		if secs > 0 {
			secs += StepSeconds
			sv.Seconds = secs
		}
		v.Estimate += sv.Credits
		if sv.Editable() {
			v.ToSpend += sv.Credits
		}
		if sv.State != store.StatusSucceeded && v.Next == len(st.Steps) {
			v.Next = i
		}
		v.Steps = append(v.Steps, sv)
	}
	v.FinalSeconds = secs
	return v
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// VideoSeconds is how long a video is, in whole seconds: its whole file's
// own length when it was downloaded, else what its chain says (a clip is
// 8 s, or the duration asked for; each extension adds 7 s). 0 when not
// known.
func (s *Service) VideoSeconds(t *store.Task) int {
	if d := wholeDuration(t); d > 0 {
		return int(d.Seconds() + 0.5)
	}
	chain, err := s.store.Chain(t.LocalID)
	if err != nil || len(chain) == 0 {
		return 0
	}
	secs := 0
	for i := range chain {
		c := &chain[i]
		switch {
		case wholeDuration(c) > 0:
			secs = int(wholeDuration(c).Seconds() + 0.5)
		case i == 0 && c.ParentID != "":
			return 0 // made from a video not in the history: length unknown
		case i == 0 && c.Request.Duration > 0:
			secs = c.Request.Duration
		case i == 0:
			secs = 8
		case c.Kind == store.KindUpscale:
		default:
			secs += StepSeconds
		}
	}
	return secs
}

func wholeDuration(t *store.Task) time.Duration {
	for i := len(t.Files) - 1; i >= 0; i-- {
		if f := t.Files[i]; !f.Part && f.Duration > 0 {
			return f.Duration
		}
	}
	return 0
}

// PlanStory checks a plan and records it as a planned story. Nothing is
// sent: the source is asked about (a read) so a plan that could never run
// is refused now, with the reason.
func (s *Service) PlanStory(ctx context.Context, in StoryInput) (*StoryView, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if err := validateStory(&in); err != nil {
		return nil, err
	}
	src, err := s.CheckSource(ctx, in.Source)
	if err != nil {
		return nil, err
	}
	st := &store.Story{ID: s.store.NewStoryID(), Source: src.TaskID, Model: in.Model, Watermark: in.Watermark,
		Seed: in.Seed, Steps: in.Steps, Status: store.StoryPlanned, CreatedAt: s.now()}
	if secs := s.VideoSeconds(src); secs > 0 && secs+StepSeconds*len(in.Steps) > MaxStitchedSeconds {
		return nil, &ValidationError{[]FieldError{{"steps", fmt.Sprintf("%d steps make a %d s video from this %d s source; the service stitches up to about %d s",
			len(in.Steps), secs+StepSeconds*len(in.Steps), secs, MaxStitchedSeconds)}}}
	}
	st.Log(s.now(), store.StoryPlanned, fmt.Sprintf("planned: %d steps from %s", len(st.Steps), src.TaskID))
	if err := s.store.PutStory(st); err != nil {
		return nil, err
	}
	return s.storyView(st), nil
}

// validateStory applies the extend rules to every step, naming the step in
// each message, and normalises the text.
func validateStory(in *StoryInput) error {
	var c checker
	in.Source = strings.TrimSpace(in.Source)
	checkTaskID(&c, "source", in.Source)
	def := ExtendInput{Source: "x", Prompt: "x", Seed: in.Seed, Model: in.Model, Watermark: in.Watermark}
	if err := ValidateExtend(&def); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			c.errs = append(c.errs, ve.Fields...)
		}
	}
	in.Model, in.Watermark = def.Model, def.Watermark
	switch n := len(in.Steps); {
	case n == 0:
		c.add("steps", "a story needs at least one step: one prompt per paragraph")
	case n > MaxStorySteps:
		c.add("steps", "%d steps: a story has at most %d (the service stitches up to about %d s)", n, MaxStorySteps, MaxStitchedSeconds)
	}
	for i := range in.Steps {
		checkStep(&c, i, &in.Steps[i])
	}
	return c.err()
}

// checkStep validates one step as an extension, its fields named "step N
// prompt" and so on.
func checkStep(c *checker, i int, st *store.StoryStep) {
	e := ExtendInput{Source: "x", Prompt: st.Prompt, Seed: st.Seed, Model: st.Model, Watermark: st.Watermark}
	err := ValidateExtend(&e)
	st.Prompt, st.Watermark = e.Prompt, e.Watermark
	if st.Model != "" {
		st.Model = e.Model
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			c.errs = append(c.errs, FieldError{fmt.Sprintf("step %d %s", i+1, f.Field), f.Message})
		}
	}
}

// EditSteps replaces the steps from the first editable one on (see
// StepView.Editable) with steps: those already sent and made, or on their
// way, stay as they are. A step whose attempt made nothing keeps that
// attempt in its Tried list and is sent again when the story runs.
func (s *Service) EditSteps(id string, steps []store.StoryStep) (*StoryView, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	v, err := s.LoadStory(id)
	if err != nil {
		return nil, err
	}
	from := v.EditableFrom()
	in := StoryInput{Source: v.Story.Source, Model: v.Story.Model, Watermark: v.Story.Watermark, Seed: v.Story.Seed,
		Steps: append(sentSteps(v, from), steps...)}
	if err := validateStory(&in); err != nil {
		return nil, err
	}
	if v.SourceSeconds > 0 && v.SourceSeconds+StepSeconds*len(in.Steps) > MaxStitchedSeconds {
		return nil, &ValidationError{[]FieldError{{"steps", fmt.Sprintf("%d steps make a %d s video; the service stitches up to about %d s",
			len(in.Steps), v.SourceSeconds+StepSeconds*len(in.Steps), MaxStitchedSeconds)}}}
	}
	st, err := s.store.UpdateStory(v.Story.ID, func(st *store.Story) error {
		if len(st.Steps) < from || !sameSent(st.Steps[:from], v.Story.Steps[:from]) {
			return errors.New("the story changed meanwhile (another veox ran a step); open it again")
		}
		var tail []store.StoryStep
		for i, step := range in.Steps[from:] {
			if j := from + i; j < len(st.Steps) && st.Steps[j].LocalID != "" {
				step.Tried = append(append([]string{}, st.Steps[j].Tried...), st.Steps[j].LocalID)
			} else if j < len(st.Steps) {
				step.Tried = st.Steps[j].Tried
			}
			tail = append(tail, step)
		}
		st.Steps = append(st.Steps[:from], tail...)
		if st.Status == store.StoryDone {
			st.Status = store.StoryStopped // new steps to run
		}
		if st.Status == store.StoryStopped {
			// The reason it stopped for (a refused step, say) is what the
			// edit answered: say what is left to do instead.
			st.Reason = fmt.Sprintf("edited: step %d is sent as it now stands once the story runs again", from+1)
		}
		st.Log(s.now(), "edited", fmt.Sprintf("steps %d to %d edited", from+1, len(st.Steps)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.storyView(st), nil
}

// EditStep changes one step (1-based n), which must be editable.
func (s *Service) EditStep(id string, n int, step store.StoryStep) (*StoryView, error) {
	v, err := s.LoadStory(id)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(v.Steps) {
		return nil, &ValidationError{[]FieldError{{"step", fmt.Sprintf("the story has steps 1 to %d", len(v.Steps))}}}
	}
	from := v.EditableFrom()
	if n-1 < from {
		return nil, &ValidationError{[]FieldError{{"step", fmt.Sprintf("step %d was sent and is %s: only steps not sent yet, or whose attempt made nothing, can be edited", n, v.Steps[n-1].State)}}}
	}
	tail := make([]store.StoryStep, 0, len(v.Steps)-from)
	for i := from; i < len(v.Steps); i++ {
		cur := v.Story.Steps[i]
		cur.LocalID, cur.Tried = "", nil
		if i == n-1 {
			cur = step
		}
		tail = append(tail, cur)
	}
	return s.EditSteps(id, tail)
}

// EditableFrom is the first step that may change: steps before it were
// made or are on their way (running, or of unknown outcome). It is the
// step in hand when that one was never sent or made nothing, else the one
// after it; len(Steps) when steps may only be added.
func (v *StoryView) EditableFrom() int {
	c := v.Next
	if c < len(v.Steps) && !v.Steps[c].Editable() {
		c++
	}
	return c
}

func sentSteps(v *StoryView, from int) []store.StoryStep {
	out := make([]store.StoryStep, from)
	copy(out, v.Story.Steps[:from])
	return out
}

func sameSent(a, b []store.StoryStep) bool {
	for i := range a {
		if a[i].LocalID != b[i].LocalID {
			return false
		}
	}
	return true
}

// StepsToSend is how many steps a run would still send: those not yet
// created (planned, or stopped to be edited).
func (v *StoryView) StepsToSend() int {
	n := 0
	for _, s := range v.Steps {
		if s.Editable() {
			n++
		}
	}
	return n
}

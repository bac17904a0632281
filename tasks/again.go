package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/veox/veox/store"
)

// Again is one task to be run again with a new seed, as r does for one
// task: an extension is run again from its source (which must still be
// extendable), anything else is generated anew from its request. Why says
// why it will not be run again ("" when it will); the input is then unset.
type Again struct {
	Task     store.Task
	Source   *store.Task // the video an extension is run again from
	Generate *GenerateInput
	Extend   *ExtendInput
	Cost     int // indicative, in credits
	Why      string
}

// Runnable reports whether a is to be sent.
func (a Again) Runnable() bool { return a.Why == "" }

// Model is the model the new create asks for (normalised).
func (a Again) Model() string {
	switch {
	case a.Generate != nil:
		return a.Generate.Model
	case a.Extend != nil:
		return a.Extend.Model
	}
	return a.Task.Request.Model
}

// Resolution is what the new video will be: an extension keeps its
// source's.
func (a Again) Resolution() string {
	switch {
	case a.Generate != nil:
		return a.Generate.Resolution
	case a.Source != nil:
		return videoOf(a.Source).Resolution
	}
	return a.Task.Request.Resolution
}

// PlanAgain says, for each task, what running it again with a new seed
// would send and cost, or why it cannot be (the rules of the single run
// again: a create whose outcome is unknown is settled first; an
// extension needs its source in the history, still extendable; an
// upscale has no seed to change; the request must still pass validation).
// Each task is read afresh from the history (a mark may be old); the
// service is not asked.
func (s *Service) PlanAgain(ts []store.Task) []Again {
	out := make([]Again, len(ts))
	for i, t := range ts {
		out[i] = s.planOne(t)
	}
	return out
}

func (s *Service) planOne(t store.Task) Again {
	fresh, err := s.store.Get(t.LocalID)
	switch {
	case err == nil:
		t = *fresh // marked a while ago: what it is now decides
	case t.Row != nil: // a list row holds too little to run again
		return Again{Task: t, Why: "cannot read it from the history: " + err.Error()}
	}
	a := Again{Task: t}
	r := t.Request
	switch {
	case t.Status == store.StatusUnknown:
		a.Why = "its create may be running: settle or dismiss it first"
	case t.Status == store.StatusSubmitting:
		a.Why = "it is being sent right now"
	case t.Kind == store.KindUpscale:
		a.Why = "an upscale has no seed to change: u on its source asks for another"
	case t.Kind == store.KindExtend:
		src := s.parentOf(t)
		if src == nil {
			a.Why = "its source is not in the history: extend it by id with N"
			return a
		}
		if why := WhyNotExtendable(src, s.now()); why != "" {
			a.Why = "its source cannot be extended: " + why
			return a
		}
		in := ExtendInput{Source: src.TaskID, Prompt: r.Prompt, Model: r.Model, Watermark: r.Watermark, CallbackURL: r.CallbackURL}
		if err := ValidateExtend(&in); err != nil {
			a.Why = "its request would be refused: " + validationText(err)
			return a
		}
		a.Source, a.Extend, a.Cost = src, &in, ExtendCost(in.Model)
	default:
		in := GenerateInput{Prompt: r.Prompt, Model: r.Model, Type: r.GenerationType, ImageURLs: r.ImageURLs,
			Aspect: r.AspectRatio, Resolution: r.Resolution, Duration: r.Duration, Watermark: r.Watermark,
			CallbackURL: r.CallbackURL}
		if err := ValidateGenerate(&in); err != nil {
			a.Why = "its request would be refused: " + validationText(err)
			return a
		}
		a.Generate, a.Cost = &in, GenerateCost(in.Model, in.Resolution)
	}
	return a
}

// parentOf is the task an extension continued, nil when the history does
// not hold it.
func (s *Service) parentOf(t store.Task) *store.Task {
	chain, err := s.store.Chain(t.LocalID)
	if err != nil || len(chain) < 2 {
		return nil
	}
	return &chain[len(chain)-2]
}

func validationText(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		return ve.Fields[0].Message
	}
	return err.Error()
}

// AgainTotal is what the runnable ones cost together.
func AgainTotal(as []Again) int {
	n := 0
	for _, a := range as {
		if a.Runnable() {
			n += a.Cost
		}
	}
	return n
}

// RunAgain sends one planned create through the one path every create
// takes (budget check, intent recorded before sending, sent once, an
// unknown outcome kept unknown). An extension's source is checked with
// the service again, as for any extension.
func (s *Service) RunAgain(ctx context.Context, a Again) (*store.Task, error) {
	switch {
	case a.Generate != nil:
		return s.Generate(ctx, *a.Generate)
	case a.Extend != nil:
		return s.Extend(ctx, *a.Extend)
	}
	return nil, fmt.Errorf("not run again: %s", a.Why)
}

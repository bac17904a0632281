package tasks

import (
	"context"
	"fmt"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Upscale targets.
const (
	Upscale1080 = "1080p"
	Upscale4K   = "4k"
)

// UpscaleInput asks for a 1080p or 4K version of a finished video.
type UpscaleInput struct {
	Source     string // task id (or local id) of the finished video
	To         string // Upscale1080 or Upscale4K
	OverBudget bool   // send it even past the daily limit
}

// Upscale asks for a 1080p or 4K version within the daily budget.
func (s *Service) Upscale(ctx context.Context, id, to string) (*store.Task, error) {
	return s.UpscaleWith(ctx, UpscaleInput{Source: id, To: to})
}

// UpscaleWith asks for a 1080p or 4K version of a finished video. It is
// recorded as its own task whose parent is the source. A 1080p request
// makes the source unextendable, so the source is marked before the
// request leaves.
func (s *Service) UpscaleWith(ctx context.Context, in UpscaleInput) (*store.Task, error) {
	id, to := in.Source, in.To
	if to != Upscale1080 && to != Upscale4K {
		return nil, &ValidationError{[]FieldError{{"to", fmt.Sprintf("%q: upscale to 1080p or 4k", to)}}}
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	src, err := s.Import(ctx, id)
	if err != nil {
		return nil, err
	}
	if src.Status != store.StatusSucceeded || src.Kind == store.KindUpscale {
		return nil, &ValidationError{[]FieldError{{"source", "only finished videos can be upscaled (this one is " + src.Status + ")"}}}
	}
	t := &store.Task{Kind: store.KindUpscale, ParentID: src.TaskID, Request: store.Request{
		Prompt: src.Request.Prompt, Model: src.Request.Model, Seed: src.Request.Seed,
		Watermark: src.Request.Watermark, UpscaleTo: to,
	}}
	if to == Upscale1080 && !in.OverBudget {
		// Checked before the source is marked (submit checks again).
		if err := s.CheckBudget(float64(UpscaleCost(to))); err != nil {
			return nil, err
		}
	}
	if to == Upscale1080 {
		// Marked before the request leaves: if the answer is lost, the
		// 1080p version may exist, and the source must not be offered.
		if _, err := s.store.Update(src.LocalID, func(t *store.Task) error { t.Upscaled1080 = true; return nil }); err != nil {
			return nil, err
		}
		t, err := s.submit(ctx, t, in.OverBudget, func(ctx context.Context) (string, error) {
			_, err := s.api.Get1080p(ctx, src.TaskID, 0)
			return "", err
		})
		s.recountHD(src.LocalID)
		return t, err
	}
	var named string
	t, err = s.submit(ctx, t, in.OverBudget, func(ctx context.Context) (string, error) {
		up, err := s.api.Get4K(ctx, api.FourKRequest{TaskID: src.TaskID})
		if err != nil {
			return "", err
		}
		named = up.TaskID
		return s.ownID(up.TaskID), nil
	})
	if t != nil && named != "" && t.TaskID == "" {
		t = s.noteNamedBy(t, named)
	}
	return t, err
}

// ownID is the id a 4K is recorded under: the one the service answered,
// unless that id already belongs to another entry of the history. The
// docs' example answers with the source's own id; the 4K is then recorded,
// like a 1080p version, as the upscale of its source, followed through it.
func (s *Service) ownID(answered string) string {
	if answered == "" {
		return ""
	}
	if _, err := s.store.Get(answered); err == nil {
		return ""
	}
	return answered
}

// noteNamedBy says in the timeline which id the service named the 4K by.
func (s *Service) noteNamedBy(t *store.Task, named string) *store.Task {
	u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		note(t, s.now(), "the service named this 4K %s, which is its source's id (or another task's); veox follows it through its source", named)
		return nil
	})
	if err != nil {
		return t
	}
	return u
}

// refreshUpscale polls an upscale through the endpoint that started it:
// both answer "processing" until the file is ready.
func (s *Service) refreshUpscale(ctx context.Context, t *store.Task) (*store.Task, error) {
	if t.Status != store.StatusRunning && t.Status != store.StatusSucceeded {
		return t, nil
	}
	var up *api.Upgrade
	var err error
	if t.Request.UpscaleTo == Upscale1080 {
		up, err = s.api.Get1080p(ctx, t.ParentID, t.Request.Index)
	} else {
		up, err = s.api.Get4K(ctx, api.FourKRequest{TaskID: t.ParentID, Index: t.Request.Index})
	}
	if err != nil {
		return t, err
	}
	now := s.now()
	apply := func(t *store.Task) error {
		t.PolledAt = now
		if up.State == api.UpgradeReady && mergeURLs(t, "result", &t.ResultURLs, up.ResultURLs, now) {
			t.URLsAt, t.Resolution = now, t.Request.UpscaleTo
			if t.Status != store.StatusSucceeded {
				t.CompletedAt = now
				t.SetStatus(store.StatusSucceeded, now, "")
			}
		}
		return nil
	}
	if s.store.ReadOnly() {
		_ = apply(t)
		return t, nil
	}
	return s.store.Update(t.LocalID, apply)
}

// recountHD sets the source's Upscaled1080 from its 1080p requests: only
// one the service did not refuse makes a video unextendable.
func (s *Service) recountHD(srcLocalID string) {
	src, err := s.store.Get(srcLocalID)
	if err != nil || src.TaskID == "" {
		return
	}
	kids, err := s.store.Children(src.TaskID)
	if err != nil {
		return
	}
	asked := false
	for _, k := range kids {
		if k.Kind == store.KindUpscale && k.Request.UpscaleTo == Upscale1080 && !refused(&k) {
			asked = true
		}
	}
	if asked != src.Upscaled1080 {
		_, _ = s.store.Update(srcLocalID, func(t *store.Task) error { t.Upscaled1080 = asked; return nil })
	}
}

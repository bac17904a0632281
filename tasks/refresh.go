package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Refresh asks the service about one task and records what it says.
func (s *Service) Refresh(ctx context.Context, id string) (*store.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	t, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	nt, svcEnd, err := s.refresh(ctx, t)
	switch {
	case nt == nil:
	case nt.Status == store.StatusRunning:
		s.seen.running(nt.LocalID, s.now())
	case !store.Finished(t.Status) && store.Finished(nt.Status):
		s.bal.moved() // billing or a refund may come with the end
		if !s.store.ReadOnly() {
			nt = s.noteEnd(nt, svcEnd)
			nt = s.chargeAtEnd(ctx, nt)
			s.reviseAround(nt)
		}
	}
	return nt, err
}

// refresh also returns the completion time the service gave, zero when
// it gave none.
func (s *Service) refresh(ctx context.Context, t *store.Task) (*store.Task, time.Time, error) {
	switch {
	case t.Kind == store.KindUpscale:
		nt, err := s.refreshUpscale(ctx, t)
		return nt, time.Time{}, err
	case t.TaskID == "":
		return t, time.Time{}, nil // submitting or unknown: nothing to ask about
	}
	rec, err := s.api.RecordInfo(ctx, t.TaskID)
	if err != nil {
		nt, err := s.refreshFailed(t, err)
		return nt, time.Time{}, err
	}
	if s.store.ReadOnly() {
		applyRecord(t, rec, s.now())
		return t, rec.CompleteTime, nil
	}
	nt, err := s.store.Update(t.LocalID, func(t *store.Task) error {
		applyRecord(t, rec, s.now())
		return nil
	})
	return nt, rec.CompleteTime, err
}

// refreshFailed handles "record is null": a brand-new task may answer it
// for a moment, so only after the grace period is a running task lost.
func (s *Service) refreshFailed(t *store.Task, err error) (*store.Task, error) {
	if api.KindOf(err) != api.KindNotFound || s.store.ReadOnly() {
		return t, err
	}
	now := s.now()
	if t.Status != store.StatusRunning {
		return t, err // a finished task past 14 days: keep what we know
	}
	if now.Sub(t.SubmittedAt) < s.grace {
		return t, nil
	}
	return s.store.Update(t.LocalID, func(t *store.Task) error {
		t.Error = taskError(err)
		t.Error.Hint = "the service has no record of this task; it was not charged if it never ran"
		t.SetStatus(store.StatusFailed, now, "the service lost the record")
		return nil
	})
}

// applyRecord folds a record-info answer into a task: merged, never
// erased (merge.go). A finished task never goes back to running, whatever
// order the answers arrive in.
func applyRecord(t *store.Task, r *api.Record, now time.Time) {
	t.PolledAt = now
	fillRequest(t, r)
	switch r.State {
	case api.StateRunning:
		if !store.Finished(t.Status) && t.Status != store.StatusRunning {
			t.SetStatus(store.StatusRunning, now, "")
		}
	case api.StateSucceeded:
		fresh := mergeURLs(t, "result", &t.ResultURLs, r.ResultURLs, now)
		fresh = mergeURLs(t, "whole video", &t.FullResultURLs, r.FullResultURLs, now) || fresh
		fresh = mergeURLs(t, "origin", &t.OriginURLs, r.OriginURLs, now) || fresh
		if fresh {
			t.URLsAt = now
		}
		mergeString(t, "resolution", &t.Resolution, r.Resolution, now)
		mergeList(t, "seeds", &t.Seeds, r.Seeds, now)
		mergeList(t, "audio", &t.HasAudio, r.HasAudio, now)
		t.Error = nil
		mergeCompletion(t, r, now)
		if t.Status != store.StatusSucceeded {
			t.SetStatus(store.StatusSucceeded, now, "")
		}
	default:
		if t.Status == store.StatusSucceeded {
			note(t, now, "an answer said it failed (%s); its result is kept", recordError(r).Message)
			return
		}
		t.Error = recordError(r)
		mergeCompletion(t, r, now)
		if t.Status != store.StatusFailed {
			t.SetStatus(store.StatusFailed, now, "")
		}
	}
}

// mergeCompletion keeps the service's completion time; an answer without
// one sets it only when nothing is known yet (now, the best guess).
func mergeCompletion(t *store.Task, r *api.Record, now time.Time) {
	mergeTime(t, "completion time", &t.CompletedAt, r.CompleteTime, now)
	if t.CompletedAt.IsZero() {
		t.CompletedAt = now
	}
}

// fillRequest completes what we know of a task made elsewhere (an import)
// from the request the service echoes in paramJson.
func fillRequest(t *store.Task, r *api.Record) {
	p := r.Params
	str := func(k string) string {
		if v, ok := p[k].(string); ok {
			return api.Sanitize(v)
		}
		return ""
	}
	if t.Request.Prompt == "" {
		t.Request.Prompt = str("prompt")
	}
	if t.Request.Model == "" {
		t.Request.Model = str("model")
	}
	if t.Request.Watermark == "" {
		t.Request.Watermark = str("waterMark")
	}
	if t.Request.AspectRatio == "" {
		t.Request.AspectRatio = str("aspectRatio")
	}
	if t.Request.Resolution == "" {
		t.Request.Resolution = str("resolution") // the extend rule needs it when an answer lacks response
	}
	if t.Request.Seed == 0 {
		if f, ok := p["seeds"].(float64); ok {
			t.Request.Seed = int(f)
		}
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = r.CreateTime
	}
	importLineage(t, str("taskId"), str("prompt"))
}

// importLineage: a task made elsewhere that echoes a source task id in its
// request was made from that video. With a prompt it is an extension (a
// 4K request echoes only the id and an index): it gets its parent and its
// kind, so its chain reads as it was made.
func importLineage(t *store.Task, source, prompt string) {
	if t.Kind != store.KindImport || t.ParentID != "" || source == "" || source == t.TaskID {
		return
	}
	t.ParentID = source
	if prompt != "" {
		t.Kind = store.KindExtend
	}
}

// Import adds a task made elsewhere to the history (or refreshes it if it is
// already there).
func (s *Service) Import(ctx context.Context, id string) (*store.Task, error) {
	if err := CheckTaskID(id); err != nil {
		return nil, err
	}
	if t, err := s.store.Get(id); err == nil {
		return s.Refresh(ctx, t.LocalID)
	}
	ctx, cancel := context.WithTimeout(ctx, readBudget)
	defer cancel()
	rec, err := s.api.RecordInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	t := importedTask(id, rec, s.now(), "added to the history by id")
	if s.store.ReadOnly() {
		return t, nil
	}
	t.LocalID = s.store.NewLocalID()
	if err := s.store.Put(t); err != nil {
		// Another import of the same id (two extends of one new source at
		// once) won the race: use its record.
		if errors.Is(err, store.ErrDuplicateTaskID) {
			return s.Refresh(ctx, id)
		}
		return nil, err
	}
	return t, nil
}

// importedTask is the entry for a task made elsewhere, from the service's
// record of it; note says how it came.
func importedTask(id string, rec *api.Record, now time.Time, note string) *store.Task {
	t := &store.Task{TaskID: rec.TaskID, Kind: store.KindImport}
	if t.TaskID == "" {
		t.TaskID = id
	}
	applyRecord(t, rec, now)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.SubmittedAt = t.CreatedAt
	t.Events = append([]store.Event{{At: now, Status: "imported", Note: note}}, t.Events...)
	return t
}

// PollDelay is the cadence for a running task: every few seconds at first,
// slower after a minute, as the service suggests (about 30 s) for long ones.
func (s *Service) PollDelay(t *store.Task, now time.Time) time.Duration {
	if s.poll > 0 {
		return s.poll
	}
	since := t.SubmittedAt
	if since.IsZero() {
		since = t.CreatedAt
	}
	switch age := now.Sub(since); {
	case age < time.Minute:
		return 5 * time.Second
	case age < 5*time.Minute:
		return 15 * time.Second
	default:
		return 30 * time.Second
	}
}

// Wait polls a task until it ends. onChange (may be nil) sees every status
// change. Errors back off and carry on, except those no retry can mend.
func (s *Service) Wait(ctx context.Context, id string, onChange func(*store.Task)) (*store.Task, error) {
	t, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if t.Status == store.StatusUnknown || t.Status == store.StatusSubmitting {
		return t, fmt.Errorf("%w: task %s was never confirmed, so there is nothing to wait for", ErrUnknownOutcome, t.LocalID)
	}
	backoff := time.Duration(0)
	last := t.Status
	for !store.Finished(t.Status) {
		delay := s.PollDelay(t, s.now())
		if backoff > delay {
			delay = backoff
		}
		if err := sleep(ctx, delay); err != nil {
			return t, err
		}
		nt, err := s.Refresh(ctx, t.LocalID)
		if err != nil {
			if Fatal(err) {
				return t, err
			}
			backoff = min(max(2*backoff, 5*time.Second), 2*time.Minute)
			s.log.Warn("poll failed; backing off", "task", t.TaskID, "delay", backoff, "err", err)
			continue
		}
		t, backoff = nt, 0
		if onChange != nil && t.Status != last {
			onChange(t)
		}
		last = t.Status
	}
	return t, nil
}

// Fatal reports whether an error must stop a poller (the TUI's and Wait's
// alike): retrying cannot help until the user acts. Errors that are not the
// client's come from the history itself (a full disk, a deleted task) and
// are fatal too. A genuine HTTP 404 or a redirect elsewhere means a wrong
// base URL: stop and say so, leaving every task as it was.
func Fatal(err error) bool {
	e, ok := api.AsError(err)
	if !ok {
		return true
	}
	switch e.Kind {
	case api.KindAuth, api.KindDisabled, api.KindNoEndpoint, api.KindRedirect:
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

package sim

import (
	"strings"
	"time"
)

const msg1080pProcessing = "1080P is processing. It is expected to be completed in 1-2 minutes. Please check back shortly."

// get1080p starts (and bills) the 1080p version on the first call; until
// it is ready the service answers code 400, which means "not yet".
func (s *Sim) get1080p(c *call) {
	q := c.r.URL.Query()
	id := q.Get("taskId")
	if strings.TrimSpace(id) == "" {
		c.reply(422, "taskId is required", nil)
		return
	}
	if idx := q.Get("index"); idx != "" && idx != "0" {
		c.reply(422, "index out of range", nil)
		return
	}
	s.mu.Lock()
	code, msg, data := s.hdLocked(id)
	s.mu.Unlock()
	c.reply(code, msg, data)
}

func (s *Sim) hdLocked(id string) (int, string, any) {
	now := s.now()
	t, r := s.upgradable(id, now)
	if r != nil {
		return r.code, r.msg, nil
	}
	if t.HDAt == nil {
		if s.balance < cost1080p {
			return 402, "Credits insufficient", nil
		}
		s.balance -= cost1080p
		at := now
		t.HDAt = &at
		t.HDReady = now.Add(2 * s.o.MinDuration)
		s.saveLocked()
	}
	if now.Before(t.HDReady) {
		return 400, msg1080pProcessing, nil
	}
	return 200, "success", object{{"resultUrl", s.link(t, "1080p", now)}}
}

// upgradable finds a finished, successful video task to upscale.
func (s *Sim) upgradable(id string, now time.Time) (*task, *refusal) {
	t, ok := s.tasks[id]
	switch {
	case !ok || t.expired(now) || !s.visible(t, now):
		return nil, refuse(422, "record is null")
	case t.Kind == kind4K:
		return nil, refuse(422, "Task %s is already a 4K video", id)
	case t.flag(now) == 0:
		return nil, refuse(422, "Task %s is still generating; upscale it after it succeeds", id)
	case t.flag(now) != 1:
		return nil, refuse(422, "Task %s failed; there is no video to upscale", id)
	}
	return t, nil
}

type fourKBody struct {
	TaskID      string `json:"taskId"`
	Index       int    `json:"index"`
	CallBackURL string `json:"callBackUrl"`
}

// get4K: the first call is a create (billed, rate limited) answering the
// new task's id; later calls answer code 422 with the state in msg, which
// is how the service reports "processing" and "done" alike.
func (s *Sim) get4K(c *call) {
	var b fourKBody
	if !c.decode(&b) {
		return
	}
	if strings.TrimSpace(b.TaskID) == "" {
		c.reply(422, "taskId is required", nil)
		return
	}
	if s.answer4KState(c, b.TaskID) {
		return
	}
	p, ok := s.admit(c)
	if !ok {
		return
	}
	s.mu.Lock()
	t, r := s.start4KLocked(&b, p)
	id := s.fourKID(t)
	s.mu.Unlock()
	if r != nil {
		c.reply(r.code, r.msg, nil)
		return
	}
	s.answerAccepted(c, p, fourKData(id, []string{}))
}

// fourKID is the id answers name a 4K task by: its own, or (FourKSameID,
// as the docs' examples show) its source's.
func (s *Sim) fourKID(k *task) string {
	if k == nil {
		return ""
	}
	if s.sameID4K {
		return k.Parent
	}
	return k.ID
}

// answer4KState answers a repeated call for a source whose 4K already
// started, reporting whether it did.
func (s *Sim) answer4KState(c *call, src string) bool {
	s.mu.Lock()
	now := s.now()
	t, ok := s.tasks[src]
	if !ok || t.FourK == "" || s.tasks[t.FourK] == nil {
		s.mu.Unlock()
		return false
	}
	k := s.tasks[t.FourK]
	id := s.fourKID(k)
	if k.flag(now) == 0 {
		s.mu.Unlock()
		c.reply(422, "4k is processing. It is expected to be completed in 5-10 minutes. Please check back later.", fourKData(id, []string{}))
		return true
	}
	link := s.link(k, "video", now)
	s.mu.Unlock()
	c.reply(422, "The video has been generated successfully", fourKData(id, []string{link}))
	return true
}

func (s *Sim) start4KLocked(b *fourKBody, p Plan) (*task, *refusal) {
	now := s.now()
	src, r := s.upgradable(b.TaskID, now)
	if r != nil {
		return nil, r
	}
	if src.FourK != "" {
		return nil, refuse(422, "4k is processing. Please check back later.")
	}
	p.Fail = false // a 4K upscale of a good video does not fail here
	t := &task{Kind: kind4K, Parent: src.ID, Model: src.Model, Resolution: "4k",
		AspectRatio: src.AspectRatio, Seed: src.Seed, CallbackURL: b.CallBackURL,
		Clip:      src.bestClip(),
		ParamJSON: paramJSON(map[string]any{"taskId": src.ID, "index": b.Index})}
	if r := s.createLocked(t, p, cost4K, ""); r != nil {
		return nil, r
	}
	src.FourK = t.ID
	s.saveLocked()
	return t, nil
}

func fourKData(id string, urls []string) object {
	return object{{"taskId", id}, {"resultUrls", urls}, {"imageUrls", []string{}}}
}

package sim

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/veox/veox/tasks/rules"
)

// What the service charges, in credits (veo-api.md's price table). The
// simulator keeps its own figures rather than the client's estimates: it
// is the service, and what it bills is what the client must observe.
const (
	cost1080p = 5
	cost4K    = 120
)

// generateCost is the charge of a generation by model and resolution.
func generateCost(model, resolution string) float64 {
	col := map[string]int{"1080p": 1, "4k": 2}[strings.ToLower(resolution)] // 720p or absent: 0
	switch model {
	case "veo3":
		return []float64{250, 255, 380}[col]
	case "veo3_lite":
		return []float64{30, 35, 150}[col]
	}
	return []float64{60, 65, 180}[col]
}

// extendCost is the charge of one extension by model.
func extendCost(model string) float64 {
	switch model {
	case "quality":
		return 250
	case "lite":
		return 30
	}
	return 60
}

const (
	seedMin = 10000
	seedMax = 99999
)

// generateBody is POST /api/v1/veo/generate. It mirrors api.GenerateRequest
// without importing the client, which is written against this simulator.
type generateBody struct {
	Prompt            string   `json:"prompt"`
	Model             string   `json:"model"`
	GenerationType    string   `json:"generationType"`
	ImageURLs         []string `json:"imageUrls"`
	AspectRatio       string   `json:"aspectRatio"`
	Resolution        string   `json:"resolution"`
	Duration          int      `json:"duration"`
	Seeds             int      `json:"seeds"`
	Watermark         string   `json:"watermark"`
	EnableTranslation *bool    `json:"enableTranslation"`
	CallBackURL       string   `json:"callBackUrl"`
}

// extendBody is POST /api/v1/veo/extend.
type extendBody struct {
	TaskID      string `json:"taskId"`
	Prompt      string `json:"prompt"`
	Seeds       int    `json:"seeds"`
	Model       string `json:"model"`
	Watermark   string `json:"watermark"`
	CallBackURL string `json:"callBackUrl"`
}

// refusal is an envelope answer that refuses a create.
type refusal struct {
	code int
	msg  string
}

func refuse(code int, format string, args ...any) *refusal {
	return &refusal{code, fmt.Sprintf(format, args...)}
}

// admit runs the steps every create shares before its own validation: the
// rate limit, then the test's plan (which may refuse outright).
func (s *Sim) admit(c *call) (Plan, bool) {
	if wait, ok := s.allowCreate(c.key); !ok {
		s.rateLimited(c, wait)
		return Plan{}, false
	}
	p := s.popPlan()
	if p.RejectCode != 0 {
		msg := p.RejectMsg
		if msg == "" {
			msg = "Request refused"
		}
		c.reply(p.RejectCode, msg, nil)
		return Plan{}, false
	}
	return p, true
}

func (s *Sim) generate(c *call) {
	p, ok := s.admit(c)
	if !ok {
		return
	}
	var b generateBody
	if !c.decode(&b) {
		return
	}
	if r := validateGenerate(&b); r != nil {
		c.reply(r.code, r.msg, nil)
		return
	}
	if b.EnableTranslation != nil && !*b.EnableTranslation && !hasASCIILetter(b.Prompt) {
		c.reply(400, "Only English prompts are supported. Rephrase in English or enable translation.", nil)
		return
	}
	t := &task{Kind: kindGenerate, Model: b.Model, Resolution: b.Resolution,
		AspectRatio: b.AspectRatio, Seed: b.Seeds, CallbackURL: b.CallBackURL}
	s.mu.Lock()
	if t.Seed == 0 {
		t.Seed = s.randomSeed()
	}
	t.ParamJSON = generateParams(&b)
	r := s.createLocked(t, p, generateCost(b.Model, b.Resolution), b.Prompt)
	s.mu.Unlock()
	s.answerCreate(c, p, t, r)
}

func (s *Sim) extend(c *call) {
	p, ok := s.admit(c)
	if !ok {
		return
	}
	var b extendBody
	if !c.decode(&b) {
		return
	}
	if r := validateExtend(&b); r != nil {
		c.reply(r.code, r.msg, nil)
		return
	}
	s.mu.Lock()
	t, r := s.extendLocked(&b, p)
	s.mu.Unlock()
	s.answerCreate(c, p, t, r)
}

// extendLocked checks the source task as of now and creates the extension
// in the same critical section, so the source cannot change in between.
func (s *Sim) extendLocked(b *extendBody, p Plan) (*task, *refusal) {
	now := s.now()
	src, ok := s.tasks[b.TaskID]
	if !ok || src.expired(now) || !s.visible(src, now) {
		return nil, refuse(422, "record is null")
	}
	if r := extendable(src, now); r != nil {
		return nil, r
	}
	t := &task{Kind: kindExtend, Parent: src.ID, Depth: src.Depth + 1, Model: b.Model,
		Resolution: "720p", AspectRatio: src.AspectRatio, Seed: b.Seeds, CallbackURL: b.CallBackURL}
	if t.Seed == 0 {
		t.Seed = s.randomSeed()
	}
	t.ParamJSON = extendParams(b)
	return t, s.createLocked(t, p, extendCost(b.Model), b.Prompt)
}

// extendable applies the one extend rule the client applies too
// (tasks/rules), answering each refusal in the service's words: only a
// successful 720p Veo 3.1 video whose 1080p version was not requested can
// be extended ("extend first, upscale last"). A 4K request does not block:
// veo-api.md does not say it does.
func extendable(src *task, now time.Time) *refusal {
	switch rules.Check(src.video(now), now) {
	case rules.None:
		return nil
	case rules.IsUpscale:
		return refuse(422, "Task %s is a 4K upscale, not a Veo 3.1 video task; it cannot be extended", src.ID)
	case rules.NotDone:
		return refuse(422, "Task %s is still generating; wait until it succeeds before extending it", src.ID)
	case rules.IsFailed, rules.NotFinal:
		return refuse(422, "Task %s failed; only successful videos can be extended", src.ID)
	case rules.Expired:
		return refuse(422, "record is null")
	case rules.NativeHD:
		return refuse(422, "%s-generated videos cannot be extended", strings.ToUpper(src.Resolution))
	case rules.HDRequested:
		return refuse(422, "Task %s has been upscaled (1080P was requested) and can no longer be extended; extend first, upscale last", src.ID)
	}
	return refuse(422, "Task %s cannot be extended", src.ID)
}

// createLocked bills and stores a validated task. Prompt words let a demo
// user try the failure paths: "forbidden" is refused at create like a
// content-policy hit; "fail please" or "[fail]" make the task fail later.
func (s *Sim) createLocked(t *task, p Plan, cost float64, prompt string) *refusal {
	lower := strings.ToLower(prompt)
	if strings.Contains(lower, "forbidden") {
		return refuse(400, "Your prompt was flagged by Website as violating content policies. Please rephrase and try again.")
	}
	if strings.Contains(lower, "fail please") || strings.Contains(lower, "[fail]") {
		p.Fail = true
	}
	if s.balance < cost {
		return refuse(402, "Credits insufficient: this request needs %g credits, the balance is %g", cost, s.balance)
	}
	if !s.o.BillAtEnd {
		s.balance -= cost
	}
	t.Cost = cost
	t.ID = s.newID()
	t.Created = s.now()
	t.Run = s.runFor(p)
	applyPlan(t, p)
	if t.Clip == "" {
		t.Clip = sourceClip(t.ID)
	}
	s.tasks[t.ID] = t
	s.pending[t.ID] = true
	s.creates++
	s.saveLocked()
	s.settleLocked(t.Created) // an instant task ends now: refund, callback
	return nil
}

// answerCreate answers an accepted create, applying the plan's transport
// mischief: the task exists either way, which is the point.
func (s *Sim) answerCreate(c *call, p Plan, t *task, r *refusal) {
	if r != nil {
		c.reply(r.code, r.msg, nil)
		return
	}
	s.answerAccepted(c, p, object{{"taskId", t.ID}})
}

// answerAccepted sends the success answer of any create (generate, extend,
// 4K) after the plan's drop or delay.
func (s *Sim) answerAccepted(c *call, p Plan, data any) {
	if p.DropAfterCreate {
		c.drop = true
	}
	if p.SlowCreate > 0 && !s.sleep(c.r.Context(), p.SlowCreate) {
		return
	}
	c.reply(200, "success", data)
}

// paramJSON echoes a request the way the service does: a JSON string
// (sorted keys), with the watermark spelled "waterMark".
func paramJSON(m map[string]any) string {
	b, err := marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func generateParams(b *generateBody) string {
	m := map[string]any{"prompt": b.Prompt, "model": b.Model, "aspectRatio": b.AspectRatio,
		"generationType": b.GenerationType, "resolution": b.Resolution, "duration": b.Duration,
		"waterMark": b.Watermark}
	if b.Seeds != 0 {
		m["seeds"] = b.Seeds
	}
	if len(b.ImageURLs) > 0 {
		m["imageUrls"] = b.ImageURLs
	}
	if b.EnableTranslation != nil {
		m["enableTranslation"] = *b.EnableTranslation
	}
	if b.CallBackURL != "" {
		m["callBackUrl"] = b.CallBackURL
	}
	return paramJSON(m)
}

func extendParams(b *extendBody) string {
	m := map[string]any{"taskId": b.TaskID, "prompt": b.Prompt, "model": b.Model,
		"waterMark": b.Watermark}
	if b.Seeds != 0 {
		m["seeds"] = b.Seeds
	}
	if b.CallBackURL != "" {
		m["callBackUrl"] = b.CallBackURL
	}
	return paramJSON(m)
}

// hasASCIILetter approximates the service's English-only rule: without
// translation, a prompt with no Latin letters at all is refused.
func hasASCIILetter(s string) bool {
	for _, r := range s {
		if r < 128 && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

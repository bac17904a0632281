package sim

import "time"

// Plan scripts the next create (generate, extend or 4K) for a test.
type Plan struct {
	Fail            bool          // the task ends failed
	SuccessFlag     int           // 2 or 3 when failing (default 2)
	ErrorCode       int           // e.g. 400 content policy, 500, 501 (default 501)
	ErrorMessage    string        // default depends on ErrorCode
	Duration        time.Duration // overrides Min/MaxDuration for this task (-1 = instant)
	Quirks          Quirks        // shapes record-info uses for this task
	RejectCode      int           // the create is refused with this envelope code (nothing created)
	RejectMsg       string
	DropAfterCreate bool          // the create is accepted and billed, then the connection is cut
	SlowCreate      time.Duration // the create is accepted and the answer delayed this long
}

// Quirks are the odd-but-real answer shapes of record-info (veo-api.md).
type Quirks struct {
	URLsAsString    bool // resultUrls as a string holding a JSON array
	URLsBracketed   bool // resultUrls as "[https://a.mp4,https://b.mp4]"
	LegacyURLs      bool // resultUrls straight under data (no response object)
	TimeAsString    bool // createTime/completeTime as "2006-01-02 15:04:05" (UTC)
	TimeISO         bool // as RFC 3339
	ErrorCodeString bool // errorCode as "400"
	NoFullResult    bool // extension without fullResultUrls
}

func (q Quirks) or(o Quirks) Quirks {
	return Quirks{
		URLsAsString:    q.URLsAsString || o.URLsAsString,
		URLsBracketed:   q.URLsBracketed || o.URLsBracketed,
		LegacyURLs:      q.LegacyURLs || o.LegacyURLs,
		TimeAsString:    q.TimeAsString || o.TimeAsString,
		TimeISO:         q.TimeISO || o.TimeISO,
		ErrorCodeString: q.ErrorCodeString || o.ErrorCodeString,
		NoFullResult:    q.NoFullResult || o.NoFullResult,
	}
}

// PushPlan queues a plan for the next create that gets past the CDN and the
// rate limit (accepted or refused), first in first out.
func (s *Sim) PushPlan(p Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans = append(s.plans, p)
}

func (s *Sim) popPlan() Plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.plans) == 0 {
		return Plan{}
	}
	p := s.plans[0]
	s.plans = s.plans[1:]
	return p
}

// quirksFor is the task's own quirks plus, at QuirkRate, a random one, so
// a client polling long enough meets every shape.
func (s *Sim) quirksFor(t *task) Quirks {
	q := t.Quirks
	if s.o.QuirkRate <= 0 || s.rng.Float64() >= s.o.QuirkRate {
		return q
	}
	var r Quirks
	switch s.rng.IntN(7) {
	case 0:
		r.URLsAsString = true
	case 1:
		r.URLsBracketed = true
	case 2:
		r.LegacyURLs = true
	case 3:
		r.TimeAsString = true
	case 4:
		r.TimeISO = true
	case 5:
		r.ErrorCodeString = true
	default:
		r.NoFullResult = true
	}
	return q.or(r)
}

// applyPlan marks a new task with the plan's outcome.
func applyPlan(t *task, p Plan) {
	t.Quirks = p.Quirks
	if !p.Fail {
		return
	}
	t.Fail = true
	t.SuccessFlag = p.SuccessFlag
	if t.SuccessFlag != 3 {
		t.SuccessFlag = 2
	}
	t.ErrorCode = p.ErrorCode
	if t.ErrorCode == 0 {
		t.ErrorCode = 501
	}
	t.ErrorMessage = p.ErrorMessage
	if t.ErrorMessage == "" {
		t.ErrorMessage = defaultFailure(t.ErrorCode)
	}
}

func defaultFailure(code int) string {
	switch code {
	case 400:
		return "Your prompt was flagged by Website as violating content policies."
	case 500:
		return "Internal error, please try again later."
	}
	return "Video generation failed. Please try again with a different prompt or seed."
}

package sim

import (
	"net/http"
	"strconv"
	"time"
)

const (
	rateWindow = 10 * time.Second
	rateMax    = 20
)

// allowCreate enforces the service's limit of 20 creates per sliding 10 s
// per key. Refused requests do not count, so the window really slides. It
// returns how long until a slot frees when refusing.
func (s *Sim) allowCreate(key string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	kept := s.window[key][:0]
	for _, at := range s.window[key] {
		if now.Sub(at) < rateWindow {
			kept = append(kept, at)
		}
	}
	s.window[key] = kept
	if len(kept) >= rateMax {
		return kept[0].Add(rateWindow).Sub(now), false
	}
	s.window[key] = append(kept, now)
	return 0, true
}

// rateLimited refuses a create; the request is dropped, not queued. The
// service says so either as a real HTTP 429 with Retry-After or inside a
// 200 envelope, and clients must handle both.
func (s *Sim) rateLimited(c *call, wait time.Duration) {
	const msg = "Too many requests: the rate limit of 20 requests per 10 seconds was exceeded"
	if !s.o.RateLimitAsHTTP {
		c.reply(429, msg, nil)
		return
	}
	secs := int((wait + time.Second - 1) / time.Second)
	c.w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	c.replyStatus(http.StatusTooManyRequests, 429, msg, nil)
}

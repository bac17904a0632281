package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	callbackTimeout = 15 * time.Second // the receiver must answer within this
	callbackTries   = 3
)

// settle runs the side effects of tasks that ended by now. Progress itself
// is computed from the clock; settling only refunds failures (or, with
// BillAtEnd, bills successes) and fires
// callbacks, once per task. It runs on every request (and on a ticker in
// Start), so a task's end is noticed without a background goroutine.
func (s *Sim) settle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	s.settleLocked(s.now())
}

func (s *Sim) settleLocked(now time.Time) {
	changed := false
	for id := range s.pending {
		t := s.tasks[id]
		if t == nil {
			delete(s.pending, id)
			continue
		}
		if now.Before(t.end()) {
			continue
		}
		delete(s.pending, id)
		t.Settled = true
		changed = true
		switch {
		case s.o.BillAtEnd && !t.Fail:
			s.balance -= t.Cost // billed as it ends
		case t.Fail && !t.Refunded && !s.o.BillAtEnd:
			s.balance += t.Cost // failed tasks are not charged
			t.Refunded = true
		}
		s.scheduleCallback(t, now)
	}
	if changed {
		s.saveLocked()
	}
}

// scheduleCallback starts the delivery of a task's end to its callBackUrl.
// At QuirkRate it is delivered twice, as the service may do.
func (s *Sim) scheduleCallback(t *task, now time.Time) {
	if t.CallbackURL == "" || s.closed {
		return
	}
	body, err := marshal(s.callbackBody(t, now))
	if err != nil {
		return
	}
	times := 1
	if s.o.QuirkRate > 0 && s.rng.Float64() < s.o.QuirkRate {
		times = 2
	}
	for range times {
		s.wg.Add(1)
		go s.deliver(t.CallbackURL, t.ID, body)
	}
}

// callbackBody is the success or failure shape of veo-api.md.
func (s *Sim) callbackBody(t *task, now time.Time) envelope {
	if t.Fail {
		return envelope{t.ErrorCode, t.ErrorMessage, object{{"taskId", t.ID}}}
	}
	var prompt any
	_ = json.Unmarshal([]byte(t.ParamJSON), &prompt)
	info := object{
		{"resultUrls", urlList(s.resultLinks(t, now), t.Quirks)},
		{"originUrls", []string{}},
		{"resolution", t.Resolution},
	}
	return envelope{200, "Veo3.1 video generated successfully.", object{
		{"taskId", t.ID}, {"info", info}, {"promptJson", prompt}, {"fallbackFlag", false},
	}}
}

// deliver POSTs a callback, up to three tries, giving up when the
// simulator closes. A panic here must not take the process down.
func (s *Sim) deliver(url, taskID string, body []byte) {
	defer s.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			s.logf("sim: callback for %s panicked: %v", taskID, r)
		}
	}()
	client := &http.Client{Timeout: callbackTimeout}
	for try := range callbackTries {
		if try > 0 && !s.sleep(s.ctx, time.Duration(try)*500*time.Millisecond) {
			return
		}
		if s.postCallback(client, url, taskID, body) {
			return
		}
	}
	s.logf("sim: callback for %s to %s gave up after %d tries", taskID, url, callbackTries)
}

func (s *Sim) postCallback(client *http.Client, url, taskID string, body []byte) bool {
	s.mu.Lock()
	s.callbacks++
	now := s.now()
	s.mu.Unlock()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "veo-sim-callback/1")
	if s.o.CallbackSecret != "" {
		ts := strconv.FormatInt(now.Unix(), 10)
		req.Header.Set("X-Webhook-Timestamp", ts)
		req.Header.Set("X-Webhook-Signature", SignCallback(s.o.CallbackSecret, taskID, ts))
	}
	resp, err := client.Do(req)
	if err != nil {
		s.logf("sim: callback for %s: %v", taskID, err)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// SignCallback is the service's callback signature:
// base64(HMAC-SHA256(secret, taskId + "." + timestamp)).
func SignCallback(secret, taskID, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(taskID + "." + timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type delivery struct {
	header http.Header
	body   map[string]any
}

// receiver is a callback endpoint that answers with the given statuses in
// turn (then 200) and hands every delivery to the test.
func receiver(t *testing.T, statuses ...int) (string, <-chan delivery) {
	t.Helper()
	ch := make(chan delivery, 10)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		ch <- delivery{r.Header.Clone(), m}
		if i := int(n.Add(1)) - 1; i < len(statuses) {
			w.WriteHeader(statuses[i])
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

func wait(t *testing.T, ch <-chan delivery) delivery {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no callback delivered")
	}
	return delivery{}
}

func TestCallbacksAreDeliveredAndSigned(t *testing.T) {
	t.Parallel()
	const secret = "webhook-secret"
	e := newEnv(t, Options{CallbackSecret: secret, MinDuration: time.Minute, MaxDuration: time.Minute})
	url, ch := receiver(t)
	id := e.generate(map[string]any{"prompt": "x", "callBackUrl": url})
	select {
	case <-ch:
		t.Fatal("callback before the task ended")
	case <-time.After(50 * time.Millisecond):
	}
	e.clock.Advance(time.Minute)
	e.sim.Balance() // any touch settles ended tasks
	d := wait(t, ch)

	ts := d.header.Get("X-Webhook-Timestamp")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id + "." + ts))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if ts != itoa(int(e.clock.Now().Unix())) || !hmac.Equal([]byte(d.header.Get("X-Webhook-Signature")), []byte(want)) {
		t.Errorf("signature %q ts %q, want %q", d.header.Get("X-Webhook-Signature"), ts, want)
	}
	data, _ := d.body["data"].(map[string]any)
	info, _ := data["info"].(map[string]any)
	if d.body["code"] != float64(200) || d.body["msg"] != "Veo3.1 video generated successfully." ||
		data["taskId"] != id || len(info["resultUrls"].([]any)) != 1 || data["promptJson"] == nil {
		t.Errorf("success body %v", d.body)
	}

	e.sim.PushPlan(Plan{Fail: true, ErrorCode: 400, Duration: -1})
	failed := e.generate(map[string]any{"prompt": "x", "callBackUrl": url})
	d = wait(t, ch)
	data, _ = d.body["data"].(map[string]any)
	if d.body["code"] != float64(400) || data["taskId"] != failed {
		t.Errorf("failure body %v", d.body)
	}
}

func TestCallbacksRetryThreeTimes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	url, ch := receiver(t, 500, 503, 500, 500)
	e.generate(map[string]any{"prompt": "x", "callBackUrl": url})
	for range 3 {
		wait(t, ch)
	}
	deadline := time.Now().Add(3 * time.Second)
	for e.sim.Callbacks() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	e.sim.Close() // waits for the delivery goroutine: no fourth try
	if e.sim.Callbacks() != 3 || len(ch) != 0 {
		t.Errorf("Callbacks() = %d, %d extra; want exactly 3 tries", e.sim.Callbacks(), len(ch))
	}
}

func TestCloseStopsPendingCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	url, _ := receiver(t, 500, 500, 500)
	e.generate(map[string]any{"prompt": "x", "callBackUrl": url})
	start := time.Now()
	e.sim.Close()
	if time.Since(start) > time.Second {
		t.Errorf("Close waited %v for retries", time.Since(start))
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/log"
	"golang.org/x/time/rate"
)

const ctKey = "sk-test-SECRET-0123456789"

// ctServer is a service stand-in that counts hits and records requests.
type ctServer struct {
	*httptest.Server
	hits atomic.Int32
	mu   sync.Mutex
	reqs []ctReq
}

type ctReq struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func newCTServer(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *ctServer {
	t.Helper()
	s := &ctServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(s.hits.Add(1))
		s.mu.Lock()
		s.reqs = append(s.reqs, ctReq{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		s.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *ctServer) last() ctReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1]
}

// ctClient retries fast: real time passes in these tests.
func ctClient(url string, mods ...func(*Options)) *Client {
	o := Options{
		BaseURL: url + "/", APIKey: ctKey, Version: "1.2.3",
		MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond,
		MaxRetryAfter: 5 * time.Millisecond,
		Limiter:       rate.NewLimiter(rate.Inf, 1),
		Rand:          func() float64 { return 0.5 },
	}
	for _, m := range mods {
		m(&o)
	}
	return New(o)
}

func envelopeJSON(code int, msg string, data any) string {
	b, _ := json.Marshal(map[string]any{"code": code, "msg": msg, "data": data})
	return string(b)
}

func answer(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func mustAPIError(t *testing.T, err error) *Error {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not *api.Error", err, err)
	}
	if strings.Contains(e.Error(), ctKey) || strings.Contains(e.Message, ctKey) {
		t.Fatalf("error leaks the key: %v", e)
	}
	return e
}

var ctExtend = ExtendRequest{TaskID: "c2ac913cc2618ee809dd315065c48c5a", Prompt: "then it flies", Seeds: 12345}

func TestHeadersAndBodies(t *testing.T) {
	s := newCTServer(t, answer(200, envelopeJSON(200, "success", map[string]string{"taskId": "new1"})))
	c := ctClient(s.URL)
	id, err := c.Extend(context.Background(), ctExtend)
	if err != nil || id != "new1" {
		t.Fatalf("Extend = %q, %v", id, err)
	}
	r := s.last()
	if r.method != "POST" || r.path != pathExtend {
		t.Fatalf("sent %s %s", r.method, r.path)
	}
	for k, want := range map[string]string{
		"Authorization": "Bearer " + ctKey, "User-Agent": "veox/1.2.3",
		"Accept": "application/json", "Content-Type": "application/json", "Idempotency-Key": "",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	var sent map[string]any
	if err := json.Unmarshal(r.body, &sent); err != nil {
		t.Fatal(err)
	}
	if sent["taskId"] != ctExtend.TaskID || sent["prompt"] != ctExtend.Prompt || sent["seeds"] != 12345.0 {
		t.Errorf("body = %s", r.body)
	}

	_, _ = c.RecordInfo(context.Background(), "abc")
	r = s.last()
	if r.method != "GET" || r.path != pathRecordInfo || r.query != "taskId=abc" {
		t.Errorf("record-info sent %s %s?%s", r.method, r.path, r.query)
	}
	if r.header.Get("Content-Type") != "" || r.header.Get("Authorization") != "Bearer "+ctKey {
		t.Errorf("GET headers = %v", r.header)
	}
	if c.BaseURL() != s.URL || c.UserAgent() != "veox/1.2.3" {
		t.Errorf("BaseURL %q UserAgent %q", c.BaseURL(), c.UserAgent())
	}
	if New(Options{}).UserAgent() != "veox/dev" || New(Options{}).BaseURL() != DefaultBaseURL {
		t.Error("defaults")
	}
}

// Each code of veo-api.md's table, in the envelope with HTTP 200, against a
// read (record-info) and a create (extend). On a create only the documented
// refusals say nothing was created; the rest may have been (issue 9.4).
func TestEnvelopeCodes(t *testing.T) {
	cases := []struct {
		code        int
		msg         string
		kind        Kind
		readHits    int
		createHits  int
		wantMessage string
		maybe       bool // on a create: the outcome is unknown
	}{
		{400, "prompt violates \x1b[31mcontent\x1b[0m policy", KindPolicy, 1, 1, "prompt violates content policy", false},
		{401, "You do not have access permissions", KindAuth, 1, 1, "", false},
		{402, "Credits insufficient", KindCredits, 1, 1, "", false},
		{404, "task not found", KindNotFound, 1, 1, "", false},
		{408, "no result for 10 minutes", KindFailed, 1, 1, "", true},
		{422, "aspectRatio is invalid", KindValidation, 1, 1, "", false},
		{429, "rate limited", KindRateLimited, 3, 3, "", false},
		{433, "sub-key daily limit reached", KindQuota, 1, 1, "", false},
		{451, "image fetch failed", KindImage, 1, 1, "", false},
		{455, "service under maintenance", KindMaintenance, 3, 3, "", false},
		{500, "internal error", KindServer, 3, 1, "", true},
		{500, "This field is required", KindValidation, 1, 1, "", true},
		{501, "generation failed", KindFailed, 1, 1, "", true},
		{503, "service unavailable", KindServer, 3, 1, "", true},
		{504, "gateway timeout", KindServer, 3, 1, "", true},
		{505, "feature disabled", KindDisabled, 1, 1, "", true},
		{0, "odd", KindUnknown, 1, 1, "", true},
		{201, "created", KindUnknown, 1, 1, "", true},
		{999, "who knows", KindServer, 3, 1, "", true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.code, tc.msg), func(t *testing.T) {
			body := envelopeJSON(tc.code, tc.msg, nil)
			handler := func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1") // capped to 5ms: a 429 needs no 10 s wait here
				io.WriteString(w, body)
			}
			want := tc.wantMessage
			if want == "" {
				want = tc.msg
			}
			check := func(err error, hits int, maybe bool, s *ctServer) {
				t.Helper()
				e := mustAPIError(t, err)
				if e.Kind != tc.kind || e.Code != tc.code || e.HTTPStatus != 200 || e.Message != want {
					t.Errorf("got kind %v code %d http %d msg %q", e.Kind, e.Code, e.HTTPStatus, e.Message)
				}
				wantHint := HintFor(tc.kind)
				if maybe {
					wantHint = hintMaybeCreated
				}
				if e.Hint != wantHint || e.MaybeCreated != maybe {
					t.Errorf("hint %q maybeCreated %v, want %v", e.Hint, e.MaybeCreated, maybe)
				}
				if got := int(s.hits.Load()); got != hits {
					t.Errorf("hits = %d, want %d", got, hits)
				}
			}
			rs := newCTServer(t, handler)
			_, err := ctClient(rs.URL).RecordInfo(context.Background(), "t1")
			check(err, tc.readHits, false, rs)
			if e, _ := AsError(err); e != nil && e.Op != "record-info" {
				t.Errorf("op = %q", e.Op)
			}

			cs := newCTServer(t, handler)
			_, err = ctClient(cs.URL).Extend(context.Background(), ctExtend)
			check(err, tc.createHits, tc.maybe, cs)

			ks := newCTServer(t, handler)
			_, err = ctClient(ks.URL).Get4K(context.Background(), FourKRequest{TaskID: "t1"})
			check(err, tc.createHits, tc.maybe, ks)
		})
	}
}

// Answers that are not envelopes, against a read and a create.
func TestHTTPFailures(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>\x1b[31mcloudflare</body></html>"
	cases := []struct {
		name         string
		handler      func(int, http.ResponseWriter, *http.Request)
		kind         Kind
		msgHas       string
		readHits     int
		createHits   int
		maybeCreated bool
	}{
		{"http 429 plain", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		}, KindRateLimited, "rate limited", 3, 3, false},
		{"http 429 with envelope", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			io.WriteString(w, envelopeJSON(429, "too many requests", nil))
		}, KindRateLimited, "too many requests", 3, 3, false},
		{"spring 404", answer(404, `{"timestamp":"2026-03-20T01:02:03.000+00:00","status":404,"error":"Not Found","path":"/api/v1/veo/record-info"}`),
			KindNoEndpoint, "/api/v1/veo/record-info: wrong base URL or the service changed its API", 1, 1, false},
		{"html 502", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, html)
		}, KindServer, "HTTP 502 with an HTML page", 3, 1, true},
		{"html 403", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(403)
			io.WriteString(w, html)
		}, KindServer, "the service's CDN answered HTTP 403 with an HTML page", 3, 1, false},
		{"empty 200", answer(200, ""), KindServer, "empty body", 3, 1, true},
		{"empty 503", answer(503, ""), KindServer, "HTTP 503 with an empty body", 3, 1, true},
		{"malformed json", answer(200, `{"code":200,"msg":"success","data":{"taskId":`), KindServer, "malformed", 3, 1, true},
		{"not json", answer(200, `OK`), KindServer, "malformed", 3, 1, true},
		{"cut body", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "200")
			w.WriteHeader(200)
			io.WriteString(w, `{"code":200,"msg":"succ`)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, KindTransport, "cut short", 3, 1, true},
		{"reset before answer", func(_ int, w http.ResponseWriter, _ *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
		}, KindTransport, "connection failed", 3, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(err error, op string, hits int, maybe bool, s *ctServer) {
				t.Helper()
				e := mustAPIError(t, err)
				if e.Kind != tc.kind || !strings.Contains(e.Message, tc.msgHas) || e.Op != op {
					t.Errorf("got %v %q (op %s), want %v containing %q", e.Kind, e.Message, e.Op, tc.kind, tc.msgHas)
				}
				if strings.ContainsAny(e.Message, "<\x1b") {
					t.Errorf("message quotes the body: %q", e.Message)
				}
				if e.MaybeCreated != maybe {
					t.Errorf("MaybeCreated = %v, want %v", e.MaybeCreated, maybe)
				}
				if maybe && e.Hint != hintMaybeCreated {
					t.Errorf("hint = %q", e.Hint)
				}
				if got := int(s.hits.Load()); got != hits {
					t.Errorf("hits = %d, want %d", got, hits)
				}
			}
			rs := newCTServer(t, tc.handler)
			_, err := ctClient(rs.URL).RecordInfo(context.Background(), "t1")
			check(err, "record-info", tc.readHits, false, rs)

			cs := newCTServer(t, tc.handler)
			_, err = ctClient(cs.URL).Generate(context.Background(), GenerateRequest{Prompt: "a cat"})
			check(err, "generate", tc.createHits, tc.maybeCreated, cs)
		})
	}
}

func TestRateLimitCarriesCappedRetryAfter(t *testing.T) {
	s := newCTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	_, err := ctClient(s.URL, func(o *Options) { o.MaxAttempts = 1 }).Credit(context.Background())
	e := mustAPIError(t, err)
	if e.Kind != KindRateLimited || e.RetryAfter != 5*time.Millisecond || e.HTTPStatus != 429 {
		t.Fatalf("got %+v", e)
	}
}

func TestSlowAnswerTimesOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := newCTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	// Attempts are counted where they are made, in the client's log: under
	// -race on a loaded machine an attempt could time out before the server
	// saw it, and the server's count said 2 reads for 3.
	var logged bytes.Buffer
	c := ctClient(s.URL, func(o *Options) {
		o.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
		o.CreateTimeout = 80 * time.Millisecond
		o.Logger = log.New(&logged)
	})
	attempts := func() int { return strings.Count(logged.String(), "api request failed") }
	start := time.Now()
	_, err := c.RecordInfo(context.Background(), "t1")
	e := mustAPIError(t, err)
	if e.Kind != KindTransport || !strings.Contains(e.Message, "no answer within 50ms") || attempts() != 3 || s.hits.Load() > 3 {
		t.Errorf("read: %v %q after %d attempts, %d seen by the server", e.Kind, e.Message, attempts(), s.hits.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}

	s.hits.Store(0)
	logged.Reset()
	_, err = c.Extend(context.Background(), ctExtend)
	e = mustAPIError(t, err)
	if e.Kind != KindTransport || !e.MaybeCreated || !strings.Contains(e.Message, "80ms") || attempts() != 1 || s.hits.Load() > 1 {
		t.Errorf("create: %v %q maybe %v after %d attempts, %d seen by the server", e.Kind, e.Message, e.MaybeCreated, attempts(), s.hits.Load())
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("not a deadline error: %v", err)
	}
}

func TestCancelledCreateIsAmbiguous(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newCTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	_, err := ctClient(s.URL).Generate(ctx, GenerateRequest{Prompt: "a cat"})
	e := mustAPIError(t, err)
	if !e.MaybeCreated || e.Message != "the request was cancelled" || s.hits.Load() != 1 {
		t.Fatalf("got %+v hits %d", e, s.hits.Load())
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("not context.Canceled: %v", err)
	}
}

// refusingDialer refuses the first n connections, then dials for real.
func refusingDialer(n int32, dials *atomic.Int32) func(context.Context, string, string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= n {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
		return d.DialContext(ctx, network, addr)
	}
}

func TestCreateRetriedWhenConnectionRefused(t *testing.T) {
	s := newCTServer(t, answer(200, envelopeJSON(200, "success", map[string]string{"taskId": "t-after-refusal"})))
	var dials atomic.Int32
	tr := &http.Transport{DialContext: refusingDialer(2, &dials)}
	c := ctClient(s.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} })
	id, err := c.Generate(context.Background(), GenerateRequest{Prompt: "a cat"})
	if err != nil || id != "t-after-refusal" {
		t.Fatalf("Generate = %q, %v", id, err)
	}
	if dials.Load() != 3 || s.hits.Load() != 1 {
		t.Errorf("dials %d hits %d", dials.Load(), s.hits.Load())
	}
}

func TestRefusedEverywhereIsNotAmbiguous(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := ctClient("http://" + addr)
	_, err = c.Extend(context.Background(), ctExtend)
	e := mustAPIError(t, err)
	if e.Kind != KindTransport || e.MaybeCreated || e.Message != "the service refused the connection" {
		t.Fatalf("got %+v", e)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("not ECONNREFUSED: %v", err)
	}
}

func TestCreateWithoutTaskIDIsAmbiguous(t *testing.T) {
	for _, data := range []any{map[string]string{"taskId": ""}, nil, map[string]string{"taskId": "has space"}} {
		s := newCTServer(t, answer(200, envelopeJSON(200, "success", data)))
		_, err := ctClient(s.URL).Generate(context.Background(), GenerateRequest{Prompt: "a cat"})
		e := mustAPIError(t, err)
		if e.Kind != KindServer || !e.MaybeCreated || s.hits.Load() != 1 {
			t.Errorf("data %v: %+v hits %d", data, e, s.hits.Load())
		}
	}
}

func TestCreateRetriedAfterRateLimitThenSucceeds(t *testing.T) {
	s := newCTServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			io.WriteString(w, envelopeJSON(429, "rate limited", nil))
			return
		}
		if n == 2 {
			io.WriteString(w, envelopeJSON(455, "maintenance", nil))
			return
		}
		io.WriteString(w, envelopeJSON(200, "success", map[string]string{"taskId": "t3"}))
	})
	id, err := ctClient(s.URL).Extend(context.Background(), ctExtend)
	if err != nil || id != "t3" || s.hits.Load() != 3 {
		t.Fatalf("Extend = %q, %v, hits %d", id, err, s.hits.Load())
	}
}

func TestReadRecoversAfterServerErrors(t *testing.T) {
	s := newCTServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			w.WriteHeader(502)
			io.WriteString(w, "<html>bad gateway</html>")
			return
		}
		io.WriteString(w, envelopeJSON(200, "success", 5916.25))
	})
	got, err := ctClient(s.URL).Credit(context.Background())
	if err != nil || got != 5916.25 || s.hits.Load() != 3 {
		t.Fatalf("Credit = %v, %v, hits %d", got, err, s.hits.Load())
	}
}

func TestCredit(t *testing.T) {
	for body, want := range map[string]float64{
		`{"code":200,"msg":"success","data":5916.25}`:    5916.25,
		`{"code":200,"msg":"success","data":"120.5"}`:    120.5,
		`{"code":"200","msg":"success","data":0}`:        0,
		`{"code":200,"msg":"success","data":1e3}`:        1000,
		`{"code":200,"msg":"success","data":" 7 "}`:      7,
		`{"code":200,"msg":null,"data":42,"extra":true}`: 42,
	} {
		s := newCTServer(t, answer(200, body))
		got, err := ctClient(s.URL).Credit(context.Background())
		if err != nil || got != want {
			t.Errorf("%s: %v, %v", body, got, err)
		}
		if r := s.last(); r.method != "GET" || r.path != pathCredit {
			t.Errorf("sent %s %s", r.method, r.path)
		}
	}
	s := newCTServer(t, answer(200, `{"code":200,"msg":"success","data":{"credits":1}}`))
	_, err := ctClient(s.URL).Credit(context.Background())
	if e := mustAPIError(t, err); e.Kind != KindServer || e.Op != "credit" {
		t.Errorf("object data: %+v", e)
	}
}

func TestRecordInfoQuirks(t *testing.T) {
	for _, name := range []string{"record_success", "record_string_urls", "record_old", "record_extend", "record_failed", "record_running"} {
		body, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		s := newCTServer(t, answer(200, string(body)))
		rec, err := ctClient(s.URL).RecordInfo(context.Background(), "some-task")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, _, data, _ := DecodeEnvelope(body)
		want, _ := DecodeRecord(data)
		if rec.TaskID != want.TaskID || rec.State != want.State || len(rec.BestURLs()) != len(want.BestURLs()) {
			t.Errorf("%s: over HTTP %+v, decoded %+v", name, rec, want)
		}
	}
}

func TestRecordNotFoundStates(t *testing.T) {
	for _, msg := range []string{"record is null", "Record result data is blank"} {
		s := newCTServer(t, answer(200, envelopeJSON(422, msg, nil)))
		_, err := ctClient(s.URL).RecordInfo(context.Background(), "new-task")
		e := mustAPIError(t, err)
		if e.Kind != KindNotFound || e.Code != 422 || e.Message != msg || s.hits.Load() != 1 {
			t.Errorf("%q: %+v hits %d", msg, e, s.hits.Load())
		}
	}
}

// The live gateway answers record-info for a task it does not know with
// code 200 and data null (real-shapes: gw-data-null). That is a missing
// record, with the hint to check the id, not a malformed answer whose hint
// says to try again in a moment.
func TestRecordInfoWithoutDataIsNoRecord(t *testing.T) {
	for _, body := range []string{`{"code":200,"msg":"success","data":null}`, `{"code":200,"msg":"success"}`} {
		s := newCTServer(t, answer(200, body))
		_, err := ctClient(s.URL).RecordInfo(context.Background(), "unknown-task")
		e := mustAPIError(t, err)
		if e.Kind != KindNotFound || e.Code != 0 || !strings.Contains(e.Message, "no record") || e.Hint != HintFor(KindNotFound) || s.hits.Load() != 1 {
			t.Errorf("%s: %+v, %d calls", body, e, s.hits.Load())
		}
	}
}

func TestGet1080p(t *testing.T) {
	cases := []struct {
		body  string
		state UpgradeState
		urls  []string
		kind  Kind
	}{
		{envelopeJSON(400, "1080P is processing. It should be ready in 1-2 minutes. Please check back shortly.", nil), UpgradeProcessing, nil, 0},
		{envelopeJSON(200, "success", map[string]any{"resultUrl": "https://cdn.example/1080.mp4"}), UpgradeReady, []string{"https://cdn.example/1080.mp4"}, 0},
		{envelopeJSON(200, "success", map[string]any{"resultUrl": "[https://cdn.example/1080.mp4]"}), UpgradeReady, []string{"https://cdn.example/1080.mp4"}, 0},
		{envelopeJSON(200, "success", map[string]any{"resultUrls": []string{"https://cdn.example/b.mp4"}}), UpgradeReady, []string{"https://cdn.example/b.mp4"}, 0},
		{envelopeJSON(200, "success", map[string]any{"resultUrl": ""}), UpgradeProcessing, nil, 0},
		{envelopeJSON(400, "image violates the content policy", nil), 0, nil, KindPolicy},
		{envelopeJSON(422, "record is null", nil), 0, nil, KindNotFound},
		{envelopeJSON(422, "index must be 0", nil), 0, nil, KindValidation},
	}
	for _, tc := range cases {
		s := newCTServer(t, answer(200, tc.body))
		up, err := ctClient(s.URL).Get1080p(context.Background(), "t1", 2)
		if r := s.last(); r.query != "index=2&taskId=t1" || r.method != "GET" || r.path != path1080p {
			t.Errorf("sent %s %s?%s", r.method, r.path, r.query)
		}
		if tc.kind != 0 {
			if e := mustAPIError(t, err); e.Kind != tc.kind || e.Op != "get-1080p" {
				t.Errorf("%s: %+v", tc.body, e)
			}
			continue
		}
		if err != nil || up.State != tc.state || fmt.Sprint(up.ResultURLs) != fmt.Sprint(tc.urls) {
			t.Errorf("%s: %+v, %v", tc.body, up, err)
		}
	}
}

func TestGet4K(t *testing.T) {
	cases := []struct {
		body   string
		state  UpgradeState
		taskID string
		urls   int
		kind   Kind
	}{
		{envelopeJSON(200, "success", map[string]any{"taskId": "4k-1", "resultUrls": []string{}, "imageUrls": nil}), UpgradeProcessing, "4k-1", 0, 0},
		{envelopeJSON(200, "success", map[string]any{"taskId": "4k-1", "resultUrls": "[https://a/4k.mp4]", "imageUrls": []string{"https://a/4k.jpg"}}), UpgradeReady, "4k-1", 1, 0},
		{envelopeJSON(422, "4k is processing. It should be ready in 5-10 minutes.", nil), UpgradeProcessing, "", 0, 0},
		{envelopeJSON(422, "The video has been generated successfully", map[string]any{"resultUrls": []string{"https://a/4k.mp4"}}), UpgradeReady, "", 1, 0},
		{envelopeJSON(422, "index out of range", nil), 0, "", 0, KindValidation},
		{envelopeJSON(402, "Credits insufficient", nil), 0, "", 0, KindCredits},
	}
	for _, tc := range cases {
		s := newCTServer(t, answer(200, tc.body))
		up, err := ctClient(s.URL).Get4K(context.Background(), FourKRequest{TaskID: "t1", Index: 0})
		r := s.last()
		if r.method != "POST" || r.path != path4K || string(r.body) != `{"taskId":"t1","index":0}` {
			t.Errorf("sent %s %s %s", r.method, r.path, r.body)
		}
		if tc.kind != 0 {
			if e := mustAPIError(t, err); e.Kind != tc.kind || e.MaybeCreated || e.Op != "get-4k" {
				t.Errorf("%s: %+v", tc.body, e)
			}
			continue
		}
		if err != nil || up.State != tc.state || up.TaskID != tc.taskID || len(up.ResultURLs) != tc.urls {
			t.Errorf("%s: %+v, %v", tc.body, up, err)
		}
	}
	s := newCTServer(t, answer(502, "<html>oops</html>"))
	_, err := ctClient(s.URL).Get4K(context.Background(), FourKRequest{TaskID: "t1"})
	if e := mustAPIError(t, err); !e.MaybeCreated || s.hits.Load() != 1 {
		t.Errorf("4K is billed like a create: %+v hits %d", e, s.hits.Load())
	}
}

func TestLocalValidationSendsNothing(t *testing.T) {
	s := newCTServer(t, answer(200, envelopeJSON(200, "success", nil)))
	c := ctClient(s.URL)
	ctx := context.Background()
	errs := []error{}
	_, err := c.Generate(ctx, GenerateRequest{Prompt: "  "})
	errs = append(errs, err)
	_, err = c.Extend(ctx, ExtendRequest{TaskID: "", Prompt: "x"})
	errs = append(errs, err)
	_, err = c.Extend(ctx, ExtendRequest{TaskID: "a b", Prompt: "x"})
	errs = append(errs, err)
	_, err = c.RecordInfo(ctx, "bad\x1bid")
	errs = append(errs, err)
	_, err = c.Get1080p(ctx, "t1", -1)
	errs = append(errs, err)
	_, err = c.Get4K(ctx, FourKRequest{})
	errs = append(errs, err)
	for i, err := range errs {
		if KindOf(err) != KindValidation {
			t.Errorf("%d: %v", i, err)
		}
	}
	if s.hits.Load() != 0 {
		t.Errorf("sent %d requests", s.hits.Load())
	}
}

func TestLogNeverHoldsTheKey(t *testing.T) {
	var buf bytes.Buffer
	logger := log.New(&buf)
	logger.SetLevel(log.DebugLevel)
	s := newCTServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(500)
			return
		}
		io.WriteString(w, envelopeJSON(200, "success", map[string]string{"taskId": "t9"}))
	})
	c := ctClient(s.URL, func(o *Options) { o.Logger = logger })
	if _, err := c.Credit(context.Background()); err == nil {
		t.Fatal("credit accepted a task id")
	}
	if _, err := c.Generate(context.Background(), GenerateRequest{Prompt: "secret prompt text"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, ctKey) || strings.Contains(out, "secret prompt text") {
		t.Fatalf("log leaks: %s", out)
	}
	for _, want := range []string{"path=" + pathCredit, "attempt=2", "status=500", "code=200", "body_bytes=", "took="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestSpring404NamesThePath(t *testing.T) {
	s := newCTServer(t, answer(404, `{"timestamp":1773967426000,"status":404,"error":"Not Found","path":"/api/v1/veo/record-info"}`))
	_, err := ctClient(s.URL+"/wrong").RecordInfo(context.Background(), "t1")
	e := mustAPIError(t, err)
	if e.Kind != KindNoEndpoint || e.HTTPStatus != 404 || e.Hint != hintWrongBase ||
		e.Message != "HTTP 404 Not Found for /api/v1/veo/record-info: wrong base URL or the service changed its API" {
		t.Fatalf("got %+v", e)
	}
	if s.last().path != "/wrong"+pathRecordInfo {
		t.Errorf("path %s", s.last().path)
	}
}

package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "test-key"

// fakeClock is the simulator's clock in tests: time moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a simulator behind real HTTP servers, driven with plain net/http.
type env struct {
	t     *testing.T
	sim   *Sim
	api   *httptest.Server
	files *httptest.Server
	clock *fakeClock
	key   string
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)}
	if o.Now == nil {
		o.Now = clk.Now
	}
	if o.APIKey == "" {
		o.APIKey = testKey
	}
	if o.SlowDelay == 0 {
		o.SlowDelay = 150 * time.Millisecond
	}
	s := New(o)
	e := &env{t: t, sim: s, clock: clk, key: o.APIKey,
		api: httptest.NewServer(s.Handler()), files: httptest.NewServer(s.FilesHandler())}
	s.SetFilesBase(e.files.URL)
	t.Cleanup(func() {
		s.Close()
		e.api.Close()
		e.files.Close()
	})
	return e
}

// answer is an API answer: the HTTP side and the decoded envelope.
type answer struct {
	status int
	header http.Header
	body   []byte
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
}

func (e *env) do(method, path string, body any) answer {
	e.t.Helper()
	a, err := e.try(method, path, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// try sends a request with the test key and decodes an envelope if the
// body is one; transport and read errors are returned.
func (e *env) try(method, path string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.api.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if err != nil {
		return a, err
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(b) > 0 {
		if jerr := json.Unmarshal(b, &a); jerr != nil {
			return a, jerr
		}
	}
	return a, nil
}

// client makes a fresh connection per request: Go's transport silently
// retries a GET whose reused connection dies, which would hide faults.
func (e *env) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func (e *env) post(path string, body any) answer { e.t.Helper(); return e.do("POST", path, body) }
func (e *env) get(path string) answer            { e.t.Helper(); return e.do("GET", path, nil) }

// generate creates a task and returns its id, failing the test if refused.
func (e *env) generate(body map[string]any) string {
	e.t.Helper()
	if body == nil {
		body = map[string]any{"prompt": "a cat on a skateboard"}
	}
	a := e.post(PathGenerate, body)
	return e.taskID(a)
}

func (e *env) extend(src, prompt string) string {
	e.t.Helper()
	return e.taskID(e.post(PathExtend, map[string]any{"taskId": src, "prompt": prompt}))
}

func (e *env) taskID(a answer) string {
	e.t.Helper()
	if a.status != 200 || a.Code != 200 {
		e.t.Fatalf("create refused: HTTP %d code %d %q", a.status, a.Code, a.Msg)
	}
	var d struct{ TaskID string }
	if err := json.Unmarshal(a.Data, &d); err != nil || d.TaskID == "" {
		e.t.Fatalf("no taskId in %s", a.body)
	}
	return d.TaskID
}

// record is record-info's data, decoded loosely so quirk shapes survive.
type record struct {
	TaskID       string         `json:"taskId"`
	ParamJSON    string         `json:"paramJson"`
	Response     map[string]any `json:"response"`
	ResultURLs   any            `json:"resultUrls"`
	SuccessFlag  int            `json:"successFlag"`
	ErrorCode    any            `json:"errorCode"`
	ErrorMessage any            `json:"errorMessage"`
	CreateTime   any            `json:"createTime"`
	CompleteTime any            `json:"completeTime"`
	FallbackFlag bool           `json:"fallbackFlag"`
}

func (e *env) record(id string) (answer, record) {
	e.t.Helper()
	a := e.get(PathRecord + "?taskId=" + id)
	var r record
	if a.Code == 200 {
		if err := json.Unmarshal(a.Data, &r); err != nil {
			e.t.Fatalf("record: %v in %s", err, a.body)
		}
	}
	return a, r
}

// urls reads a plain-array URL list from a response object.
func urls(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("URL list %T %v, want a JSON array", v, v)
	}
	out := make([]string, len(list))
	for i, u := range list {
		out[i] = u.(string)
	}
	return out
}

// fetch downloads a result link with a plain client (no API key).
func fetch(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/veox/veox/api/apitest"
)

var h2Faults = []struct {
	name  string
	fault apitest.Fault
}{
	{"RST_STREAM(PROTOCOL_ERROR)", apitest.FaultRST},
	{"GOAWAY(last stream 0)", apitest.FaultGoAway},
	{"RST_STREAM then GOAWAY", apitest.FaultRSTGoAway},
}

// wrapped hides the *http.Transport inside, as a caller's own RoundTripper
// (a logging or proxying one) would: veox cannot turn its HTTP/2 off.
type wrapped struct{ http.RoundTripper }

// Issue 9.1: a create is sent exactly once whatever the protocol. The stand
// resets the stream (or disowns it with GOAWAY) after reading the first
// create and would answer a replay with a task id; Go's HTTP/2 transport
// replays on its own, so on the old client this gave 2 POSTs and a
// "success". Reads keep HTTP/2.
func TestCreateSentOnceUnderHTTP2Faults(t *testing.T) {
	for _, f := range h2Faults {
		t.Run(f.name, func(t *testing.T) {
			s := apitest.NewStand(t, apitest.Options{Fault: f.fault, Faulty: 1})
			c := ctClient(s.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: s.Transport()} })
			if _, err := c.Credit(context.Background()); err != nil {
				t.Fatal(err)
			}
			if s.H2Reads.Load() != 1 {
				t.Errorf("the read did not use HTTP/2 (h2 reads %d, h1 reads %d)", s.H2Reads.Load(), s.H1Reads.Load())
			}
			id, err := c.Generate(context.Background(), GenerateRequest{Prompt: "a paid cat"})
			t.Logf("%s: %d POST(s) (%d over HTTP/2, %d over HTTP/1.1), outcome id=%q err=%v",
				f.name, s.Posts.Load(), s.H2Posts.Load(), s.H1Posts.Load(), id, err)
			if n := s.Posts.Load(); n != 1 {
				t.Fatalf("the create was sent %d times, want exactly 1", n)
			}
			if e := mustAPIError(t, err); !e.MaybeCreated || e.Hint != hintMaybeCreated {
				t.Fatalf("outcome %+v, want unknown (maybe created)", e)
			}
		})
	}
}

// The second layer: a transport veox cannot make HTTP/1.1 only still cannot
// replay a create, because its body refuses a second read (no GetBody).
func TestCreateBodyCannotBeReplayedByHTTP2(t *testing.T) {
	for _, f := range h2Faults {
		t.Run(f.name, func(t *testing.T) {
			s := apitest.NewStand(t, apitest.Options{Fault: f.fault, Faulty: 1})
			c := ctClient(s.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: wrapped{s.Transport()}} })
			for _, do := range []func() error{
				func() error {
					_, err := c.Generate(context.Background(), GenerateRequest{Prompt: "a paid cat"})
					return err
				},
				func() error { _, err := c.Extend(context.Background(), ctExtend); return err },
				func() error { _, err := c.Get4K(context.Background(), FourKRequest{TaskID: "t1"}); return err },
			} {
				s.Posts.Store(0)
				s.H2Posts.Store(0)
				err := do()
				if s.H2Posts.Load() != 1 || s.Posts.Load() != 1 {
					t.Fatalf("sent %d times (%d over HTTP/2), want once over HTTP/2: %v", s.Posts.Load(), s.H2Posts.Load(), err)
				}
				if e := mustAPIError(t, err); !e.MaybeCreated {
					t.Fatalf("outcome %+v, want unknown", e)
				}
			}
		})
	}
}

// The same stand answering normally: creates succeed over HTTP/1.1, once.
func TestCreateOverTheCreateTransportSucceeds(t *testing.T) {
	s := apitest.NewStand(t, apitest.Options{})
	c := ctClient(s.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: s.Transport()} })
	for i := range 3 {
		id, err := c.Generate(context.Background(), GenerateRequest{Prompt: fmt.Sprint("cat ", i)})
		if err != nil || id != "task-after-replay" {
			t.Fatalf("Generate = %q, %v", id, err)
		}
	}
	if s.H1Posts.Load() != 3 || s.H2Posts.Load() != 0 {
		t.Fatalf("creates: %d over HTTP/1.1, %d over HTTP/2", s.H1Posts.Load(), s.H2Posts.Load())
	}
}

// Issue 9.2: a create follows no redirect. A 307 loop would have the paid
// body sent again and again, a 307 elsewhere would send the prompt (and the
// key) there and take its answer as the task: any 3xx is "unknown".
func TestCreateFollowsNoRedirect(t *testing.T) {
	other := newCTServer(t, answer(200, envelopeJSON(200, "success", map[string]string{"taskId": "from-elsewhere"})))
	cases := []struct {
		name   string
		status int
		to     func(self string) string
	}{
		{"307 loop", 307, func(self string) string { return self + pathGenerate }},
		{"308 loop", 308, func(self string) string { return self + pathGenerate }},
		{"307 to another host", 307, func(string) string { return other.URL + pathGenerate }},
		{"302 to another host", 302, func(string) string { return other.URL + pathGenerate }},
		{"301 same origin", 301, func(self string) string { return self + "/api/v2/veo/generate" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			other.hits.Store(0)
			var self string
			s := newCTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.to(self), tc.status)
			})
			self = s.URL
			id, err := ctClient(s.URL).Generate(context.Background(), GenerateRequest{Prompt: "a paid cat"})
			t.Logf("%s: %d request(s) to the service, %d to the other host; id %q, %v", tc.name, s.hits.Load(), other.hits.Load(), id, err)
			e := mustAPIError(t, err)
			if id != "" || !e.MaybeCreated || e.Kind != KindRedirect || e.HTTPStatus != tc.status {
				t.Fatalf("got id %q, %+v; want unknown after a %d", id, e, tc.status)
			}
			if s.hits.Load() != 1 || other.hits.Load() != 0 {
				t.Fatalf("sent %d times to the service and %d times elsewhere, want 1 and 0", s.hits.Load(), other.hits.Load())
			}
		})
	}
}

// Issue 9.3: the key never follows a redirect to another origin (the same
// host on another port counts), nor from https to http. A same-origin
// redirect of a read is still followed.
func TestReadsCarryTheKeyOnlyToTheirOrigin(t *testing.T) {
	other := newCTServer(t, answer(200, envelopeJSON(200, "success", 1)))
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(tlsSrv.Close)
	plain := newCTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		// other is 127.0.0.1 too: the same host name on another port.
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	for name, c := range map[string]*Client{
		"same host, other port": ctClient(plain.URL),
		"https to http": ctClient(tlsSrv.URL, func(o *Options) {
			o.HTTPClient = tlsSrv.Client()
		}),
	} {
		other.hits.Store(0)
		_, err := c.Credit(context.Background())
		if other.hits.Load() != 0 {
			t.Errorf("%s: the other origin received %d requests (with the key: %q)", name, other.hits.Load(),
				other.last().header.Get("Authorization"))
			continue
		}
		e := mustAPIError(t, err)
		if e.Kind != KindRedirect || e.MaybeCreated || !strings.Contains(e.Message, origin(mustParse(t, other.URL))) {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if plain.hits.Load() != 1 {
		t.Errorf("a redirect to another origin was retried: %d requests", plain.hits.Load())
	}

	moved := newCTServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathCredit {
			http.Redirect(w, r, "/v2"+pathCredit, http.StatusMovedPermanently)
			return
		}
		io.WriteString(w, envelopeJSON(200, "success", 7))
	})
	got, err := ctClient(moved.URL).Credit(context.Background())
	if err != nil || got != 7 || moved.last().header.Get("Authorization") != "Bearer "+ctKey {
		t.Fatalf("same-origin redirect: %v, %v", got, err)
	}
	loop := newCTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
	})
	_, err = ctClient(loop.URL).Credit(context.Background())
	if e := mustAPIError(t, err); e.Kind != KindRedirect || loop.hits.Load() != maxReadRedirects+1 {
		t.Fatalf("same-origin loop: %+v after %d requests", e, loop.hits.Load())
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fixtures finds shared/real-shapes/fixtures above the module root.
func fixtures(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "real-shapes", "fixtures")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Skip("shared/real-shapes/fixtures not found")
		}
	}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Issue 9.7: the recorded Spring 404 of the real gateway is a route that
// does not exist (wrong base URL, or the API changed), never "this task is
// gone"; the envelope's "record is null" (422) is about the task.
func TestGenuine404IsNotATaskNotFound(t *testing.T) {
	status, err := strconv.Atoi(strings.TrimSpace(fixture(t, "gw-spring-404.http")))
	if err != nil {
		t.Fatal(err)
	}
	spring := fixture(t, "gw-spring-404.json")
	s := newCTServer(t, answer(status, spring))
	_, err = ctClient(s.URL).RecordInfo(context.Background(), "c2ac913cc2618ee809dd315065c48c5a")
	e := mustAPIError(t, err)
	if e.Kind != KindNoEndpoint || e.Kind == KindNotFound || e.HTTPStatus != 404 ||
		!strings.Contains(e.Message, "wrong base URL or the service changed its API") || s.hits.Load() != 1 {
		t.Fatalf("Spring 404: %+v after %d requests", e, s.hits.Load())
	}
	// An edge's HTML 404 is the same thing.
	s = newCTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		io.WriteString(w, "<html><body>404 Not Found</body></html>")
	})
	_, err = ctClient(s.URL).RecordInfo(context.Background(), "t1")
	if e := mustAPIError(t, err); e.Kind != KindNoEndpoint {
		t.Fatalf("edge 404: %+v", e)
	}
	// A create meeting it created nothing: the route does not exist.
	s = newCTServer(t, answer(status, spring))
	_, err = ctClient(s.URL).Generate(context.Background(), GenerateRequest{Prompt: "p"})
	if e := mustAPIError(t, err); e.Kind != KindNoEndpoint || e.MaybeCreated {
		t.Fatalf("create: %+v", e)
	}

	null := fixture(t, "gw-recordinfo-null.json")
	s = newCTServer(t, answer(200, null))
	_, err = ctClient(s.URL).RecordInfo(context.Background(), "t1")
	if e := mustAPIError(t, err); e.Kind != KindNotFound || e.Code != 422 {
		t.Fatalf("record is null: %+v", e)
	}
}

// Issue 9.12: a key that ends in CR or LF is trimmed; one with control
// characters inside is refused before anything is sent, and a create is
// then "nothing sent", not "may have been created".
func TestKeyWithControlCharacters(t *testing.T) {
	s := newCTServer(t, answer(200, envelopeJSON(200, "success", map[string]string{"taskId": "t1"})))
	id, err := ctClient(s.URL, func(o *Options) { o.APIKey = ctKey + "\r\n" }).Generate(context.Background(), GenerateRequest{Prompt: "p"})
	if err != nil || id != "t1" || s.hits.Load() != 1 {
		t.Fatalf("a key ending in CRLF: id %q, %v after %d requests", id, err, s.hits.Load())
	}
	if got := s.last().header.Get("Authorization"); got != "Bearer "+ctKey {
		t.Fatalf("sent %q", got)
	}
	s.hits.Store(0)
	for _, key := range []string{"sk-\x1b[2Jabc", "sk-ab\ncd", "sk-ab\x00cd", "sk ab"} {
		_, err := ctClient(s.URL, func(o *Options) { o.APIKey = key }).Generate(context.Background(), GenerateRequest{Prompt: "p"})
		e := mustAPIError(t, err)
		if e.Kind != KindAuth || e.MaybeCreated || strings.Contains(e.Error(), key) {
			t.Errorf("key %q: %+v", key, e)
		}
	}
	if s.hits.Load() != 0 {
		t.Errorf("sent %d requests with a broken key", s.hits.Load())
	}
}

package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// fakeService answers in memory (a synctest bubble cannot use the network)
// and records when each request arrived on the bubble's fake clock.
type fakeService struct {
	mu     sync.Mutex
	at     []time.Time
	answer func(n int, r *http.Request) (*http.Response, error)
}

func (f *fakeService) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.at = append(f.at, time.Now())
	n := len(f.at)
	f.mu.Unlock()
	return f.answer(n, r)
}

// gaps are the waits between consecutive requests.
func (f *fakeService) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(f.at); i++ {
		out = append(out, f.at[i].Sub(f.at[i-1]))
	}
	return out
}

func (f *fakeService) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.at)
}

func fakeAnswer(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: -1}
}

func okCredit() *http.Response { return fakeAnswer(200, nil, `{"code":200,"msg":"success","data":1}`) }
func okTask() *http.Response {
	return fakeAnswer(200, nil, `{"code":200,"msg":"success","data":{"taskId":"t1"}}`)
}

// fakeClient must be built inside the bubble so its timers are fake.
func fakeClient(f *fakeService, mods ...func(*Options)) *Client {
	o := Options{BaseURL: "https://api.test", APIKey: "k", HTTPClient: &http.Client{Transport: f},
		Rand: func() float64 { return 0.5 }}
	for _, m := range mods {
		m(&o)
	}
	return New(o)
}

func wantGaps(t *testing.T, f *fakeService, want ...time.Duration) {
	t.Helper()
	got := f.gaps()
	if len(got) != len(want) {
		t.Fatalf("gaps = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("gaps = %v, want %v", got, want)
		}
	}
}

func TestBackoffIsCappedExponentialFullJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n < 5 {
				return fakeAnswer(200, nil, `{"code":500,"msg":"internal error"}`), nil
			}
			return okCredit(), nil
		}}
		c := fakeClient(f, func(o *Options) { o.BaseDelay, o.MaxDelay = time.Second, 3*time.Second })
		if _, err := c.Credit(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 0.5 × min(3 s, 1 s·2^n)
		wantGaps(t, f, 500*time.Millisecond, time.Second, 1500*time.Millisecond, 1500*time.Millisecond)
	})
}

func TestBackoffSpansTheWholeJitterRange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		draws := []float64{0, 0.75, 1.5, -1} // out-of-range draws must not stretch the wait
		f := &fakeService{answer: func(n int, _ *http.Request) (*http.Response, error) {
			return fakeAnswer(503, nil, ""), nil
		}}
		c := fakeClient(f, func(o *Options) {
			o.Rand = func() float64 { d := draws[0]; draws = draws[1:]; return d }
			o.BaseDelay, o.MaxDelay = 2*time.Second, time.Minute
		})
		_, err := c.RecordInfo(context.Background(), "t")
		if KindOf(err) != KindServer || f.calls() != 5 {
			t.Fatalf("%v after %d calls", err, f.calls())
		}
		wantGaps(t, f, 0, 3*time.Second, 0, 0)
	})
}

func TestRetryAfterSecondsHonouredAndCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(n int, _ *http.Request) (*http.Response, error) {
			switch n {
			case 1:
				return fakeAnswer(429, http.Header{"Retry-After": {"7"}}, ""), nil
			case 2:
				return fakeAnswer(200, http.Header{"Retry-After": {"3600"}}, `{"code":429,"msg":"slow down"}`), nil
			case 3:
				return fakeAnswer(200, http.Header{"Retry-After": {"2"}}, `{"code":455,"msg":"maintenance"}`), nil
			}
			return okCredit(), nil
		}}
		c := fakeClient(f)
		if _, err := c.Credit(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantGaps(t, f, 7*time.Second, 60*time.Second, 2*time.Second)
	})
}

func TestRetryAfterHTTPDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n == 1 {
				when := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
				return fakeAnswer(429, http.Header{"Retry-After": {when}}, ""), nil
			}
			return okCredit(), nil
		}}
		if _, err := fakeClient(f).Credit(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantGaps(t, f, 5*time.Second)
	})
}

func TestRateLimitWithoutRetryAfterWaitsAWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(n int, _ *http.Request) (*http.Response, error) {
			switch n {
			case 1:
				return fakeAnswer(200, nil, `{"code":429,"msg":"rate limited"}`), nil
			case 2:
				return fakeAnswer(429, nil, "Too Many Requests"), nil
			}
			return okTask(), nil
		}}
		id, err := fakeClient(f).Extend(context.Background(), ExtendRequest{TaskID: "src", Prompt: "on"})
		if err != nil || id != "t1" {
			t.Fatalf("%q %v", id, err)
		}
		wantGaps(t, f, 10*time.Second, 10*time.Second)
	})
}

// Creates go as fast as the service's limit allows and no faster: 100
// of them start in five waves of 20, ten seconds (and a little) apart,
// never more than 20 in any 10 s (issue 17.8: the old pacing took 58 s).
func TestCreatesArePacedAtTheServicesLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(int, *http.Request) (*http.Response, error) { return okTask(), nil }}
		c := fakeClient(f)
		start := time.Now()
		var starts []time.Duration
		for range 100 {
			if _, err := c.Generate(context.Background(), GenerateRequest{Prompt: "p"}); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, time.Since(start))
		}
		if f.calls() != 100 {
			t.Fatalf("%d POSTs for 100 creates", f.calls())
		}
		last := starts[len(starts)-1]
		if last > 4*(createWindow+windowSlack) || last < 4*createWindow {
			t.Errorf("the 100th create started after %v; want about 41 s", last)
		}
		for i := createsPerWindow; i < len(starts); i++ {
			if gap := starts[i] - starts[i-createsPerWindow]; gap < createWindow {
				t.Fatalf("creates %d and %d started %v apart: 21 in one 10 s window", i-createsPerWindow+1, i+1, gap)
			}
		}
	})
}

func TestCreateTimeoutAfterWritingIsNotResent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(_ int, r *http.Request) (*http.Response, error) {
			if tr := httptrace.ContextClientTrace(r.Context()); tr != nil {
				tr.GotConn(httptrace.GotConnInfo{})
				tr.WroteHeaders()
				tr.WroteRequest(httptrace.WroteRequestInfo{})
			}
			<-r.Context().Done()
			return nil, r.Context().Err()
		}}
		start := time.Now()
		_, err := fakeClient(f).Generate(context.Background(), GenerateRequest{Prompt: "p"})
		e := mustAPIError(t, err)
		if !e.MaybeCreated || e.Kind != KindTransport || f.calls() != 1 || e.Hint != hintMaybeCreated {
			t.Fatalf("%+v after %d calls", e, f.calls())
		}
		if d := time.Since(start); d != DefaultCreateTimeout {
			t.Errorf("gave up after %v", d)
		}
	})
}

func TestReadTimeoutIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(n int, r *http.Request) (*http.Response, error) {
			if n == 1 {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return okCredit(), nil
		}}
		if _, err := fakeClient(f).Credit(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantGaps(t, f, DefaultReadTimeout+250*time.Millisecond)
	})
}

func TestCreateSentOnlyWhenNothingLeft(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name   string
		err    error
		trace  func(*httptrace.ClientTrace)
		calls  int
		maybe  bool
		thenOK bool
	}{
		{"refused, retried", refused, nil, 2, false, true},
		{"dns failure, retried", &net.DNSError{Err: "no such host", Name: "api.test"}, nil, 2, false, true},
		{"connected, nothing written, retried", io.EOF, func(tr *httptrace.ClientTrace) { tr.GotConn(httptrace.GotConnInfo{}) }, 2, false, true},
		{"reset after writing", syscall.ECONNRESET, func(tr *httptrace.ClientTrace) {
			tr.GotConn(httptrace.GotConnInfo{})
			tr.WroteHeaders()
		}, 1, true, false},
		{"EOF with no trace evidence", io.EOF, nil, 1, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeService{answer: func(n int, r *http.Request) (*http.Response, error) {
					if n > 1 {
						return okTask(), nil
					}
					if tc.trace != nil {
						tc.trace(httptrace.ContextClientTrace(r.Context()))
					}
					return nil, tc.err
				}}
				id, err := fakeClient(f).Extend(context.Background(), ExtendRequest{TaskID: "src", Prompt: "p"})
				if f.calls() != tc.calls || (err == nil) != tc.thenOK || MaybeCreated(err) != tc.maybe {
					t.Fatalf("id %q err %v after %d calls", id, err, f.calls())
				}
			})
		})
	}
}

func TestCancelDuringWaitKeepsTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(int, *http.Request) (*http.Response, error) {
			return fakeAnswer(429, nil, ""), nil
		}}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := fakeClient(f).Generate(ctx, GenerateRequest{Prompt: "p"})
		if KindOf(err) != KindRateLimited || !errors.Is(err, context.Canceled) || MaybeCreated(err) {
			t.Fatalf("%v", err)
		}
		if d := time.Since(start); d != time.Second || f.calls() != 1 {
			t.Errorf("returned after %v, %d calls", d, f.calls())
		}
	})
}

func TestDeadlineShorterThanTheWaitReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeService{answer: func(int, *http.Request) (*http.Response, error) {
			return fakeAnswer(503, http.Header{"Retry-After": {"30"}}, "<html>busy</html>"), nil
		}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := fakeClient(f).RecordInfo(ctx, "t")
		e := mustAPIError(t, err)
		if e.Kind != KindServer || e.RetryAfter != 30*time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%+v", e)
		}
		if time.Since(start) != 0 || f.calls() != 1 {
			t.Errorf("waited %v, %d calls", time.Since(start), f.calls())
		}
	})
}

func TestRetryAfterParsing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limit := time.Minute
		for in, want := range map[string]time.Duration{
			"": 0, "0": 0, "-3": 0, "abc": 0, "5": 5 * time.Second, "1.5": 1500 * time.Millisecond,
			"61": limit, "1e300": limit, "NaN": 0,
			time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat):   0,
			time.Now().Add(time.Hour).UTC().Format(http.TimeFormat):    limit,
			time.Now().Add(20 * time.Second).UTC().Format(time.RFC850): 20 * time.Second,
		} {
			if got := retryAfterDelay(in, limit); got != want {
				t.Errorf("retryAfterDelay(%q) = %v, want %v", in, got, want)
			}
		}
	})
}

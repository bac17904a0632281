package api

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the reseller's public endpoint.
const DefaultBaseURL = "https://api.kie.ai"

// Defaults of Options; see veo-api.md for where the numbers come from.
const (
	DefaultReadTimeout   = 30 * time.Second
	DefaultCreateTimeout = 60 * time.Second
	DefaultMaxAttempts   = 5
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 20 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// maxAPIBody bounds what veox reads from one API answer; records are a few KB,
// anything near this is not the service talking.
const maxAPIBody = 8 << 20

// Options configure a Client. Zero values take the defaults.
type Options struct {
	BaseURL       string         // default DefaultBaseURL; a trailing slash is tolerated
	APIKey        string         // sent as a Bearer token to the API only
	Version       string         // User-Agent is "veox/<Version>" ("veox/dev" if empty)
	HTTPClient    *http.Client   // its Timeout bounds reads (default 30 s)
	CreateTimeout time.Duration  // per create attempt, default 60 s
	Limiter       *rate.Limiter  // creates only; default 20 per 10 s as burst 3 + one per 600 ms
	MaxAttempts   int            // reads and safe create retries; default 5
	BaseDelay     time.Duration  // backoff base, default 500 ms
	MaxDelay      time.Duration  // backoff cap, default 20 s
	MaxRetryAfter time.Duration  // cap for an honoured Retry-After, default 60 s
	Rand          func() float64 // [0,1) for jitter, called concurrently; default math/rand/v2
	Logger        *log.Logger    // nil discards; the key is never logged
}

// Client talks to the service. It is safe for concurrent use.
type Client struct {
	base          string
	key           string
	ua            string
	http          *http.Client
	readTimeout   time.Duration
	createTimeout time.Duration
	limiter       *rate.Limiter
	maxAttempts   int
	baseDelay     time.Duration
	maxDelay      time.Duration
	maxRetryAfter time.Duration
	rand          func() float64
	log           *log.Logger
}

// New builds a Client, filling in defaults.
func New(o Options) *Client {
	c := &Client{
		base:          strings.TrimRight(orString(o.BaseURL, DefaultBaseURL), "/"),
		key:           o.APIKey,
		ua:            "veox/" + orString(o.Version, "dev"),
		createTimeout: orDuration(o.CreateTimeout, DefaultCreateTimeout),
		limiter:       o.Limiter,
		maxAttempts:   o.MaxAttempts,
		baseDelay:     orDuration(o.BaseDelay, DefaultBaseDelay),
		maxDelay:      orDuration(o.MaxDelay, DefaultMaxDelay),
		maxRetryAfter: orDuration(o.MaxRetryAfter, DefaultMaxRetryAfter),
		rand:          o.Rand,
		log:           o.Logger,
	}
	c.http, c.readTimeout = apiHTTPClient(o.HTTPClient)
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(rate.Every(600*time.Millisecond), 3)
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	if c.log == nil {
		c.log = log.New(io.Discard)
	}
	return c
}

// apiHTTPClient returns a client without an overall Timeout plus the read
// timeout it had: creates need a longer bound than reads, and both are then
// applied as context deadlines per attempt.
func apiHTTPClient(hc *http.Client) (*http.Client, time.Duration) {
	if hc == nil {
		hc = &http.Client{
			Timeout:   DefaultReadTimeout,
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
		}
	}
	cp := *hc
	cp.Timeout = 0
	return &cp, orDuration(hc.Timeout, DefaultReadTimeout)
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// BaseURL is the API base without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// UserAgent is what every API request carries; downloads send it too.
func (c *Client) UserAgent() string { return c.ua }

// apiCall describes one logical API request, however many attempts it takes.
type apiCall struct {
	op     string
	method string
	path   string
	query  url.Values
	body   []byte // nil for GET
	create bool   // costs money: no resend unless nothing can have been created
}

func (c *Client) timeoutFor(cl *apiCall) time.Duration {
	if cl.create {
		return c.createTimeout
	}
	return c.readTimeout
}

// newRequest builds one attempt's request. The body is a bytes.Reader, so
// net/http sets GetBody; that is safe for creates because the transport only
// replays a POST on its own when nothing at all was written to a reused
// connection (nothingWrittenError), and we never send an Idempotency-Key,
// which would let it replay after writing.
func (c *Client) newRequest(ctx context.Context, cl *apiCall) (*http.Request, error) {
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// readAPIBody reads at most maxAPIBody bytes; more is treated as a broken answer.
func readAPIBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAPIBody+1))
	if err == nil && len(b) > maxAPIBody {
		return b[:maxAPIBody], nil // cut, so it fails to decode as malformedAnswer
	}
	return b, err
}

// attempt makes one round trip under its own deadline and returns the
// envelope, or an *Error for anything that is not one.
func (c *Client) attempt(ctx context.Context, cl *apiCall) (*envelope, *Error) {
	timeout := c.timeoutFor(cl)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tr := &sendTrace{}
	req, err := c.newRequest(httptrace.WithClientTrace(actx, tr.hooks()), cl)
	if err != nil {
		return nil, &Error{Op: cl.op, Kind: KindValidation, Err: err,
			Message: "invalid base URL " + Sanitize(c.base), Hint: hintWrongBase}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, apiTransportError(cl, err, tr, timeout, ctx)
	}
	defer resp.Body.Close()
	body, err := readAPIBody(resp.Body)
	if err != nil {
		return nil, apiBodyError(cl, resp.StatusCode, err, timeout)
	}
	ra := retryAfterDelay(resp.Header.Get("Retry-After"), c.maxRetryAfter)
	code, msg, data, err := DecodeEnvelope(body)
	if err != nil {
		e := httpFailure(cl.op, resp.StatusCode, resp.Header, body, cl.path)
		e.RetryAfter = ra
		if cl.create && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
			markMaybeCreated(e) // a 4xx from the edge was never passed on; other answers may have been
		}
		return nil, e
	}
	return &envelope{code: code, msg: msg, data: data, status: resp.StatusCode, retryAfter: ra}, nil
}

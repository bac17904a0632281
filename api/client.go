package api

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/log"
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
	HTTPClient    *http.Client   // its Timeout bounds reads (default 30 s); its transport is the base of both (see clients)
	CreateTimeout time.Duration  // per create attempt, default 60 s
	Limiter       Pacer          // creates only; default a Window of 20 per 10 s (and a little): the service's limit, no slower
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
	keyErr        *Error // the key cannot go into a header: nothing is sent
	ua            string
	http          *http.Client // reads: HTTP/2 allowed, same-origin redirects
	createHTTP    *http.Client // creates: HTTP/1.1 only, no redirect, no replay
	readTimeout   time.Duration
	createTimeout time.Duration
	limiter       Pacer
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
		key:           strings.TrimSpace(o.APIKey),
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
	c.http, c.createHTTP, c.readTimeout = clients(o.HTTPClient)
	c.keyErr = checkKey(c.key)
	if c.limiter == nil {
		c.limiter = defaultPacer()
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

// checkKey refuses a key that cannot be sent as a header value: net/http
// would fail the request before sending it, and without this check that
// failure would look like a create that may have gone through.
func checkKey(key string) *Error {
	for _, r := range key {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return &Error{Kind: KindAuth, Message: "the API key contains spaces or control characters",
				Hint: "copy the key again from the service's dashboard (VEOX_API_KEY, --api-key or the config file); nothing was sent"}
		}
	}
	return nil
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

// newRequest builds one attempt's request. A create's body is a
// createBody: net/http cannot rewind it (no GetBody), so no transport can
// send it twice, whatever the protocol; the create client is HTTP/1.1 only
// on top of that (see createTransport). Never send an Idempotency-Key
// either: it would make net/http treat the POST as replayable.
func (c *Client) newRequest(ctx context.Context, cl *apiCall) (*http.Request, *createBody, error) {
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, nil)
	if err != nil {
		return nil, nil, err
	}
	var body *createBody
	if cl.body != nil {
		body = newCreateBody(cl.body)
		req.Body, req.ContentLength = body, int64(len(cl.body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	return req, body, nil
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
	if c.keyErr != nil {
		e := *c.keyErr
		e.Op = cl.op
		return nil, &e
	}
	timeout := c.timeoutFor(cl)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tr := &sendTrace{}
	req, body, err := c.newRequest(httptrace.WithClientTrace(actx, tr.hooks()), cl)
	if err != nil {
		return nil, &Error{Op: cl.op, Kind: KindValidation, Err: err,
			Message: "invalid base URL " + Sanitize(c.base), Hint: hintWrongBase}
	}
	hc := c.http
	if cl.create {
		hc = c.createHTTP
	}
	resp, err := hc.Do(req)
	if body != nil && body.read.Load() {
		tr.wrote.Store(true) // the transport took the body: the service may have it
	}
	if err != nil {
		return nil, apiTransportError(cl, err, tr, timeout, ctx)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, redirectError(cl, resp)
	}
	data, err := readAPIBody(resp.Body)
	if err != nil {
		return nil, apiBodyError(cl, resp.StatusCode, err, timeout)
	}
	ra := retryAfterDelay(resp.Header.Get("Retry-After"), c.maxRetryAfter)
	code, msg, payload, err := DecodeEnvelope(data)
	if err != nil {
		e := httpFailure(cl.op, resp.StatusCode, resp.Header, data, cl.path)
		e.RetryAfter = ra
		if cl.create && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
			markMaybeCreated(e) // a 4xx from the edge was never passed on; other answers may have been
		}
		return nil, e
	}
	return &envelope{code: code, msg: msg, data: payload, status: resp.StatusCode, retryAfter: ra}, nil
}

// redirectError reports a 3xx that veox did not follow: any redirect of a
// create (the first server may have taken it, so the outcome is unknown),
// or a read sent to another origin. Only the target's origin is named.
func redirectError(cl *apiCall, resp *http.Response) *Error {
	where := "no address"
	if loc, err := resp.Location(); err == nil {
		where = Sanitize(origin(loc))
	}
	e := &Error{Op: cl.op, Kind: KindRedirect, Code: resp.StatusCode, HTTPStatus: resp.StatusCode,
		Message: fmt.Sprintf("the service answered HTTP %d, a redirect to %s, which veox does not follow", resp.StatusCode, where),
		Hint:    HintFor(KindRedirect)}
	if cl.create {
		e.Message = fmt.Sprintf("the service answered the create with HTTP %d, a redirect to %s; a create follows no redirect and is never sent twice", resp.StatusCode, where)
		markMaybeCreated(e)
	}
	return e
}

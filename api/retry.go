package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// rateWindow is the service's rate-limit window: a 429 without Retry-After
// is only worth retrying once a whole window has passed.
const rateWindow = 10 * time.Second

const hintMaybeCreated = "the request may have reached the service and created a billed task; " +
	"veox will not resend it — check with 'veox status' or settle it in the history"

// do runs cl until accept takes an answer, an error is final, or the
// attempts run out. accept turns an envelope into results or an *Error.
func (c *Client) do(ctx context.Context, cl *apiCall, accept func(*envelope) *Error) error {
	var last *Error
	for n := 0; n < c.maxAttempts; n++ {
		if last != nil {
			if err := c.pause(ctx, n-1, last); err != nil {
				return err
			}
		}
		if cl.create {
			if err := c.limiter.Wait(ctx); err != nil {
				return interruptedError(cl, last, err)
			}
		}
		start := time.Now()
		env, e := c.attempt(ctx, cl)
		if e == nil {
			e = accept(env)
		}
		c.logAttempt(cl, n, env, e, time.Since(start))
		if e == nil {
			return nil
		}
		last = e
		if ctx.Err() != nil || !mayRetry(cl, e) {
			return e
		}
	}
	return last
}

// mayRetry: reads retry whatever may pass; creates only what the service
// clearly refused before creating anything (429, 455, nothing sent).
func mayRetry(cl *apiCall, e *Error) bool {
	if e.settled {
		return false
	}
	switch e.Kind {
	case KindRateLimited, KindMaintenance, KindTransport:
		return !e.MaybeCreated
	case KindServer:
		return !cl.create
	}
	return false
}

// pause sleeps before retry number retry (0-based). It gives up at once when
// the caller's deadline would pass during the wait, returning what it has.
func (c *Client) pause(ctx context.Context, retry int, last *Error) error {
	d := c.delayFor(retry, last)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return interruptedError(nil, last, context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return interruptedError(nil, last, ctx.Err())
	case <-t.C:
		return nil
	}
}

func (c *Client) delayFor(retry int, e *Error) time.Duration {
	if e.RetryAfter > 0 {
		return e.RetryAfter
	}
	if e.Kind == KindRateLimited {
		return rateWindow
	}
	return c.backoff(retry)
}

// backoff is full jitter: uniform in [0, min(MaxDelay, BaseDelay·2^retry)),
// so many clients that failed together do not come back together.
func (c *Client) backoff(retry int) time.Duration {
	ceil := c.baseDelay
	for i := 0; i < retry && ceil < c.maxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.maxDelay)
	r := c.rand()
	if r < 0 || r >= 1 || math.IsNaN(r) {
		r = 0
	}
	return time.Duration(r * float64(ceil))
}

// interruptedError reports a wait cut short: the last answer stays the error
// (its kind is what the caller branches on), wrapped with the cause.
func interruptedError(cl *apiCall, last *Error, cause error) *Error {
	if last != nil {
		e := *last
		e.Err = errors.Join(cause, last.Err)
		return &e
	}
	return &Error{Op: cl.op, Kind: KindTransport, Err: cause,
		Message: "cancelled before the request was sent", Hint: HintFor(KindTransport)}
}

// retryAfterDelay reads delta-seconds or an HTTP date, capped at limit.
func retryAfterDelay(v string, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs <= 0 {
			return 0
		}
		if secs >= limit.Seconds() {
			return limit
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), limit)
}

// sendTrace records how far one attempt got, to tell "nothing was sent"
// from "the service may have it". Hooks run on transport goroutines.
type sendTrace struct {
	gotConn atomic.Bool
	wrote   atomic.Bool
}

func (t *sendTrace) hooks() *httptrace.ClientTrace {
	wrote := func() { t.wrote.Store(true) }
	return &httptrace.ClientTrace{
		GotConn:          func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
		WroteHeaderField: func(string, []string) { wrote() },
		WroteHeaders:     wrote,
		WroteRequest:     func(httptrace.WroteRequestInfo) { wrote() },
	}
}

// nothingSent is true only on positive evidence: a connection that wrote
// nothing (the trace saw it), or an error that precedes any connection. A
// RoundTripper that ignores traces thus counts as "may have sent".
func (t *sendTrace) nothingSent(err error) bool {
	if t.wrote.Load() {
		return false
	}
	return t.gotConn.Load() || neverConnected(err)
}

func neverConnected(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr):
		return true
	case errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect"):
		return true
	case errors.As(err, &certErr), errors.As(err, &recErr):
		return true // the TLS handshake comes before any request byte
	}
	return false
}

// apiTransportError describes a failed round trip; a create that may have been
// written is marked MaybeCreated.
func apiTransportError(cl *apiCall, err error, tr *sendTrace, timeout time.Duration, parent context.Context) *Error {
	e := &Error{Op: cl.op, Kind: KindTransport, Err: err, Hint: HintFor(KindTransport)}
	e.Message = describeTransport(err, timeout, parent)
	if cl.create && !tr.nothingSent(err) {
		markMaybeCreated(e)
		if refusedReplay(err) {
			e.Message = "the connection was reset after the create was sent, and veox does not send a create twice"
		}
	}
	return e
}

// refusedReplay: a transport wanted to send the create again and could not
// (our body refused, or net/http could not rewind it).
func refusedReplay(err error) bool {
	return errors.Is(err, errCreateReplay) || strings.Contains(err.Error(), "after Request.Body was written")
}

func describeTransport(err error, timeout time.Duration, parent context.Context) string {
	var dnsErr *net.DNSError
	switch {
	case parent.Err() != nil:
		return "the request was cancelled"
	case isTimeoutError(err):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the service refused the connection"
	case errors.As(err, &dnsErr):
		return "could not resolve the service's host name"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "connection failed: " + Sanitize(err.Error())
}

func isTimeoutError(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// apiBodyError describes an answer whose body stopped arriving: the request
// was certainly received, so for a create the outcome is unknown.
func apiBodyError(cl *apiCall, status int, err error, timeout time.Duration) *Error {
	e := &Error{Op: cl.op, Kind: KindTransport, HTTPStatus: status, Err: err, Hint: HintFor(KindTransport)}
	e.Message = fmt.Sprintf("the answer was cut short (HTTP %d)", status)
	if isTimeoutError(err) {
		e.Message = fmt.Sprintf("the answer did not finish within %s (HTTP %d)", timeout, status)
	}
	if cl.create {
		markMaybeCreated(e)
	}
	return e
}

func markMaybeCreated(e *Error) {
	e.MaybeCreated = true
	e.Hint = hintMaybeCreated
}

func (c *Client) logAttempt(cl *apiCall, n int, env *envelope, e *Error, took time.Duration) {
	kv := []any{"op", cl.op, "method", cl.method, "path", cl.path, "attempt", n + 1,
		"took", took.Round(time.Millisecond)}
	switch {
	case env != nil:
		kv = append(kv, "status", env.status, "code", env.code)
	case e != nil && e.HTTPStatus != 0:
		kv = append(kv, "status", e.HTTPStatus)
	}
	if cl.body != nil {
		kv = append(kv, "body_bytes", len(cl.body))
	}
	if e == nil {
		c.log.Debug("api request", kv...)
		return
	}
	kv = append(kv, "kind", e.Kind.String(), "msg", e.Message)
	if e.MaybeCreated {
		kv = append(kv, "maybe_created", true)
	}
	c.log.Warn("api request failed", kv...)
}

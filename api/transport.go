package api

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// maxReadRedirects bounds the same-origin redirects a read follows.
const maxReadRedirects = 3

// errCreateReplay is what a create's body answers when a transport tries to
// read it a second time: a paid request is sent once or not at all.
var errCreateReplay = errors.New("veox refused to send the create a second time")

// clients builds the two HTTP clients of the API from the caller's: reads
// keep its transport (HTTP/2 included) and follow redirects only within the
// base URL's origin; creates get a transport of their own that cannot
// replay a request, and follow no redirect at all. Neither has an overall
// Timeout: creates and reads have their own, applied per attempt.
func clients(hc *http.Client) (read, create *http.Client, readTimeout time.Duration) {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultReadTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	r, c := *hc, *hc
	r.Timeout, c.Timeout = 0, 0
	r.CheckRedirect = sameOriginRedirects
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Transport = createTransport(hc.Transport)
	return &r, &c, orDuration(hc.Timeout, DefaultReadTimeout)
}

// createTransport is the caller's transport made safe for paid requests.
//
// Go's HTTP/2 transport resends a request by itself when the server resets
// its stream with PROTOCOL_ERROR or REFUSED_STREAM, or sends a GOAWAY that
// disowns it, if it can rewind the body (issue 9: 1,000 resets gave 1,001
// POSTs of one create). So creates speak HTTP/1.1 only, where the transport
// replays a POST only when not a byte was written, and only with GetBody,
// which newRequest never sets. Keep-alives are off as well: a connection
// the server closed while idle would turn a create into "unknown" for
// nothing, and a fresh connection costs one handshake per paid request.
//
// A RoundTripper that is not an *http.Transport is used as it is; the
// create's body (createBody) then still refuses to be sent twice.
func createTransport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	t = t.Clone()
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no "h2"
	if t.TLSClientConfig != nil {
		t.TLSClientConfig.NextProtos = slices.DeleteFunc(slices.Clone(t.TLSClientConfig.NextProtos),
			func(p string) bool { return p != "http/1.1" })
	}
	t.DisableKeepAlives = true
	return t
}

// sameOriginRedirects lets a read follow a redirect only to the origin
// (scheme, host and port) it was sent to: the request carries the key, and
// Go's own rule would pass it on to the same host on another port, and from
// https to http. Anything else comes back as the 3xx (see redirectError).
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) > maxReadRedirects || origin(req.URL) != origin(via[0].URL) {
		return http.ErrUseLastResponse
	}
	return nil
}

// origin is scheme://host:port with the default port spelled out.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// createBody is a create's request body: it hands out its bytes once and
// then refuses. net/http sets GetBody (and so may rewind and resend) only
// for the bytes and strings readers, never for this type.
type createBody struct {
	r    *bytes.Reader
	read atomic.Bool // a byte was handed to the transport
	done atomic.Bool // read to the end, or closed
}

func newCreateBody(b []byte) *createBody { return &createBody{r: bytes.NewReader(b)} }

func (b *createBody) Read(p []byte) (int, error) {
	if b.done.Load() {
		return 0, errCreateReplay
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.read.Store(true)
	}
	if err != nil {
		b.done.Store(true)
	}
	return n, err
}

// Close marks the body spent only if the transport took some of it: a
// request that was never started may still be sent (once).
func (b *createBody) Close() error {
	if b.read.Load() {
		b.done.Store(true)
	}
	return nil
}

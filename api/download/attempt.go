package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/veox/veox/api"
)

// retry is what the attempt loop does after a failed attempt.
type retry int

const (
	retryNever     retry = iota // give up now
	retryLater                  // wait, then resume from the part
	retryNow                    // the part was reset or is fine: go again at once
	retryFreshLink              // the link was refused: ask for a fresh URL
)

// fetch runs attempts until the part holds the whole body. An attempt
// that brought at least MinProgress bytes starts the failure count again;
// any other failure (a stall that trickled a few bytes included) counts.
func (d *Downloader) fetch(ctx context.Context, r Request, p *part) (string, error) {
	link, failures := r.URL, 0
	for {
		before := p.n
		mode, err := d.attempt(ctx, link, p)
		if err == nil {
			return link, nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("download of %s stopped: %w", p.name, ctx.Err())
		}
		if p.n-before >= d.minProgress {
			failures = 0
		}
		if mode == retryNever {
			return "", err
		}
		if failures++; failures >= d.maxAttempts {
			return "", gaveUp(err, failures)
		}
		d.log.Warn("download attempt failed", "name", p.name, "host", redactURL(link), "at", p.n, "err", err)
		switch mode {
		case retryFreshLink:
			if link, err = d.refresh(ctx, r, err); err != nil {
				return "", err
			}
		case retryLater:
			if err := sleep(ctx, d.backoff(failures)); err != nil {
				return "", fmt.Errorf("download of %s stopped: %w", p.name, err)
			}
		}
	}
}

func gaveUp(err error, failures int) error {
	var e *api.Error
	if errors.As(err, &e) {
		c := *e
		c.Message = fmt.Sprintf("%s (gave up after %d attempts)", e.Message, failures)
		return &c
	}
	return fmt.Errorf("gave up after %d attempts: %w", failures, err)
}

func (d *Downloader) refresh(ctx context.Context, r Request, cause error) (string, error) {
	if r.Refresh == nil {
		return "", cause
	}
	fresh, err := r.Refresh(ctx)
	if err != nil {
		return "", fmt.Errorf("download: the file host refused the link (%v) and getting a fresh one failed: %w", cause, err)
	}
	if fresh == "" {
		return "", fmt.Errorf("download: the file host refused the link (%w) and no fresh one is available", cause)
	}
	d.log.Info("download link refreshed", "host", redactURL(fresh))
	return fresh, nil
}

// backoff is the wait after the n-th failure in a row: doubling from
// backoffBase up to backoffMax, the upper half jittered so many veox that
// lost the same host do not come back in step.
func (d *Downloader) backoff(failures int) time.Duration {
	delay := d.backoffMax
	if failures < 16 {
		delay = min(d.backoffBase<<(failures-1), d.backoffMax)
	}
	half := delay / 2
	return half + rand.N(half+1)
}

// errStalled is the cause set when the watchdog abandons an attempt.
var errStalled = errors.New("the transfer stalled")

// attempt is one request. A nil error means the part is complete.
func (d *Downloader) attempt(ctx context.Context, link string, p *part) (retry, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The watchdog covers the wait for headers as well as the body.
	w := d.watch(cancel, p.n)
	defer w.stop()
	req, err := d.request(ctx, link, p)
	if err != nil {
		return retryNever, err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		// *url.Error would quote the signed URL into logs and screens.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return retryLater, transportError(p, "the file host could not be reached", d.stallCause(ctx, err))
	}
	defer resp.Body.Close()
	complete, mode, err := d.accept(resp, p)
	if err != nil || complete {
		return mode, err
	}
	mode, err = d.copyBody(ctx, w, resp.Body, p)
	if errors.Is(err, ErrNotMP4) {
		return d.refused(p, err)
	}
	return mode, err
}

func (d *Downloader) stallCause(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("%w: fewer than %d bytes in %s", errStalled, d.minProgress, d.idle)
	}
	return err
}

// request builds the GET. It never carries an Authorization header: the
// request has no key to send, and URL userinfo (which Go would turn into
// Basic auth) is dropped. A resume asks for the rest of the part only with
// a validator, so the host sends the whole file if it changed.
func (d *Downloader) request(ctx context.Context, link string, p *part) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("download: bad URL %s: %w", redactURL(link), err)
	}
	req.URL.User = nil
	req.Header.Set("User-Agent", d.userAgent)
	// Asked explicitly, so a byte range means bytes of the file itself.
	req.Header.Set("Accept-Encoding", "identity")
	if v := p.meta.validator(); p.n > 0 && v != "" {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(p.n, 10)+"-")
		req.Header.Set("If-Range", v)
	}
	return req, nil
}

// accept decides what a response means for the part. complete is true
// when the part already holds the whole file (416 on a full part).
func (d *Downloader) accept(resp *http.Response, p *part) (complete bool, mode retry, err error) {
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		return false, retryNever, d.acceptFull(resp, p)
	case code == http.StatusPartialContent:
		mode, err := d.acceptRange(resp, p)
		return false, mode, err
	case code == http.StatusRequestedRangeNotSatisfiable:
		return d.acceptUnsatisfiable(resp, p)
	case code == http.StatusForbidden || code == http.StatusNotFound || code == http.StatusGone:
		return false, retryFreshLink, hostError(resp, api.KindNotFound, "the link may have expired; veox asks for a fresh one")
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return false, retryLater, hostError(resp, api.KindServer, "the file host had a problem; try again in a moment")
	default:
		return false, retryNever, hostError(resp, api.KindUnknown, "the file host refused the download")
	}
}

// acceptFull handles 200: the host ignored the range or the file changed
// (If-Range did not match), so whatever the part holds is discarded.
func (d *Downloader) acceptFull(resp *http.Response, p *part) error {
	if err := checkIdentityEncoding(resp); err != nil {
		return err
	}
	if p.n > 0 {
		d.log.Info("host sent the whole file; starting over", "name", p.name, "had", p.n)
		if err := p.reset(); err != nil {
			return err
		}
	}
	return p.start(metaFrom(resp.Header, resp.ContentLength))
}

// acceptRange handles 206: it must be exactly what was asked, the rest of
// the same file: a range starting where the part ends, of the same total
// length, under the validator the part was started with. Anything else may
// be another file's bytes, and starts over.
func (d *Downloader) acceptRange(resp *http.Response, p *part) (retry, error) {
	if err := checkIdentityEncoding(resp); err != nil {
		return retryNever, err
	}
	cr := resp.Header.Get("Content-Range")
	start, last, total, ok := parseContentRange(cr)
	switch {
	case !ok || start != p.n:
		return d.restart(p, fmt.Errorf("download: the host sent range %q, expected bytes from %d", api.Sanitize(cr), p.n))
	case p.meta.Total >= 0 && total >= 0 && total != p.meta.Total:
		return d.restart(p, fmt.Errorf("download: the file's size changed from %d to %d bytes", p.meta.Total, total))
	case resp.ContentLength >= 0 && resp.ContentLength != last-start+1:
		return d.restart(p, errors.New("download: the host's body does not match its Content-Range"))
	case p.n > 0 && !p.meta.sameFile(resp.Header):
		return d.restart(p, errors.New("download: the host's 206 does not carry the validator of the file the part began with (another file's bytes?)"))
	}
	if p.n == 0 { // an unasked-for 206 from the start still starts the part
		if err := p.start(metaFrom(resp.Header, total)); err != nil {
			return retryNever, err
		}
	} else if p.meta.Total < 0 && total >= 0 {
		if err := p.learnTotal(total); err != nil {
			return retryNever, err
		}
	}
	p.resumed = p.resumed || p.n > 0
	return retryNever, nil
}

// acceptUnsatisfiable handles 416: either the part is already whole (a
// previous run was cut after the last byte but before the rename) or the
// part is longer than the file now is.
func (d *Downloader) acceptUnsatisfiable(resp *http.Response, p *part) (bool, retry, error) {
	_, _, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok || total < 0 {
		total = p.meta.Total
	}
	drain(resp.Body)
	// The part is whole only if it is as long as the file the host has now
	// and as the file it started from.
	if p.n > 0 && p.n == total && (p.meta.Total < 0 || p.meta.Total == total) {
		p.meta.Total = total
		return true, retryNever, nil
	}
	mode, err := d.restart(p, fmt.Errorf("download: the host cannot serve bytes from %d (file size %d)", p.n, total))
	return false, mode, err
}

// restart empties the part and asks for an immediate new attempt.
func (d *Downloader) restart(p *part, why error) (retry, error) {
	d.log.Warn("restarting download from zero", "name", p.name, "why", why)
	if err := p.reset(); err != nil {
		return retryNever, err
	}
	return retryNow, why
}

func checkIdentityEncoding(resp *http.Response) error {
	ce := resp.Header.Get("Content-Encoding")
	if ce == "" || strings.EqualFold(ce, "identity") {
		return nil
	}
	e := hostError(resp, api.KindServer, "the file host misbehaves; try again later")
	e.Message = fmt.Sprintf("the file host sent a %q-encoded body although veox asked for none", api.Sanitize(ce))
	return e
}

// parseContentRange reads "bytes a-b/total", "bytes a-b/*" or "bytes */total".
// total is -1 when unknown, start and last -1 for the "*" form.
func parseContentRange(v string) (start, last, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	rng, size, found2 := strings.Cut(rest, "/")
	if !found || !found2 {
		return 0, 0, 0, false
	}
	total = -1
	if size != "*" {
		t, err := strconv.ParseInt(size, 10, 64)
		if err != nil || t < 0 {
			return 0, 0, 0, false
		}
		total = t
	}
	if rng == "*" {
		return -1, -1, total, true
	}
	a, b, found := strings.Cut(rng, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !found || err1 != nil || err2 != nil || first < 0 || end < first || (total >= 0 && end >= total) {
		return 0, 0, 0, false
	}
	return first, end, total, true
}

// copyBody appends the body to the part through the one buffer, feeding
// the hash, the progress and the watchdog.
func (d *Downloader) copyBody(ctx context.Context, w *watchdog, body io.Reader, p *part) (mode retry, err error) {
	// SHA-256 runs on its own goroutine over a ring of hashBufs buffers,
	// so hashing one chunk overlaps reading and writing the next. wait()
	// drains it before any return: the hash covers exactly p.n bytes again.
	p.hp = startHashPipe(p.h, p.buf)
	defer func() {
		if herr := p.hp.wait(); herr != nil && err == nil {
			mode, err = retryNever, herr
		}
		p.hp = nil
	}()
	for {
		buf := p.hp.buffer()
		m, rerr := body.Read(buf)
		if m > 0 {
			if err := p.admit(buf[:m]); err != nil {
				p.hp.give(buf)
				return retryNever, err // attempt decides, once the hasher is done
			}
			if err := p.write(buf[:m]); err != nil { // buf now belongs to the hasher
				return retryNever, err
			}
			w.saw(p.n)
		} else {
			p.hp.give(buf)
		}
		if rerr == io.EOF {
			return p.checkComplete()
		}
		if rerr != nil {
			return retryLater, transportError(p, "the download was interrupted", d.stallCause(ctx, rerr))
		}
	}
}

// refused decides after admit said no. A body that cannot be an MP4 (a
// CDN's error page sent with 200) may be a passing glitch: the part starts
// over and the attempt is retried with backoff, a few bytes each time. A
// body over the cap is not retried: it would write as much again.
func (d *Downloader) refused(p *part, err error) (retry, error) {
	if !errors.Is(err, ErrNotMP4) {
		return retryNever, err
	}
	d.log.Warn("the host is not sending an MP4", "name", p.name, "err", err)
	if rerr := p.reset(); rerr != nil {
		return retryNever, rerr
	}
	return retryLater, err
}

func drain(body io.Reader) { _, _ = io.CopyN(io.Discard, body, 4096) }

func hostError(resp *http.Response, kind api.Kind, hint string) *api.Error {
	drain(resp.Body)
	return &api.Error{
		Kind: kind, Code: resp.StatusCode, HTTPStatus: resp.StatusCode, Op: "download",
		Message: "the file host answered " + api.Sanitize(resp.Status), Hint: hint,
	}
}

func transportError(p *part, what string, err error) *api.Error {
	msg := fmt.Sprintf("%s at byte %d", what, p.n)
	if p.meta.Total >= 0 {
		msg += fmt.Sprintf(" of %d", p.meta.Total)
	}
	if errors.Is(err, errStalled) {
		msg += ": " + err.Error()
	}
	return &api.Error{Kind: api.KindTransport, Op: "download", Message: msg, Err: err}
}

package download

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// errIdle is the cause set when the watchdog cancels an attempt.
var errIdle = errors.New("no data arrived for too long")

// fetch runs attempts until the part holds the whole body.
func (d *Downloader) fetch(ctx context.Context, r Request, p *part) error {
	link, best, failures := r.URL, p.n, 0
	for {
		mode, err := d.attempt(ctx, link, p)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download of %s stopped; %s is kept and resumes next time: %w", p.name, p.partName(), ctx.Err())
		}
		if p.n > best {
			best, failures = p.n, 0
		}
		if failures++; failures >= d.maxAttempts || mode == retryNever {
			return d.giveUp(p, err, failures, mode)
		}
		d.log.Warn("download attempt failed", "name", p.name, "host", redactURL(link), "at", p.n, "err", err)
		switch mode {
		case retryFreshLink:
			if link, err = d.refresh(ctx, r, err); err != nil {
				return err
			}
		case retryLater:
			if err := d.sleep(ctx, failures); err != nil {
				return fmt.Errorf("download of %s stopped; %s is kept and resumes next time: %w", p.name, p.partName(), err)
			}
		}
	}
}

func (d *Downloader) giveUp(p *part, err error, failures int, mode retry) error {
	if mode == retryNever {
		return err
	}
	var e *api.Error
	if errors.As(err, &e) {
		c := *e
		c.Message = fmt.Sprintf("%s (gave up after %d attempts)", e.Message, failures)
		c.Hint = fmt.Sprintf("%s is kept; download again to resume", p.partName())
		return &c
	}
	return fmt.Errorf("download of %s: gave up after %d attempts; %s is kept: %w", p.name, failures, p.partName(), err)
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

// sleep waits 200ms, 400ms, … up to 5s, or until ctx ends.
func (d *Downloader) sleep(ctx context.Context, failures int) error {
	delay := d.backoffMax
	if failures < 16 {
		delay = min(d.backoffBase<<(failures-1), d.backoffMax)
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attempt is one request. A nil error means the part is complete.
func (d *Downloader) attempt(ctx context.Context, link string, p *part) (retry, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
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
		return retryLater, transportError(p, "the file host could not be reached", err)
	}
	defer resp.Body.Close()
	complete, mode, err := d.accept(resp, p)
	if err != nil || complete {
		return mode, err
	}
	return d.copyBody(ctx, cancel, resp.Body, p)
}

// request builds the GET. It never carries an Authorization header: the
// request has no key to send, and URL userinfo (which Go would turn into
// Basic auth) is dropped.
func (d *Downloader) request(ctx context.Context, link string, p *part) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("download: bad URL %s: %w", redactURL(link), err)
	}
	req.URL.User = nil
	req.Header.Set("User-Agent", d.userAgent)
	// Asked explicitly, so a byte range means bytes of the file itself.
	req.Header.Set("Accept-Encoding", "identity")
	if p.n > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(p.n, 10)+"-")
		if v := p.meta.validator(); v != "" {
			req.Header.Set("If-Range", v)
		}
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
	p.meta = partMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Total: resp.ContentLength}
	p.progress.setTotal(p.meta.Total)
	return p.saveMeta()
}

// acceptRange handles 206: the range must start where the part ends and
// describe the same file.
func (d *Downloader) acceptRange(resp *http.Response, p *part) (retry, error) {
	if err := checkIdentityEncoding(resp); err != nil {
		return retryNever, err
	}
	start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	switch {
	case !ok || start != p.n:
		return d.restart(p, fmt.Errorf("download: the host sent range %q, expected bytes from %d", resp.Header.Get("Content-Range"), p.n))
	case p.meta.Total >= 0 && total >= 0 && total != p.meta.Total:
		return d.restart(p, fmt.Errorf("download: the file's size changed from %d to %d bytes", p.meta.Total, total))
	case resp.ContentLength >= 0 && total >= 0 && start+resp.ContentLength > total:
		return d.restart(p, fmt.Errorf("download: the host's range runs past the file's size"))
	}
	if p.n == 0 { // an unasked-for 206 from the start still starts the part
		p.meta = partMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Total: -1}
	}
	if p.meta.Total < 0 && total >= 0 {
		p.meta.Total = total
		p.progress.setTotal(total)
	}
	if err := p.saveMeta(); err != nil {
		return retryNever, err
	}
	p.resumed = p.resumed || p.n > 0
	return retryNever, nil
}

// acceptUnsatisfiable handles 416: either the part is already whole (a
// previous run was cut after the last byte but before the rename) or the
// part is longer than the file now is.
func (d *Downloader) acceptUnsatisfiable(resp *http.Response, p *part) (bool, retry, error) {
	_, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok || total < 0 {
		total = p.meta.Total
	}
	// The part is whole only if it is as long as the file the host has now
	// and as the file it started from.
	if p.n > 0 && p.n == total && (p.meta.Total < 0 || p.meta.Total == total) {
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
	e.Message = fmt.Sprintf("the file host sent a %q-encoded body although veox asked for none", ce)
	return e
}

// parseContentRange reads "bytes a-b/total", "bytes a-b/*" or "bytes */total".
// total is -1 when unknown, start -1 for the "*" form.
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	rng, size, found2 := strings.Cut(rest, "/")
	if !found || !found2 {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		t, err := strconv.ParseInt(size, 10, 64)
		if err != nil || t < 0 {
			return 0, 0, false
		}
		total = t
	}
	if rng == "*" {
		return -1, total, true
	}
	a, b, found := strings.Cut(rng, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !found || err1 != nil || err2 != nil || first < 0 || last < first || (total >= 0 && last >= total) {
		return 0, 0, false
	}
	return first, total, true
}

// copyBody appends the body to the part through the one buffer, feeding
// the hash and the progress. The watchdog cancels the request when no byte
// arrives for d.idle; the retry attempt resumes.
func (d *Downloader) copyBody(ctx context.Context, cancel context.CancelCauseFunc, body io.Reader, p *part) (mode retry, err error) {
	watchdog := time.AfterFunc(d.idle, func() { cancel(errIdle) })
	defer watchdog.Stop()
	// SHA-256 runs on its own goroutine over a ring of hashBufs buffers,
	// so hashing one chunk overlaps reading and writing the retry. wait()
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
			watchdog.Reset(d.idle)
			if err := p.write(buf[:m]); err != nil {
				return retryNever, err
			}
		} else {
			p.hp.give(buf)
		}
		if rerr == io.EOF {
			return p.checkComplete()
		}
		if rerr != nil {
			if errors.Is(context.Cause(ctx), errIdle) {
				rerr = fmt.Errorf("%w (%s)", errIdle, d.idle)
			}
			return retryLater, transportError(p, "the download was interrupted", rerr)
		}
	}
}

func drain(body io.Reader) { _, _ = io.CopyN(io.Discard, body, 4096) }

func hostError(resp *http.Response, kind api.Kind, hint string) *api.Error {
	drain(resp.Body)
	return &api.Error{
		Kind: kind, Code: resp.StatusCode, HTTPStatus: resp.StatusCode, Op: "download",
		Message: "the file host answered " + resp.Status, Hint: hint,
	}
}

func transportError(p *part, what string, err error) *api.Error {
	msg := fmt.Sprintf("%s at byte %d", what, p.n)
	if p.meta.Total >= 0 {
		msg += fmt.Sprintf(" of %d", p.meta.Total)
	}
	return &api.Error{
		Kind: api.KindTransport, Op: "download", Message: msg, Err: err,
		Hint: "veox resumes from " + p.partName(),
	}
}

package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api/mp4"
)

// ErrDiskFull stops a download at once: retrying cannot help, and the
// partial file is worth keeping for when space is freed.
var ErrDiskFull = errors.New("the disk is full")

// ErrNotMP4 means the host delivered a complete body that is not a sound
// MP4 (an error page, a truncated or corrupt file). It never takes the
// final name, and its partial file is deleted: resuming it cannot help.
var ErrNotMP4 = errors.New("the downloaded file is not a complete MP4")

// dlBufSize is the one buffer a download reads, writes and hashes
// through, so memory does not grow with the file.
const dlBufSize = 256 << 10

// DownloaderOptions configures a Downloader. Zero values take defaults.
type DownloaderOptions struct {
	// HTTPClient must not add credentials of its own: result hosts never
	// see the API key. Default: no overall timeout (files are large), only
	// transport timeouts and the idle watchdog.
	HTTPClient  *http.Client
	UserAgent   string        // "veox/<version>"
	IdleTimeout time.Duration // abort an attempt when no body byte arrives this long (default 60s)
	// MaxAttempts is how many attempts in a row may fail without bringing
	// a single new byte (default 5). An attempt that gets further than any
	// before starts the count again, so a long file on a flaky line keeps
	// resuming as long as it progresses.
	MaxAttempts int
	Logger      *log.Logger // nil discards
}

// Downloader fetches result files into a folder, resumably and verified.
// It is safe for concurrent use on different file names; two downloads of
// the same name at once are the caller's mistake.
type Downloader struct {
	client      *http.Client
	userAgent   string
	idle        time.Duration
	maxAttempts int
	log         *log.Logger
	backoffBase time.Duration
	backoffMax  time.Duration
	// openPart opens the partial file; tests replace it to inject write
	// failures such as ENOSPC.
	openPart func(root *os.Root, name string) (dlPartFile, error)
}

// dlPartFile is what a download needs of the partial file.
type dlPartFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Close() error
}

// NewDownloader fills in defaults.
func NewDownloader(o DownloaderOptions) *Downloader {
	d := &Downloader{
		client: o.HTTPClient, userAgent: o.UserAgent, idle: o.IdleTimeout,
		maxAttempts: o.MaxAttempts, log: o.Logger,
		backoffBase: 200 * time.Millisecond, backoffMax: 5 * time.Second,
		openPart: openDLPart,
	}
	if d.client == nil {
		d.client = &http.Client{Transport: downloadTransport()}
	}
	if d.userAgent == "" {
		d.userAgent = "veox"
	}
	if d.idle <= 0 {
		d.idle = 60 * time.Second
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = 5
	}
	if d.log == nil {
		d.log = log.New(io.Discard)
	}
	return d
}

// downloadTransport bounds connecting and waiting for headers, never the
// body: a 4K file on a slow line may take long, the watchdog catches stalls.
// DisableCompression keeps Go from asking for gzip behind our back.
func downloadTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
	}
}

func openDLPart(root *os.Root, name string) (dlPartFile, error) {
	return root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}

// DownloadRequest is one file to fetch. It carries no API key on purpose.
type DownloadRequest struct {
	URL  string
	Root *os.Root // the download folder; every file operation goes through it
	// Name is the final file name inside Root (from SafeFileName). The
	// partial file is Name+".part", its validators Name+".part.json".
	Name string
	// Refresh returns a fresh URL (the caller asks record-info) when the
	// host answers 403, 404 or 410; nil gives up on those.
	Refresh  func(ctx context.Context) (string, error)
	Progress *Progress // may be nil
	// Force fetches again although Name is already a valid MP4; the new
	// file replaces it atomically once verified.
	Force bool
}

// DownloadResult describes the verified file.
type DownloadResult struct {
	Name     string
	Path     string // Root's folder joined with Name, absolute when it can be made so
	Size     int64
	SHA256   string        // hex
	Duration time.Duration // of the video (mvhd)
	Width    int
	Height   int
	HasAudio bool
	Resumed  bool          // some bytes came from an earlier, interrupted attempt
	Elapsed  time.Duration // wall time of this call
}

// Download fetches r.URL into r.Root/r.Name. A file already there that is a
// valid MP4 is returned without touching the network unless r.Force. The
// bytes go to Name.part first and only a file whose size and MP4 structure
// check out is renamed to Name.
func (d *Downloader) Download(ctx context.Context, r DownloadRequest) (*DownloadResult, error) {
	if err := checkDownloadRequest(r); err != nil {
		return nil, err
	}
	start := time.Now()
	buf := make([]byte, dlBufSize)
	if !r.Force {
		if res := d.existing(r, buf); res != nil {
			res.Elapsed = time.Since(start)
			return res, nil
		}
	}
	p, err := d.openState(r, buf)
	if err != nil {
		return nil, err
	}
	defer p.close()
	r.Progress.begin(start, p.n, p.meta.Total)
	if err := d.fetch(ctx, r, p); err != nil {
		return nil, err
	}
	res, err := d.finish(p)
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	r.Progress.finish(res.Size)
	return res, nil
}

func checkDownloadRequest(r DownloadRequest) error {
	if r.Root == nil {
		return errors.New("download: no download folder")
	}
	if !plainFileName(r.Name) {
		return fmt.Errorf("download: %q is not a plain file name", r.Name)
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("download: the link is not an http(s) URL (%s)", redactURL(r.URL))
	}
	return nil
}

// plainFileName accepts a single path element that is not hidden and has no
// control characters, so Name, Name.part and Name.part.json stay side by
// side in the folder.
func plainFileName(name string) bool {
	if name == "" || name[0] == '.' || len(name) > 200 || strings.ContainsAny(name, `/\`) {
		return false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// redactURL keeps a URL's host for logs and messages: result URLs carry
// signed query strings that grant access to the file.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparseable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// existing returns the result for a valid MP4 already at Name, or nil.
func (d *Downloader) existing(r DownloadRequest, buf []byte) *DownloadResult {
	f, err := r.Root.Open(r.Name)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	info, err := mp4.Inspect(f, st.Size())
	if err != nil {
		d.log.Warn("existing file is not a valid MP4; downloading again", "name", r.Name, "err", err)
		return nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, st.Size()), buf); err != nil {
		return nil
	}
	r.Progress.begin(time.Now(), st.Size(), st.Size())
	r.Progress.finish(st.Size())
	return dlResult(r.Root, r.Name, st.Size(), h, info, false)
}

func dlResult(root *os.Root, name string, size int64, h hash.Hash, info mp4.Info, resumed bool) *DownloadResult {
	dir := root.Name()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return &DownloadResult{
		Name: name, Path: filepath.Join(dir, name), Size: size,
		SHA256: hex.EncodeToString(h.Sum(nil)), Duration: info.Duration,
		Width: info.Width, Height: info.Height, HasAudio: info.HasAudio, Resumed: resumed,
	}
}

// dlRetry is what the attempt loop does after a failed attempt.
type dlRetry int

const (
	dlFatal   dlRetry = iota // give up now
	dlBackoff                // wait, then resume from the part
	dlNow                    // the part was reset or is fine: go again at once
	dlRefresh                // the link was refused: ask for a fresh URL
)

// errDownloadIdle is the cause set when the watchdog cancels an attempt.
var errDownloadIdle = errors.New("no data arrived for too long")

// fetch runs attempts until the part holds the whole body.
func (d *Downloader) fetch(ctx context.Context, r DownloadRequest, p *dlPart) error {
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
		if failures++; failures >= d.maxAttempts || mode == dlFatal {
			return d.giveUp(p, err, failures, mode)
		}
		d.log.Warn("download attempt failed", "name", p.name, "host", redactURL(link), "at", p.n, "err", err)
		switch mode {
		case dlRefresh:
			if link, err = d.refresh(ctx, r, err); err != nil {
				return err
			}
		case dlBackoff:
			if err := d.sleep(ctx, failures); err != nil {
				return fmt.Errorf("download of %s stopped; %s is kept and resumes next time: %w", p.name, p.partName(), err)
			}
		}
	}
}

func (d *Downloader) giveUp(p *dlPart, err error, failures int, mode dlRetry) error {
	if mode == dlFatal {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Message = fmt.Sprintf("%s (gave up after %d attempts)", e.Message, failures)
		c.Hint = fmt.Sprintf("%s is kept; download again to resume", p.partName())
		return &c
	}
	return fmt.Errorf("download of %s: gave up after %d attempts; %s is kept: %w", p.name, failures, p.partName(), err)
}

func (d *Downloader) refresh(ctx context.Context, r DownloadRequest, cause error) (string, error) {
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
func (d *Downloader) attempt(ctx context.Context, link string, p *dlPart) (dlRetry, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := d.request(ctx, link, p)
	if err != nil {
		return dlFatal, err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		// *url.Error would quote the signed URL into logs and screens.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return dlBackoff, dlTransportError(p, "the file host could not be reached", err)
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
func (d *Downloader) request(ctx context.Context, link string, p *dlPart) (*http.Request, error) {
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
func (d *Downloader) accept(resp *http.Response, p *dlPart) (complete bool, mode dlRetry, err error) {
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		return false, dlFatal, d.acceptFull(resp, p)
	case code == http.StatusPartialContent:
		mode, err := d.acceptRange(resp, p)
		return false, mode, err
	case code == http.StatusRequestedRangeNotSatisfiable:
		return d.acceptUnsatisfiable(resp, p)
	case code == http.StatusForbidden || code == http.StatusNotFound || code == http.StatusGone:
		return false, dlRefresh, dlHostError(resp, KindNotFound, "the link may have expired; veox asks for a fresh one")
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return false, dlBackoff, dlHostError(resp, KindServer, "the file host had a problem; try again in a moment")
	default:
		return false, dlFatal, dlHostError(resp, KindUnknown, "the file host refused the download")
	}
}

// acceptFull handles 200: the host ignored the range or the file changed
// (If-Range did not match), so whatever the part holds is discarded.
func (d *Downloader) acceptFull(resp *http.Response, p *dlPart) error {
	if err := checkIdentityEncoding(resp); err != nil {
		return err
	}
	if p.n > 0 {
		d.log.Info("host sent the whole file; starting over", "name", p.name, "had", p.n)
		if err := p.reset(); err != nil {
			return err
		}
	}
	p.meta = dlPartMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Total: resp.ContentLength}
	p.progress.setTotal(p.meta.Total)
	return p.saveMeta()
}

// acceptRange handles 206: the range must start where the part ends and
// describe the same file.
func (d *Downloader) acceptRange(resp *http.Response, p *dlPart) (dlRetry, error) {
	if err := checkIdentityEncoding(resp); err != nil {
		return dlFatal, err
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
		p.meta = dlPartMeta{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Total: -1}
	}
	if p.meta.Total < 0 && total >= 0 {
		p.meta.Total = total
		p.progress.setTotal(total)
	}
	if err := p.saveMeta(); err != nil {
		return dlFatal, err
	}
	p.resumed = p.resumed || p.n > 0
	return dlFatal, nil
}

// acceptUnsatisfiable handles 416: either the part is already whole (a
// previous run was cut after the last byte but before the rename) or the
// part is longer than the file now is.
func (d *Downloader) acceptUnsatisfiable(resp *http.Response, p *dlPart) (bool, dlRetry, error) {
	_, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok || total < 0 {
		total = p.meta.Total
	}
	// The part is whole only if it is as long as the file the host has now
	// and as the file it started from.
	if p.n > 0 && p.n == total && (p.meta.Total < 0 || p.meta.Total == total) {
		return true, dlFatal, nil
	}
	mode, err := d.restart(p, fmt.Errorf("download: the host cannot serve bytes from %d (file size %d)", p.n, total))
	return false, mode, err
}

// restart empties the part and asks for an immediate new attempt.
func (d *Downloader) restart(p *dlPart, why error) (dlRetry, error) {
	d.log.Warn("restarting download from zero", "name", p.name, "why", why)
	if err := p.reset(); err != nil {
		return dlFatal, err
	}
	return dlNow, why
}

func checkIdentityEncoding(resp *http.Response) error {
	ce := resp.Header.Get("Content-Encoding")
	if ce == "" || strings.EqualFold(ce, "identity") {
		return nil
	}
	e := dlHostError(resp, KindServer, "the file host misbehaves; try again later")
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
// arrives for d.idle; the next attempt resumes.
func (d *Downloader) copyBody(ctx context.Context, cancel context.CancelCauseFunc, body io.Reader, p *dlPart) (mode dlRetry, err error) {
	watchdog := time.AfterFunc(d.idle, func() { cancel(errDownloadIdle) })
	defer watchdog.Stop()
	// SHA-256 runs on its own goroutine over a ring of dlHashBufs buffers,
	// so hashing one chunk overlaps reading and writing the next. wait()
	// drains it before any return: the hash covers exactly p.n bytes again.
	p.hp = startHashPipe(p.h, p.buf)
	defer func() {
		if herr := p.hp.wait(); herr != nil && err == nil {
			mode, err = dlFatal, herr
		}
		p.hp = nil
	}()
	for {
		buf := p.hp.buffer()
		m, rerr := body.Read(buf)
		if m > 0 {
			watchdog.Reset(d.idle)
			if err := p.write(buf[:m]); err != nil {
				return dlFatal, err
			}
		} else {
			p.hp.give(buf)
		}
		if rerr == io.EOF {
			return p.checkComplete()
		}
		if rerr != nil {
			if errors.Is(context.Cause(ctx), errDownloadIdle) {
				rerr = fmt.Errorf("%w (%s)", errDownloadIdle, d.idle)
			}
			return dlBackoff, dlTransportError(p, "the download was interrupted", rerr)
		}
	}
}

func dlDrain(body io.Reader) { _, _ = io.CopyN(io.Discard, body, 4096) }

func dlHostError(resp *http.Response, kind Kind, hint string) *Error {
	dlDrain(resp.Body)
	return &Error{
		Kind: kind, Code: resp.StatusCode, HTTPStatus: resp.StatusCode, Op: "download",
		Message: "the file host answered " + resp.Status, Hint: hint,
	}
}

func dlTransportError(p *dlPart, what string, err error) *Error {
	msg := fmt.Sprintf("%s at byte %d", what, p.n)
	if p.meta.Total >= 0 {
		msg += fmt.Sprintf(" of %d", p.meta.Total)
	}
	return &Error{
		Kind: KindTransport, Op: "download", Message: msg, Err: err,
		Hint: "veox resumes from " + p.partName(),
	}
}

// finish verifies the part and gives it the final name: size, MP4
// structure, fsync, rename, fsync of the folder, in that order, so the
// final name only ever points at a complete, durable, valid file.
func (d *Downloader) finish(p *dlPart) (*DownloadResult, error) {
	if p.meta.Total >= 0 && p.n != p.meta.Total {
		return nil, fmt.Errorf("download of %s: got %d bytes, the host announced %d", p.name, p.n, p.meta.Total)
	}
	if err := p.f.Sync(); err != nil {
		return nil, p.localError("saving", err)
	}
	info, err := mp4.Inspect(p.f, p.n)
	if fe := (*mp4.FormatError)(nil); errors.As(err, &fe) {
		p.discard()
		return nil, fmt.Errorf("%w: %s (%s); it was deleted, download it again", ErrNotMP4, p.name, fe.Reason)
	} else if err != nil {
		return nil, p.localError("checking", err)
	}
	if err := p.f.Close(); err != nil {
		return nil, p.localError("saving", err)
	}
	p.f = nil
	if err := p.root.Rename(p.partName(), p.name); err != nil {
		return nil, p.localError("renaming", err)
	}
	if err := p.root.Remove(p.metaName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("could not remove download metadata", "name", p.metaName(), "err", err)
	}
	if err := syncDownloadDir(p.root); err != nil {
		d.log.Warn("could not sync the download folder", "err", err)
	}
	return dlResult(p.root, p.name, p.n, p.h, info, p.resumed), nil
}

// syncDownloadDir makes the rename durable.
func syncDownloadDir(root *os.Root) error {
	dir, err := root.Open(".")
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// dlPartMeta is Name.part.json: what the response that started the part said
// about the file, so a resume can ask for the same file (If-Range) and
// check its size.
type dlPartMeta struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Total        int64  `json:"total"` // -1 when the host did not say
}

// validator is the If-Range value. A weak ETag may not be used there
// (RFC 9110 §13.1.5), so Last-Modified stands in.
func (m dlPartMeta) validator() string {
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") {
		return m.ETag
	}
	return m.LastModified
}

// dlPart is the state of one download across its attempts. The hash always
// covers exactly the first n bytes of the file.
type dlPart struct {
	root     *os.Root
	name     string
	f        dlPartFile
	h        hash.Hash
	n        int64
	meta     dlPartMeta
	resumed  bool
	buf      []byte
	progress *Progress
	hp       *hashPipe // set while copyBody runs
	flushed  int64     // bytes handed to write-back so far
}

func (p *dlPart) partName() string { return p.name + ".part" }
func (p *dlPart) metaName() string { return p.name + ".part.json" }

// openState opens (or creates) the part and picks up where an earlier run
// stopped: the bytes already there are hashed so the final SHA-256 covers
// the whole file.
func (d *Downloader) openState(r DownloadRequest, buf []byte) (*dlPart, error) {
	p := &dlPart{root: r.Root, name: r.Name, h: sha256.New(), buf: buf, progress: r.Progress, meta: dlPartMeta{Total: -1}}
	if r.Force {
		p.removeFiles()
	}
	f, err := d.openPart(r.Root, p.partName())
	if err != nil {
		return nil, p.localError("creating", err)
	}
	p.f = f
	if err := p.resume(d.log); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// resume hashes the bytes already in the part, or empties the part when
// they cannot be trusted: no metadata, no way to check the file is the same
// (neither a validator nor a size), or more bytes than the file has.
func (p *dlPart) resume(logger *log.Logger) error {
	size, err := p.size()
	if err != nil || size == 0 {
		return err
	}
	meta, ok := p.loadMeta()
	if !ok || (meta.validator() == "" && meta.Total < 0) || (meta.Total >= 0 && size > meta.Total) {
		logger.Info("partial file cannot be resumed; starting over", "name", p.partName())
		return p.reset()
	}
	p.meta = meta
	n, err := io.CopyBuffer(p.h, io.NewSectionReader(p.f, 0, size), p.buf)
	p.n = n
	if err != nil {
		return p.localError("reading", err)
	}
	logger.Info("resuming download", "name", p.name, "from", n)
	return nil
}

func (p *dlPart) size() (int64, error) {
	st, err := p.root.Stat(p.partName())
	if err != nil {
		return 0, p.localError("reading", err)
	}
	return st.Size(), nil
}

// loadMeta reads Name.part.json, refusing anything odd; a torn write just
// means starting over.
func (p *dlPart) loadMeta() (dlPartMeta, bool) {
	f, err := p.root.Open(p.metaName())
	if err != nil {
		return dlPartMeta{}, false
	}
	defer f.Close()
	var m dlPartMeta
	if err := json.NewDecoder(io.LimitReader(f, 4096)).Decode(&m); err != nil || m.Total < -1 {
		return dlPartMeta{}, false
	}
	return m, true
}

func (p *dlPart) saveMeta() error {
	b, err := json.Marshal(p.meta)
	if err != nil {
		return err
	}
	if err := p.root.WriteFile(p.metaName(), b, 0o644); err != nil {
		return p.localError("saving", err)
	}
	return nil
}

// write appends to the part; the hash and the count take only the bytes
// that reached the file, so they stay in step even after a failed write.
func (p *dlPart) write(b []byte) error {
	if p.meta.Total >= 0 && p.n+int64(len(b)) > p.meta.Total {
		return fmt.Errorf("download of %s: the host sent more than the %d bytes it announced", p.name, p.meta.Total)
	}
	m, err := p.f.WriteAt(b, p.n)
	if p.hp != nil {
		p.hp.hash(b[:m]) // b now belongs to the hasher
	} else {
		p.h.Write(b[:m])
	}
	p.n += int64(m)
	p.progress.set(p.n)
	if p.n-p.flushed >= dlWritebackEvery {
		startWriteback(p.f, p.flushed, p.n-p.flushed)
		p.flushed = p.n
	}
	if err != nil {
		return p.localError("writing", err)
	}
	return nil
}

// checkComplete runs at the end of a body: short of the announced size is
// a cut connection.
func (p *dlPart) checkComplete() (dlRetry, error) {
	if p.meta.Total >= 0 && p.n < p.meta.Total {
		return dlBackoff, dlTransportError(p, "the host ended the body early", io.ErrUnexpectedEOF)
	}
	if p.meta.Total < 0 {
		p.meta.Total = p.n
	}
	return dlFatal, nil
}

// reset empties the part; its metadata goes too until a new response
// starts it.
func (p *dlPart) reset() error {
	if err := p.f.Truncate(0); err != nil {
		return p.localError("resetting", err)
	}
	p.h.Reset()
	p.flushed = 0
	p.n, p.resumed, p.meta = 0, false, dlPartMeta{Total: -1}
	p.progress.set(0)
	if err := p.root.Remove(p.metaName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return p.localError("resetting", err)
	}
	return nil
}

// discard deletes a part that verified as not an MP4.
func (p *dlPart) discard() {
	p.close()
	p.removeFiles()
}

func (p *dlPart) removeFiles() {
	_ = p.root.Remove(p.partName())
	_ = p.root.Remove(p.metaName())
}

func (p *dlPart) close() {
	if p.f != nil {
		_ = p.f.Close()
		p.f = nil
	}
}

// localError names the file and turns a full disk into ErrDiskFull, which
// stops the download and keeps the part.
func (p *dlPart) localError(doing string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: free some space; the partial file %s is kept and resumes next time: %w", ErrDiskFull, p.partName(), err)
	}
	return fmt.Errorf("download: %s %s: %w", doing, p.partName(), err)
}

// Progress is a download's progress, written by the downloader with
// atomics and read by the UI's tick through Snapshot. No callback runs per
// chunk.
type Progress struct {
	done, total atomic.Int64
	finished    atomic.Bool

	mu    sync.Mutex // guards the speed estimate, touched only by Snapshot and begin
	start time.Time
	base  int64 // bytes present at start; they say nothing about speed
	lastT time.Time
	lastN int64
	rate  float64 // bytes per second, smoothed
}

// ProgressSnapshot is a consistent-enough view for one frame. Total is 0
// when the size is not known yet.
type ProgressSnapshot struct {
	Done, Total int64
	BytesPerSec float64
	ETA         time.Duration // 0 when unknown
	Finished    bool
}

// progressSpeedWindow is how long Snapshot waits between speed samples, so a 10 Hz
// tick does not make the figure jump with every network burst.
const progressSpeedWindow = time.Second

func (p *Progress) begin(now time.Time, done, total int64) {
	if p == nil {
		return
	}
	p.done.Store(done)
	p.setTotal(total)
	p.finished.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start, p.base, p.lastT, p.lastN, p.rate = now, done, now, done, 0
}

func (p *Progress) set(done int64) {
	if p != nil {
		p.done.Store(done)
	}
}

func (p *Progress) setTotal(total int64) {
	if p != nil {
		p.total.Store(max(total, 0))
	}
}

func (p *Progress) finish(size int64) {
	if p != nil {
		p.done.Store(size)
		p.total.Store(size)
		p.finished.Store(true)
	}
}

// Snapshot reads the counters and updates the speed estimate.
func (p *Progress) Snapshot() ProgressSnapshot { return p.snapshotAt(time.Now()) }

func (p *Progress) snapshotAt(now time.Time) ProgressSnapshot {
	if p == nil {
		return ProgressSnapshot{}
	}
	s := ProgressSnapshot{Done: p.done.Load(), Total: p.total.Load(), Finished: p.finished.Load()}
	if s.Finished {
		return s
	}
	s.BytesPerSec = p.speed(now, s.Done)
	if s.BytesPerSec > 0 && s.Total > s.Done {
		s.ETA = time.Duration(float64(s.Total-s.Done) / s.BytesPerSec * float64(time.Second)).Round(time.Second)
	}
	return s
}

// speed smooths per-window rates; before the first window closes it falls
// back to the average since the start.
func (p *Progress) speed(now time.Time, done int64) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < p.lastN { // the part was reset
		p.lastN, p.lastT, p.base = done, now, done
	}
	if dt := now.Sub(p.lastT); dt >= progressSpeedWindow {
		inst := float64(done-p.lastN) / dt.Seconds()
		if p.rate == 0 {
			p.rate = inst
		} else {
			p.rate = 0.5*p.rate + 0.5*inst
		}
		p.lastT, p.lastN = now, done
	}
	if p.rate > 0 {
		return p.rate
	}
	if dt := now.Sub(p.start); dt >= 100*time.Millisecond && done > p.base {
		return float64(done-p.base) / dt.Seconds()
	}
	return 0
}

// dlHashBufs is how many dlBufSize buffers a download cycles through while
// the hasher works behind the reader: 4 × 256 KiB, whatever the file size.
const dlHashBufs = 4

// hashPipe feeds a hash from its own goroutine.
type hashPipe struct {
	h    hash.Hash
	work chan []byte
	free chan []byte
	done chan struct{}
	// failed is written by run before done closes and read after: the
	// channel orders the two.
	failed error
}

func startHashPipe(h hash.Hash, first []byte) *hashPipe {
	hp := &hashPipe{h: h, work: make(chan []byte, dlHashBufs), free: make(chan []byte, dlHashBufs), done: make(chan struct{})}
	hp.free <- first
	for range dlHashBufs - 1 {
		hp.free <- make([]byte, len(first))
	}
	go hp.run()
	return hp
}

// run hashes chunks in order. A hash.Hash does not panic, but should it,
// the buffers keep coming back so the reader never blocks, and the panic is
// reported by wait.
func (hp *hashPipe) run() {
	defer close(hp.done)
	defer func() {
		if r := recover(); r != nil {
			hp.failed = fmt.Errorf("hashing the download failed: %v", r)
			for b := range hp.work {
				hp.free <- b[:cap(b)]
			}
		}
	}()
	for b := range hp.work {
		hp.h.Write(b)
		hp.free <- b[:cap(b)]
	}
}

func (hp *hashPipe) buffer() []byte { return <-hp.free }
func (hp *hashPipe) give(b []byte)  { hp.free <- b[:cap(b)] }
func (hp *hashPipe) hash(b []byte)  { hp.work <- b }
func (hp *hashPipe) wait() error    { close(hp.work); <-hp.done; return hp.failed }

// dlWritebackEvery: start write-back of the part every this many bytes so
// the final fsync has little left to do. Measured with
// scripts/bench-download.sh: the finish fell from ~55 ms to ~3 ms on 200 MB,
// taking veox from ~0.67× to ~1.05× curl's wall time.
const dlWritebackEvery = 8 << 20

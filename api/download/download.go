// Package download fetches result files into the download folder:
// resumable (Range + If-Range on a .part beside the final name), verified
// (the length the host announced and an MP4 structure check that sees
// every sample) and durable (fsync, rename, fsync of the folder) before a
// file takes its final name. One veox at a time downloads a given file: the
// .part is locked, and a second one waits for it or picks up what it
// finished. The package also owns the rules for the file names
// (FileName), which come from our own data only. It never sees the API key.
package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api/mp4"
)

// ErrDiskFull stops a download at once: retrying cannot help, and the
// partial file is worth keeping for when space is freed.
var ErrDiskFull = errors.New("the disk is full")

// ErrNotMP4 means the host delivered a body that is not a sound MP4 (an
// error page, a truncated or corrupt file). It never takes the final name,
// and its partial file is deleted: resuming it cannot help.
var ErrNotMP4 = errors.New("the downloaded file is not a complete MP4")

// ErrTooLarge means the body ran past what the host announced or, when it
// announced nothing, past Options.MaxBytes. The partial file is junk and
// is deleted.
var ErrTooLarge = errors.New("the file host sent more than a result file can be")

// bufSize is the one buffer a download reads, writes and hashes
// through, so memory does not grow with the file.
const bufSize = 256 << 10

// Defaults of Options.
const (
	DefaultIdleTimeout = time.Minute
	DefaultMinProgress = 16 << 10 // bytes per IdleTimeout: 1 byte every 5 s is a stall
	DefaultMaxBytes    = 4 << 30  // no Veo result comes near it; 4K of 148 s is well under 1 GB
	DefaultMaxAttempts = 5
	lockPoll           = 250 * time.Millisecond
)

// Options configures a Downloader. Zero values take the defaults above.
type Options struct {
	// HTTPClient must not add credentials of its own: result hosts never
	// see the API key. Default: no overall timeout (files are large), only
	// transport timeouts and the stall watchdog.
	HTTPClient *http.Client
	UserAgent  string // "veox/<version>"
	// IdleTimeout and MinProgress define a stall: an attempt that brings
	// fewer than MinProgress bytes in any IdleTimeout (headers included)
	// is abandoned and retried with backoff.
	IdleTimeout time.Duration
	MinProgress int64
	// MaxBytes caps a body whose length the host does not announce (and
	// refuses an announced length above it).
	MaxBytes int64
	// MaxAttempts is how many attempts in a row may fail without bringing
	// MinProgress new bytes. An attempt that does starts the count again,
	// so a long file on a flaky line keeps resuming as long as it
	// progresses.
	MaxAttempts int
	Logger      *log.Logger // nil discards
}

// Downloader fetches result files into a folder, resumably and verified.
// It is safe for concurrent use, and across processes: two downloads of
// the same name take turns on the .part's lock.
type Downloader struct {
	client      *http.Client
	userAgent   string
	idle        time.Duration
	minProgress int64
	maxBytes    int64
	maxAttempts int
	log         *log.Logger
	backoffBase time.Duration
	backoffMax  time.Duration
	lockPoll    time.Duration
	// openPart opens the partial file; tests replace it to inject write
	// failures such as ENOSPC.
	openPart func(root *os.Root, name string) (partFile, error)
}

// partFile is what a download needs of the partial file.
type partFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Stat() (os.FileInfo, error)
	Close() error
}

// New fills in defaults.
func New(o Options) *Downloader {
	d := &Downloader{
		client: o.HTTPClient, userAgent: o.UserAgent, idle: o.IdleTimeout, minProgress: o.MinProgress,
		maxBytes: o.MaxBytes, maxAttempts: o.MaxAttempts, log: o.Logger,
		backoffBase: 500 * time.Millisecond, backoffMax: 30 * time.Second, lockPoll: lockPoll,
		openPart: openPartFile,
	}
	if d.client == nil {
		d.client = &http.Client{Transport: downloadTransport()}
	}
	if d.userAgent == "" {
		d.userAgent = "veox"
	}
	if d.idle <= 0 {
		d.idle = DefaultIdleTimeout
	}
	if d.minProgress <= 0 {
		d.minProgress = DefaultMinProgress
	}
	if d.maxBytes <= 0 {
		d.maxBytes = DefaultMaxBytes
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = DefaultMaxAttempts
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

func openPartFile(root *os.Root, name string) (partFile, error) {
	return root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}

// Request is one file to fetch. It carries no API key on purpose.
type Request struct {
	URL  string
	Root *os.Root // the download folder; every file operation goes through it
	// Name is the final file name inside Root (from FileName). The
	// partial file is Name+".part", its validators Name+".part.json".
	Name string
	// Refresh returns a fresh URL (the caller asks record-info) when the
	// host answers 403, 404 or 410; nil gives up on those.
	Refresh  func(ctx context.Context) (string, error)
	Progress *Progress // may be nil
	// Force fetches fresh bytes although Name is already a valid MP4 (and
	// discards any .part); the new file replaces the old atomically once
	// verified. The one exception: a file another veox finished while
	// this call waited for it is fresh, and is taken as it is.
	Force bool
	// Check, when set, judges a verified file before it takes the final
	// name (and a file already there before it is taken): an error keeps
	// the final name as it was, deletes the new bytes, and is returned.
	// The caller's rule, e.g. "an extension's whole video is longer than
	// its source".
	Check func(mp4.Info) error
}

// Result describes the verified file.
type Result struct {
	URL      string // the link the bytes came from (a fresh one if the first was refused); "" for a file found there
	Name     string
	Path     string // Root's folder joined with Name, absolute when it can be made so
	Size     int64
	SHA256   string        // hex
	Duration time.Duration // of the video (mvhd)
	Width    int
	Height   int
	HasAudio bool
	// Fetched is true when this call wrote the file; false when it found
	// a verified file already there (or one another veox just finished).
	Fetched bool
	Resumed bool          // some bytes came from an earlier, interrupted attempt
	Waited  bool          // another veox was downloading the file; this call waited for it
	Elapsed time.Duration // wall time of this call
}

// Download fetches r.URL into r.Root/r.Name. A file already there that is a
// valid MP4 is returned without touching the network unless r.Force. The
// bytes go to Name.part first, under a lock, and only a file whose length
// and MP4 structure check out is renamed to Name.
func (d *Downloader) Download(ctx context.Context, r Request) (*Result, error) {
	if err := checkRequest(r); err != nil {
		return nil, err
	}
	start := time.Now()
	buf := make([]byte, bufSize)
	if !r.Force {
		if res := d.existing(r, buf, nil); res != nil {
			res.Elapsed = time.Since(start)
			return res, nil
		}
	}
	// What is at the final name now: with Force, only a file that
	// replaced it while this call waited counts as fresh.
	prior, _ := r.Root.Stat(r.Name)
	f, waited, err := d.lockPart(ctx, r)
	if err != nil {
		return nil, err
	}
	p := &part{root: r.Root, name: r.Name, f: f, h: sha256.New(), buf: buf, progress: r.Progress,
		meta: partMeta{Total: -1}, maxBytes: d.maxBytes}
	defer p.close()
	if waited {
		// The other veox may have just finished the file: take it, and
		// drop the empty .part this call created to wait on.
		var stale os.FileInfo
		if r.Force {
			stale = prior
		}
		if res := d.existing(r, buf, stale); res != nil {
			p.dropIfEmpty()
			res.Waited, res.Elapsed = true, time.Since(start)
			return res, nil
		}
	}
	if err := p.open(r.Force, d.log); err != nil {
		return nil, p.leave(err)
	}
	r.Progress.begin(start, p.n, p.meta.Total)
	link, err := d.fetch(ctx, r, p)
	if err != nil {
		return nil, p.leave(err)
	}
	res, err := d.finish(p, r.Check)
	if err != nil {
		return nil, p.leave(err)
	}
	res.URL, res.Waited, res.Elapsed = link, waited, time.Since(start)
	r.Progress.finish(res.Size)
	return res, nil
}

func checkRequest(r Request) error {
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
// A file that is stale (the same file, os.SameFile) does not count: a
// final file only ever appears by a rename, so another one is new.
func (d *Downloader) existing(r Request, buf []byte, stale os.FileInfo) *Result {
	f, err := r.Root.Open(r.Name)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || (stale != nil && os.SameFile(st, stale)) {
		return nil
	}
	info, err := verify(f, st.Size())
	if err == nil && r.Check != nil {
		err = r.Check(info)
	}
	if err != nil {
		d.log.Warn("existing file is not what was asked for; downloading again", "name", r.Name, "err", err)
		return nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, st.Size()), buf); err != nil {
		return nil
	}
	r.Progress.begin(time.Now(), st.Size(), st.Size())
	r.Progress.finish(st.Size())
	return newResult(r.Root, r.Name, st.Size(), h, info, false)
}

// verify is the structure check every final file passes: a sound MP4
// whose every sample is in the file, with a video track.
func verify(r io.ReaderAt, size int64) (mp4.Info, error) {
	info, err := mp4.Inspect(r, size)
	if err == nil && !info.HasVideo {
		err = &mp4.FormatError{Reason: "it holds no video track"}
	}
	return info, err
}

func newResult(root *os.Root, name string, size int64, h hash.Hash, info mp4.Info, resumed bool) *Result {
	dir := root.Name()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return &Result{
		Name: name, Path: filepath.Join(dir, name), Size: size,
		SHA256: hex.EncodeToString(h.Sum(nil)), Duration: info.Duration,
		Width: info.Width, Height: info.Height, HasAudio: info.HasAudio, Resumed: resumed,
	}
}

// finish verifies the part and gives it the final name: length, MP4
// structure, fsync, rename, fsync of the folder, in that order and under
// the part's lock, so the final name only ever points at a complete,
// durable, valid file.
func (d *Downloader) finish(p *part, check func(mp4.Info) error) (*Result, error) {
	if p.meta.Total >= 0 && p.n != p.meta.Total {
		return nil, fmt.Errorf("download of %s: got %d bytes, the host announced %d", p.name, p.n, p.meta.Total)
	}
	if err := p.f.Sync(); err != nil {
		return nil, p.localError("saving", err)
	}
	info, err := verify(p.f, p.n)
	if fe := (*mp4.FormatError)(nil); errors.As(err, &fe) {
		p.discard()
		return nil, fmt.Errorf("%w: %s (%s); it was deleted, download it again", ErrNotMP4, p.name, fe.Reason)
	} else if err != nil {
		return nil, p.localError("checking", err)
	}
	if check != nil {
		if err := check(info); err != nil {
			p.discard()
			return nil, err
		}
	}
	// The lock keeps other veox away; this catches anything else that
	// replaced the .part under us (an older veox, a person).
	if !p.stillAtPath() {
		p.dropped = true
		return nil, fmt.Errorf("download of %s: %s was replaced by another program while veox wrote it; download again", p.name, p.partName())
	}
	if err := p.root.Rename(p.partName(), p.name); err != nil {
		return nil, p.localError("renaming", err)
	}
	p.dropped = true // the part is the final file now
	if err := p.root.Remove(p.metaName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("could not remove download metadata", "name", p.metaName(), "err", err)
	}
	if err := syncDownloadDir(p.root); err != nil {
		d.log.Warn("could not sync the download folder", "err", err)
	}
	res := newResult(p.root, p.name, p.n, p.h, info, p.resumed)
	res.Fetched = true
	return res, nil
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

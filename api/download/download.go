// Package download fetches result files into the download folder:
// resumable (Range + If-Range on a .part beside the final name), verified
// (the size the host announced and the MP4 structure) and durable (fsync,
// rename, fsync of the folder) before a file takes its final name. It also
// owns the rules for those names (FileName), which come from our own data
// only. It never sees the API key.
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

// ErrNotMP4 means the host delivered a complete body that is not a sound
// MP4 (an error page, a truncated or corrupt file). It never takes the
// final name, and its partial file is deleted: resuming it cannot help.
var ErrNotMP4 = errors.New("the downloaded file is not a complete MP4")

// bufSize is the one buffer a download reads, writes and hashes
// through, so memory does not grow with the file.
const bufSize = 256 << 10

// Options configures a Downloader. Zero values take defaults.
type Options struct {
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
	openPart func(root *os.Root, name string) (partFile, error)
}

// partFile is what a download needs of the partial file.
type partFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Close() error
}

// New fills in defaults.
func New(o Options) *Downloader {
	d := &Downloader{
		client: o.HTTPClient, userAgent: o.UserAgent, idle: o.IdleTimeout,
		maxAttempts: o.MaxAttempts, log: o.Logger,
		backoffBase: 200 * time.Millisecond, backoffMax: 5 * time.Second,
		openPart: openPartFile,
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
	// Force fetches again although Name is already a valid MP4; the new
	// file replaces it atomically once verified.
	Force bool
}

// Result describes the verified file.
type Result struct {
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
func (d *Downloader) Download(ctx context.Context, r Request) (*Result, error) {
	if err := checkDownloadRequest(r); err != nil {
		return nil, err
	}
	start := time.Now()
	buf := make([]byte, bufSize)
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

func checkDownloadRequest(r Request) error {
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
func (d *Downloader) existing(r Request, buf []byte) *Result {
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
	return newResult(r.Root, r.Name, st.Size(), h, info, false)
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

// finish verifies the part and gives it the final name: size, MP4
// structure, fsync, rename, fsync of the folder, in that order, so the
// final name only ever points at a complete, durable, valid file.
func (d *Downloader) finish(p *part) (*Result, error) {
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
	if !info.HasVideo {
		p.discard()
		return nil, fmt.Errorf("%w: %s holds no video track; it was deleted, download it again", ErrNotMP4, p.name)
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
	return newResult(p.root, p.name, p.n, p.h, info, p.resumed), nil
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

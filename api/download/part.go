package download

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api"
)

// partMeta is Name.part.json: what the response that started the part said
// about the file, so a resume can ask for the same file (If-Range) and
// check it got it.
type partMeta struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Total        int64  `json:"total"` // -1 when the host did not say
}

func metaFrom(h http.Header, total int64) partMeta {
	return partMeta{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified"), Total: total}
}

// validator is the If-Range value. A weak ETag may not be used there
// (RFC 9110 §13.1.5), so Last-Modified stands in. Without one, a part
// cannot be resumed: nothing would tell a 206 of another file from ours.
func (m partMeta) validator() string {
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") {
		return m.ETag
	}
	return m.LastModified
}

// sameFile reports whether a 206's validators name the file the part was
// started from. A host honouring If-Range sends them; one that sends none,
// or others, may be sending another file's bytes.
func (m partMeta) sameFile(h http.Header) bool {
	if et := h.Get("ETag"); m.ETag != "" && et != "" {
		return et == m.ETag
	}
	if lm := h.Get("Last-Modified"); m.LastModified != "" && lm != "" {
		return lm == m.LastModified
	}
	return false
}

// part is the state of one download across its attempts. The hash always
// covers exactly the first n bytes of the file. It is used only while the
// .part's lock is held.
type part struct {
	root     *os.Root
	name     string
	f        partFile
	h        hash.Hash
	n        int64
	meta     partMeta
	shape    shape // the top-level boxes seen so far
	maxBytes int64
	resumed  bool
	dropped  bool // the .part is gone from its path (deleted or renamed)
	buf      []byte
	progress *Progress
	hp       *hashPipe // set while copyBody runs
	flushed  int64     // bytes handed to write-back so far
}

func (p *part) partName() string { return p.name + ".part" }
func (p *part) metaName() string { return p.name + ".part.json" }

// open picks up where an earlier run stopped: the bytes already there are
// hashed (so the final SHA-256 covers the whole file) and their boxes
// followed. With force, or when they cannot be trusted, it starts empty.
func (p *part) open(force bool, logger *log.Logger) error {
	if force {
		return p.reset()
	}
	st, err := p.f.Stat()
	if err != nil {
		return p.localError("reading", err)
	}
	size := st.Size()
	if size == 0 {
		return p.reset()
	}
	meta, ok := p.loadMeta()
	switch {
	case !ok || meta.validator() == "":
		logger.Info("partial file cannot be resumed (nothing proves a resume is the same file); starting over", "name", p.partName())
		return p.reset()
	case meta.Total >= 0 && size > meta.Total, meta.Total > p.maxBytes:
		logger.Info("partial file is longer than its file; starting over", "name", p.partName())
		return p.reset()
	}
	p.meta = meta
	p.shape = newShape(p.limit())
	p.shape.announced = meta.Total >= 0
	n, err := io.CopyBuffer(io.MultiWriter(p.h, &p.shape), io.NewSectionReader(p.f, 0, size), p.buf)
	p.n = n
	if errors.Is(err, ErrNotMP4) || errors.Is(err, ErrTooLarge) {
		logger.Info("partial file is not the start of an MP4; starting over", "name", p.partName(), "why", err)
		return p.reset()
	}
	if err != nil {
		return p.localError("reading", err)
	}
	logger.Info("resuming download", "name", p.name, "from", n)
	return nil
}

// limit is what the body may reach: what the host announced, else the cap.
func (p *part) limit() int64 {
	if p.meta.Total >= 0 {
		return p.meta.Total
	}
	return p.maxBytes
}

// start records the response that begins the part's bytes.
func (p *part) start(meta partMeta) error {
	if meta.Total > p.maxBytes {
		return fmt.Errorf("%w: the host announces %d bytes, more than the %d veox accepts", ErrTooLarge, meta.Total, p.maxBytes)
	}
	p.meta = meta
	p.shape.limit, p.shape.announced = p.limit(), meta.Total >= 0
	p.progress.setTotal(meta.Total)
	return p.saveMeta()
}

// learnTotal records a total first announced by a resume's Content-Range.
func (p *part) learnTotal(total int64) error {
	if total > p.maxBytes {
		return fmt.Errorf("%w: the host announces %d bytes, more than the %d veox accepts", ErrTooLarge, total, p.maxBytes)
	}
	p.meta.Total = total
	p.shape.limit, p.shape.announced = total, true
	p.progress.setTotal(total)
	return p.saveMeta()
}

// loadMeta reads Name.part.json, refusing anything odd; a torn write just
// means starting over.
func (p *part) loadMeta() (partMeta, bool) {
	f, err := p.root.Open(p.metaName())
	if err != nil {
		return partMeta{}, false
	}
	defer f.Close()
	var m partMeta
	if err := json.NewDecoder(io.LimitReader(f, 4096)).Decode(&m); err != nil || m.Total < -1 {
		return partMeta{}, false
	}
	return m, true
}

func (p *part) saveMeta() error {
	b, err := json.Marshal(p.meta)
	if err != nil {
		return err
	}
	if err := p.root.WriteFile(p.metaName(), b, 0o644); err != nil {
		return p.localError("saving", err)
	}
	return nil
}

// admit checks bytes before they are written (length, box headers), so
// nothing past the announced length or the cap, and nothing that cannot
// start an MP4, reaches the disk.
func (p *part) admit(b []byte) error {
	if lim := p.limit(); p.n+int64(len(b)) > lim {
		if p.meta.Total >= 0 {
			return fmt.Errorf("%w: more than the %d bytes it announced", ErrTooLarge, p.meta.Total)
		}
		return fmt.Errorf("%w: more than %d bytes without announcing a length", ErrTooLarge, p.maxBytes)
	}
	_, err := p.shape.Write(b)
	return err
}

// write appends admitted bytes to the part. The hash and the count take
// only the bytes that reached the file, so they stay in step even after a
// failed write.
func (p *part) write(b []byte) error {
	m, err := p.f.WriteAt(b, p.n)
	if p.hp != nil {
		p.hp.hash(b[:m]) // b now belongs to the hasher
	} else {
		p.h.Write(b[:m])
	}
	p.n += int64(m)
	p.progress.set(p.n)
	if p.n-p.flushed >= writebackEvery {
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
func (p *part) checkComplete() (retry, error) {
	if p.meta.Total >= 0 && p.n < p.meta.Total {
		return retryLater, transportError(p, "the host ended the body early", io.ErrUnexpectedEOF)
	}
	if p.meta.Total < 0 {
		p.meta.Total = p.n
	}
	return retryNever, nil
}

// reset empties the part; its metadata goes too until a new response
// starts it.
func (p *part) reset() error {
	if err := p.f.Truncate(0); err != nil {
		return p.localError("resetting", err)
	}
	p.h.Reset()
	p.flushed = 0
	p.n, p.resumed, p.meta = 0, false, partMeta{Total: -1}
	p.shape = newShape(p.maxBytes)
	p.progress.set(0)
	if err := p.root.Remove(p.metaName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return p.localError("resetting", err)
	}
	return nil
}

// resumable: the part holds bytes a later run can trust and ask for the
// rest of (a validator for If-Range).
func (p *part) resumable() bool {
	return !p.dropped && p.n > 0 && p.meta.validator() != "" && (p.meta.Total < 0 || p.n < p.meta.Total)
}

// leave decides, after a failed download, whether the .part stays (it can
// be resumed, and the error says so with how much it holds) or goes (it
// cannot, or it is junk), and says which. A .part is never left behind
// without a word.
func (p *part) leave(err error) error {
	if p.dropped {
		return err
	}
	junk := errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNotMP4)
	if !junk && p.resumable() {
		return withNote(err, fmt.Sprintf("%s is kept (%d of %s); download again to resume",
			p.partName(), p.n, p.totalWords()))
	}
	had := p.n
	p.discard()
	if had == 0 {
		return err
	}
	if junk {
		return withNote(err, fmt.Sprintf("the %d bytes received were deleted", had))
	}
	return withNote(err, fmt.Sprintf("the %d bytes received were deleted: the host gave nothing that proves a resume would continue the same file", had))
}

func (p *part) totalWords() string {
	if p.meta.Total < 0 {
		return "an unknown number of bytes"
	}
	return fmt.Sprintf("%d bytes", p.meta.Total)
}

// withNote adds what became of the partial file to an error: as the hint
// of an *api.Error, else after the message.
func withNote(err error, note string) error {
	var e *api.Error
	if errors.As(err, &e) {
		c := *e
		c.Hint = note
		return &c
	}
	return fmt.Errorf("%w; %s", err, note)
}

// dropIfEmpty removes a .part this run created only to wait on.
func (p *part) dropIfEmpty() {
	if st, err := p.f.Stat(); err == nil && st.Size() == 0 {
		p.discard()
	}
}

// discard deletes the part (under its lock: the path goes first, the lock
// with the last close).
func (p *part) discard() {
	if !p.dropped && p.stillAtPath() {
		_ = p.root.Remove(p.partName())
		_ = p.root.Remove(p.metaName())
	}
	p.dropped = true
	p.close()
}

// stillAtPath reports whether the open part is still the file at its path.
func (p *part) stillAtPath() bool { return p.f != nil && sameFile(p.f, p.root, p.partName()) }

func (p *part) close() {
	if p.f != nil {
		_ = p.f.Close()
		p.f = nil
	}
}

// localError names the file and turns a full disk into ErrDiskFull, which
// stops the download and keeps the part.
func (p *part) localError(doing string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: free some space: %w", ErrDiskFull, err)
	}
	return partError(doing, p.partName(), err)
}

// writebackEvery: start write-back of the part every this many bytes so
// the final fsync has little left to do. Measured with
// scripts/bench-download.sh: the finish fell from ~55 ms to ~3 ms on 200 MB,
// taking veox from ~0.67× to ~1.05× curl's wall time.
const writebackEvery = 8 << 20

package download

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/charmbracelet/log"
)

// partMeta is Name.part.json: what the response that started the part said
// about the file, so a resume can ask for the same file (If-Range) and
// check its size.
type partMeta struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Total        int64  `json:"total"` // -1 when the host did not say
}

// validator is the If-Range value. A weak ETag may not be used there
// (RFC 9110 §13.1.5), so Last-Modified stands in.
func (m partMeta) validator() string {
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") {
		return m.ETag
	}
	return m.LastModified
}

// part is the state of one download across its attempts. The hash always
// covers exactly the first n bytes of the file.
type part struct {
	root     *os.Root
	name     string
	f        partFile
	h        hash.Hash
	n        int64
	meta     partMeta
	resumed  bool
	buf      []byte
	progress *Progress
	hp       *hashPipe // set while copyBody runs
	flushed  int64     // bytes handed to write-back so far
}

func (p *part) partName() string { return p.name + ".part" }
func (p *part) metaName() string { return p.name + ".part.json" }

// openState opens (or creates) the part and picks up where an earlier run
// stopped: the bytes already there are hashed so the final SHA-256 covers
// the whole file.
func (d *Downloader) openState(r Request, buf []byte) (*part, error) {
	p := &part{root: r.Root, name: r.Name, h: sha256.New(), buf: buf, progress: r.Progress, meta: partMeta{Total: -1}}
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
func (p *part) resume(logger *log.Logger) error {
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

func (p *part) size() (int64, error) {
	st, err := p.root.Stat(p.partName())
	if err != nil {
		return 0, p.localError("reading", err)
	}
	return st.Size(), nil
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

// write appends to the part; the hash and the count take only the bytes
// that reached the file, so they stay in step even after a failed write.
func (p *part) write(b []byte) error {
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
	p.progress.set(0)
	if err := p.root.Remove(p.metaName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return p.localError("resetting", err)
	}
	return nil
}

// discard deletes a part that verified as not an MP4.
func (p *part) discard() {
	p.close()
	p.removeFiles()
}

func (p *part) removeFiles() {
	_ = p.root.Remove(p.partName())
	_ = p.root.Remove(p.metaName())
}

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
		return fmt.Errorf("%w: free some space; the partial file %s is kept and resumes next time: %w", ErrDiskFull, p.partName(), err)
	}
	return fmt.Errorf("download: %s %s: %w", doing, p.partName(), err)
}

// writebackEvery: start write-back of the part every this many bytes so
// the final fsync has little left to do. Measured with
// scripts/bench-download.sh: the finish fell from ~55 ms to ~3 ms on 200 MB,
// taking veox from ~0.67× to ~1.05× curl's wall time.
const writebackEvery = 8 << 20

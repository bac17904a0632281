package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/veox/veox/assets"
)

// modTime is fixed so Last-Modified, and with it If-Range by date, is
// stable across runs and processes.
func modTime() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }

// link signs a result URL for one variant of a task:
//
//	<files>/r/<id>-<variant>-<gen>/<variant>.mp4?exp=<unix>&sig=<hex>
//
// gen is the ExpireURLs generation, so a link can be revoked before exp.
func (s *Sim) link(t *task, variant string, now time.Time) string {
	token := fmt.Sprintf("%s-%s-%d", t.ID, variant, s.urlGen)
	exp := now.Add(s.urlTTL()).Unix()
	return fmt.Sprintf("%s/r/%s/%s.mp4?exp=%d&sig=%s", s.filesBase, token, variant, exp,
		s.sign(token, variant, exp))
}

func (s *Sim) sign(token, variant string, exp int64) string {
	m := hmac.New(sha256.New, s.signKey)
	fmt.Fprintf(m, "%s/%s.mp4|%d", token, variant, exp)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func deriveKey(seed int64) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "veox-sim-sign/%d", seed))
	return h[:]
}

func etagOf(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:8]) + `"`
}

// ExpireURLs makes every link handed out so far invalid now (403 from the
// file host); record-info then hands out fresh ones.
func (s *Sim) ExpireURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urlGen++
	s.saveLocked()
}

// fileCut is a pending CutFilesAt.
type fileCut struct {
	offset int64
	left   int
}

// CutFilesAt makes the next count file downloads (GETs with a body) stop
// after offset bytes of that response's body, with the connection closed,
// as a flaky CDN does. Offsets count from the start of the response, so a
// resumed Range request is cut relative to where it started.
func (s *Sim) CutFilesAt(offset int64, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cuts = append(s.cuts, fileCut{offset, count})
}

func (s *Sim) takeCut() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.cuts) > 0 {
		c := &s.cuts[0]
		if c.left > 0 {
			c.left--
			return c.offset, true
		}
		s.cuts = s.cuts[1:]
	}
	return 0, false
}

// serveFiles is the result host. It never asks for the API key; a request
// that carries one is counted, because the client must not send it here.
func (s *Sim) serveFiles(w http.ResponseWriter, r *http.Request) {
	s.count(r.URL.Path)
	s.count("files")
	if r.Header.Get("Authorization") != "" {
		s.mu.Lock()
		s.authFiles++
		s.mu.Unlock()
	}
	c := &call{s: s, w: w, r: r}
	if !s.applyFault(c, s.nextFault(r.URL.Path, false, true), false) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeHTML(w, http.StatusMethodNotAllowed)
		return
	}
	clip, status := s.resolveFile(r)
	if status != http.StatusOK {
		s.logf("sim: files %s %s -> %d", r.Method, r.URL.Path, status)
		writeHTML(w, status)
		return
	}
	s.serveClip(w, r, clip)
}

// resolveFile checks a link and finds its clip, or the status a CDN gives:
// 404 for what never existed or was deleted, 403 for a bad or old signature.
func (s *Sim) resolveFile(r *http.Request) (string, int) {
	id, variant, gen, ok := parseFilePath(r.URL.Path)
	if !ok {
		return "", http.StatusNotFound
	}
	exp, _ := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	sig := r.URL.Query().Get("sig")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	now := s.now()
	t, ok := s.tasks[id]
	if !ok || t.expired(now) {
		return "", http.StatusNotFound
	}
	token := fmt.Sprintf("%s-%s-%d", id, variant, gen)
	good := hmac.Equal([]byte(sig), []byte(s.sign(token, variant, exp)))
	if !good || gen != s.urlGen || now.Unix() > exp {
		return "", http.StatusForbidden
	}
	clip, ok := s.variantClip(t, variant, now)
	if !ok {
		return "", http.StatusNotFound
	}
	return clip, http.StatusOK
}

// parseFilePath splits /r/<id>-<variant>-<gen>/<variant>.mp4. The id is
// split from the right because demo ids contain other separators.
func parseFilePath(p string) (id, variant string, gen int, ok bool) {
	rest, found := strings.CutPrefix(p, "/r/")
	if !found {
		return "", "", 0, false
	}
	token, name, found := strings.Cut(rest, "/")
	if !found {
		return "", "", 0, false
	}
	i := strings.LastIndexByte(token, '-')
	if i < 0 {
		return "", "", 0, false
	}
	gen, err := strconv.Atoi(token[i+1:])
	j := strings.LastIndexByte(token[:i], '-')
	if err != nil || j < 0 {
		return "", "", 0, false
	}
	id, variant = token[:j], token[j+1:i]
	return id, variant, gen, name == variant+".mp4"
}

// variantClip maps a link variant to the clip it shows.
func (s *Sim) variantClip(t *task, variant string, now time.Time) (string, bool) {
	if t.flag(now) != 1 {
		return "", false
	}
	switch variant {
	case "video":
		return t.Clip, true
	case "full":
		return t.fullClip(), t.Kind == kindExtend
	case "origin":
		return t.bestClip(), true
	case "1080p":
		return t.bestClip(), t.HDAt != nil && !now.Before(t.HDReady)
	}
	return "", false
}

// serveClip answers GET/HEAD with Range and If-Range support, as CDNs do.
func (s *Sim) serveClip(w http.ResponseWriter, r *http.Request, clip string) {
	data, etag, err := s.clipBytes(clip)
	if err != nil {
		s.logf("sim: files %s: %v", clip, err)
		writeHTML(w, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "video/mp4")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=86400")
	if off, cut := s.takeCut(); cut && r.Method == http.MethodGet {
		w = &cutWriter{ResponseWriter: w, left: off}
	}
	http.ServeContent(w, r, clip, modTime(), bytes.NewReader(data))
}

// simError is a constant error type, so sentinel errors need no variables.
type simError string

func (e simError) Error() string { return string(e) }

const errCut = simError("sim: download cut")

// cutWriter passes through left bytes of body, then cuts the connection.
type cutWriter struct {
	http.ResponseWriter
	left int64
	cut  bool
}

func (cw *cutWriter) Write(p []byte) (int, error) {
	if cw.cut {
		return 0, errCut
	}
	if int64(len(p)) <= cw.left {
		cw.left -= int64(len(p))
		return cw.ResponseWriter.Write(p)
	}
	n, _ := cw.ResponseWriter.Write(p[:cw.left])
	cw.cut = true
	cutConn(cw.ResponseWriter)
	return n, errCut
}

// Unwrap lets http.ResponseController reach the real writer.
func (cw *cutWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }

// clipBytes is a clip's content and ETag: an embedded clip, or a longer
// stitched chain made on first use and kept (a few hundred KB each).
func (s *Sim) clipBytes(name string) ([]byte, string, error) {
	if b, ok := s.clips[name]; ok {
		return b, s.etags[name], nil
	}
	var secs int
	if _, err := fmt.Sscanf(name, "stitched%ds.mp4", &secs); err != nil || secs <= 0 || stitchedName(secs) != name {
		return nil, "", fmt.Errorf("no clip %q", name)
	}
	s.madeMu.Lock()
	defer s.madeMu.Unlock()
	if b, ok := s.made[name]; ok {
		return b, etagOf(b), nil
	}
	b, err := loopedMP4(s.clips[assets.Extended22], time.Duration(secs)*time.Second)
	if err != nil {
		return nil, "", err
	}
	s.made[name] = b
	return b, etagOf(b), nil
}

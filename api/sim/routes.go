package sim

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// maxBody bounds what the service reads of a request (a create is a few KB).
const maxBody = 1 << 20

// API paths, as the real service spells them.
const (
	PathGenerate = "/api/v1/veo/generate"
	PathExtend   = "/api/v1/veo/extend"
	PathRecord   = "/api/v1/veo/record-info"
	Path1080p    = "/api/v1/veo/get-1080p-video"
	Path4K       = "/api/v1/veo/get-4k-video"
	PathCredit   = "/api/v1/chat/credit"
)

// route is one endpoint. create marks endpoints that make (and bill) tasks:
// they are rate limited and a fault there means nothing was created.
type route struct {
	method string
	create bool
	handle func(*Sim, *call)
}

// routeFor is a switch rather than a map so there is no package state.
func routeFor(path string) (route, bool) {
	switch path {
	case PathGenerate:
		return route{http.MethodPost, true, (*Sim).generate}, true
	case PathExtend:
		return route{http.MethodPost, true, (*Sim).extend}, true
	case Path4K:
		return route{http.MethodPost, true, (*Sim).get4K}, true
	case PathRecord:
		return route{http.MethodGet, false, (*Sim).recordInfo}, true
	case Path1080p:
		return route{http.MethodGet, false, (*Sim).get1080p}, true
	case PathCredit:
		return route{http.MethodGet, false, (*Sim).credit}, true
	}
	return route{}, false
}

// serveAPI runs what every API request goes through, in the order the real
// stack does: the CDN (faults) before the application (routing, auth).
func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	// The request is read whole before anything answers, as a socket's
	// buffers take a small body from the client before the server looks at
	// it; on an in-memory connection an early answer would otherwise cut
	// the client off mid-body.
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.count(path)
	s.settle()
	rt, ok := routeFor(path)
	if !ok {
		writeSpring(w, http.StatusNotFound, path, s.now())
		return
	}
	c := &call{s: s, w: w, r: r}
	if !s.applyFault(c, s.nextFault(path, rt.create, false), rt.create) {
		return
	}
	if r.Method != rt.method {
		writeSpring(w, http.StatusMethodNotAllowed, path, s.now())
		return
	}
	key, ok := s.authorize(r)
	if !ok {
		c.reply(401, "You do not have access permissions", nil)
		return
	}
	c.key = key
	rt.handle(s, c)
}

// authorize checks the bearer key. An empty Options.APIKey accepts any
// non-empty key, which is what the demo wants.
func (s *Sim) authorize(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	key, found := strings.CutPrefix(h, "Bearer ")
	key = strings.TrimSpace(key)
	if !found || key == "" {
		return "", false
	}
	return key, s.o.APIKey == "" || key == s.o.APIKey
}

func (s *Sim) credit(c *call) {
	s.mu.Lock()
	b := s.balance
	s.mu.Unlock()
	c.reply(200, "success", b)
}

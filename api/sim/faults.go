package sim

import (
	"net/http"
	"strconv"
)

// Fault is a transport or infrastructure failure the real service (or the
// CDN in front of it) has been seen to produce.
type Fault int

const (
	FaultNone           Fault = iota
	Fault429                  // HTTP 429 with Retry-After: 1 (envelope body)
	Fault455                  // envelope code 455: maintenance
	Fault500                  // envelope code 500 "Server error"
	Fault502HTML              // HTTP 502 with a CDN HTML page
	Fault403HTML              // HTTP 403 with a CDN HTML page
	Fault404Spring            // HTTP 404 with the Spring JSON body
	FaultSlow                 // stall Options.SlowDelay, then answer normally
	FaultCutBody              // half the JSON, then the connection closes
	FaultMalformed            // HTTP 200 with a complete but invalid JSON body
	FaultEmpty                // HTTP 200 with an empty body
	FaultReset                // the connection is reset without an answer
	FaultAcceptThenDrop       // creates: the task IS created and billed, then the connection is reset
)

func (f Fault) String() string {
	names := [...]string{"none", "429", "455", "500", "502-html", "403-html", "404-spring",
		"slow", "cut-body", "malformed", "empty", "reset", "accept-then-drop"}
	if f < 0 || int(f) >= len(names) {
		return "fault(" + strconv.Itoa(int(f)) + ")"
	}
	return names[f]
}

// injection is a pending InjectFault.
type injection struct {
	path  string
	fault Fault
	left  int
}

// InjectFault makes the next count requests to path get fault f. Path ""
// matches any API path, "files" any file-host path; otherwise it is a URL
// path such as PathRecord. A fault on a create means nothing was created,
// except FaultAcceptThenDrop.
func (s *Sim) InjectFault(path string, f Fault, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, injection{path, f, count})
}

// nextFault consumes an injected fault for the request, else draws one at
// FaultRate.
func (s *Sim) nextFault(path string, create, files bool) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		in := &s.faults[i]
		if in.left > 0 && faultMatches(in.path, path, files) {
			in.left--
			return in.fault
		}
	}
	s.faults = dropSpent(s.faults)
	if s.o.FaultRate <= 0 || s.rng.Float64() >= s.o.FaultRate {
		return FaultNone
	}
	return s.randomFault(create, files)
}

func faultMatches(want, path string, files bool) bool {
	if want == path {
		return true
	}
	if files {
		return want == "files"
	}
	return want == ""
}

func dropSpent(in []injection) []injection {
	out := in[:0]
	for _, f := range in {
		if f.left > 0 {
			out = append(out, f)
		}
	}
	return out
}

// randomFault draws from the faults that fit the request: downloads see CDN
// trouble, creates may also be accepted and then dropped.
func (s *Sim) randomFault(create, files bool) Fault {
	if files {
		pool := []Fault{FaultCutBody, Fault502HTML, FaultReset, FaultSlow}
		return pool[s.rng.IntN(len(pool))]
	}
	if create && len(s.o.CreateFaults) > 0 {
		return s.o.CreateFaults[s.rng.IntN(len(s.o.CreateFaults))]
	}
	pool := []Fault{Fault429, Fault455, Fault500, Fault502HTML, FaultSlow, FaultCutBody, FaultMalformed}
	if create {
		pool = append(pool, FaultAcceptThenDrop)
	}
	return pool[s.rng.IntN(len(pool))]
}

// applyFault acts out f and reports whether the request should go on
// (no fault, a stall that ended, or accept-then-drop on a create).
func (s *Sim) applyFault(c *call, f Fault, create bool) bool {
	switch f {
	case FaultNone:
		return true
	case FaultSlow:
		return s.sleep(c.r.Context(), s.slowDelay())
	case FaultAcceptThenDrop:
		if create {
			c.drop = true
			return true
		}
	}
	s.logf("sim: %s %s -> fault %v", c.r.Method, c.r.URL.Path, f)
	writeFault(c, f)
	return false
}

func writeFault(c *call, f Fault) {
	w := c.w
	switch f {
	case Fault429:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, envelope{429, "Too many requests, please slow down", nil})
	case Fault455:
		writeJSON(w, http.StatusOK, envelope{455, "The service is under maintenance. Please try again later.", nil})
	case Fault500:
		writeJSON(w, http.StatusOK, envelope{500, "Server error", nil})
	case Fault502HTML:
		writeHTML(w, http.StatusBadGateway)
	case Fault403HTML:
		writeHTML(w, http.StatusForbidden)
	case Fault404Spring:
		writeSpring(w, http.StatusNotFound, c.r.URL.Path, c.s.now())
	case FaultCutBody:
		writeCut(w)
	case FaultMalformed:
		writeBody(w, http.StatusOK, "application/json", []byte(`{"code":200,"msg":"success","data":{"taskId":}`))
	case FaultEmpty:
		writeBody(w, http.StatusOK, "application/json", nil)
	default:
		resetConn(w)
	}
}

// writeCut promises a whole envelope in Content-Length, sends half of it
// and closes the connection.
func writeCut(w http.ResponseWriter) {
	body := []byte(`{"code":200,"msg":"success","data":{"taskId":"0123456789abcdef0123456789abcdef","successFlag":0}}`)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
	cutConn(w)
}

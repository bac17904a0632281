// Package sim is an in-process stand-in for the Veo 3.1 reseller service
// described in docs/veo-api.md: the same envelopes, codes, quirks and
// failure modes, plus a file host for the result videos. Every test of the
// project and the `veox --demo` mode run against it, so it must be faithful
// where the client could go wrong (HTTP 200 errors, odd JSON shapes, cut
// connections, non-idempotent creates) rather than merely convenient.
package sim

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/veox/veox/assets"
)

// Options configures a simulator. The zero value is a usable, fault-free
// service whose tasks finish at their first poll.
type Options struct {
	APIKey                   string           // required bearer key; "" = accept any non-empty key
	Now                      func() time.Time // clock; default time.Now
	MinDuration, MaxDuration time.Duration    // how long a task runs; both 0 = done at its first poll after NullGrace
	NullGrace                time.Duration    // a new task answers 422 "record is null" this long
	Seed                     int64            // deterministic ids, durations, quirks and faults
	Credits                  float64          // starting balance; 0 = 5000, negative = start empty
	QuirkRate                float64          // 0..1: chance a record-info answer uses random quirk shapes
	FaultRate                float64          // 0..1: chance a request gets a random fault
	URLTTL                   time.Duration    // result link validity; default 24h
	CallbackSecret           string           // if set, callbacks are signed
	StatePath                string           // if set, tasks and balance persist there as JSON
	RateLimitAsHTTP          bool             // 429 as a real HTTP 429 instead of inside a 200 envelope
	SlowDelay                time.Duration    // how long FaultSlow stalls; default 3s
	// CreateFaults, if set, is the pool FaultRate draws from for creates.
	// The demo sets it to the faults after which the service clearly
	// created nothing (429, 455), so a faulty demo run still ends with its
	// file; nil means every fault, including ambiguous ones.
	CreateFaults []Fault
	// SparseEvery, if N > 0, answers every Nth record-info in the older,
	// sparser shape real clients have recorded (rec-notes-string-urls):
	// taskId, successFlag and resultUrls straight under data (for an
	// extension, the new part alone), no response, no paramJson, no times.
	SparseEvery int
	// FourKSameID answers get-4k-video with the source's own task id, as
	// the service's documented examples do, instead of a new one.
	FourKSameID bool
	// BillAtEnd charges a task (generate, extend, 4K) when it ends rather
	// than when it is accepted, and a failed one not at all: veo-api.md
	// leaves the moment of billing open, and the client must read either.
	BillAtEnd bool
	Logf      func(format string, args ...any)
}

// Sim is the simulated service. All methods are safe for concurrent use.
type Sim struct {
	o     Options
	now   func() time.Time
	clips map[string][]byte // immutable after New
	etags map[string]string // immutable after New

	madeMu sync.Mutex        // guards made
	made   map[string][]byte // stitched chains longer than the embedded clips

	// ctx is cancelled by Close so stalled handlers and callback
	// deliveries end instead of outliving the simulator.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // callback deliveries in flight

	mu        sync.Mutex
	closed    bool
	rng       *rand.Rand
	balance   float64
	signKey   []byte
	urlGen    int       // bumped by ExpireURLs: links of older generations are refused
	seq       uint64    // feeds task ids, persisted so ids never repeat across processes
	stamp     fileStamp // the state file as we last read or wrote it
	tasks     map[string]*task
	pending   map[string]bool // tasks whose end has not been settled (refund, callback)
	filesBase string
	plans     []Plan
	faults    []injection
	cuts      []fileCut
	window    map[string][]time.Time // accepted create times per key, for the rate limit
	requests  map[string]int
	creates   int
	callbacks int
	authFiles int
	records   int // record-info answers given, for SparseEvery
	sparse    int // SparseEvery, switchable while running
	sameID4K  bool
}

// New builds a simulator, loading Options.StatePath if it exists.
func New(o Options) *Sim {
	s := &Sim{
		o:         o,
		now:       o.Now,
		clips:     map[string][]byte{},
		etags:     map[string]string{},
		made:      map[string][]byte{},
		rng:       rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed)),
		tasks:     map[string]*task{},
		pending:   map[string]bool{},
		window:    map[string][]time.Time{},
		requests:  map[string]int{},
		filesBase: "http://veo-files.invalid",
		sparse:    o.SparseEvery,
		sameID4K:  o.FourKSameID,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.loadClips()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.load() {
		s.fresh()
	}
	s.ensureDemo(s.now())
	s.saveLocked()
	return s
}

// fresh sets the starting balance and signing key of a new service.
func (s *Sim) fresh() {
	switch {
	case s.o.Credits > 0:
		s.balance = s.o.Credits
	case s.o.Credits == 0:
		s.balance = 5000
	}
	s.signKey = deriveKey(s.o.Seed)
}

func (s *Sim) loadClips() {
	for _, name := range assets.Clips() {
		b, err := assets.Clip(name)
		if err != nil {
			continue // cannot happen: the clips are embedded
		}
		s.clips[name] = b
		s.etags[name] = etagOf(b)
	}
}

// Close stops callback deliveries and stalled requests and waits for the
// deliveries to end. The simulator must not be used afterwards.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// Handler serves the API at its root (/api/v1/…).
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serveAPI) }

// FilesHandler serves the result files that record-info links to.
func (s *Sim) FilesHandler() http.Handler { return http.HandlerFunc(s.serveFiles) }

// SetFilesBase sets where result links point: the FilesHandler's address.
func (s *Sim) SetFilesBase(baseURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(baseURL) > 0 && baseURL[len(baseURL)-1] == '/' {
		baseURL = baseURL[:len(baseURL)-1]
	}
	s.filesBase = baseURL
}

// SetSparseEvery switches the sparse answers on (every nth record-info)
// or off (0) while the simulator runs.
func (s *Sim) SetSparseEvery(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sparse = max(n, 0)
}

// SetFourKSameID switches how get-4k-video names the 4K task: the
// source's own id (true, as the docs show) or a new id.
func (s *Sim) SetFourKSameID(same bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sameID4K = same
}

// Creates is the number of tasks this Sim accepted (generate, extend, 4K),
// not counting tasks loaded from StatePath or the demo sources.
func (s *Sim) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Dashboard lists the ids of the tasks creates made, newest first, as the
// service's web dashboard shows them: where a user finds the id of a
// create whose answer was lost.
func (s *Sim) Dashboard() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var made []*task
	for _, t := range s.tasks {
		if !strings.HasPrefix(t.ID, "veo_task_demo_") {
			made = append(made, t)
		}
	}
	sort.Slice(made, func(i, j int) bool { return made[i].Created.After(made[j].Created) })
	ids := make([]string, len(made))
	for i, t := range made {
		ids[i] = t.ID
	}
	return ids
}

// Requests is the number of requests seen for a URL path (API or file
// host); "files" counts every file-host request.
func (s *Sim) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// Balance is the credit balance after settling tasks that ended by now
// (failed ones are refunded).
func (s *Sim) Balance() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	s.settleLocked(s.now())
	return s.balance
}

// TaskState is the successFlag a task has now (0 running, 1 succeeded,
// 2 or 3 failed), ignoring NullGrace.
func (s *Sim) TaskState(id string) (flag int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return 0, false
	}
	return t.flag(s.now()), true
}

// Callbacks is the number of callback POSTs attempted (each try counts).
func (s *Sim) Callbacks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks
}

// FileRequestsWithAuth counts file-host requests that carried an
// Authorization header: tests use it to prove the API key never leaks to
// the result host.
func (s *Sim) FileRequestsWithAuth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFiles
}

func (s *Sim) logf(format string, args ...any) {
	if s.o.Logf != nil {
		s.o.Logf(format, args...)
	}
}

func (s *Sim) count(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[path]++
}

// sleep waits d, or less if the request or the simulator ends first. It
// reports whether the full wait elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}

func (s *Sim) urlTTL() time.Duration {
	if s.o.URLTTL > 0 {
		return s.o.URLTTL
	}
	return 24 * time.Hour
}

func (s *Sim) slowDelay() time.Duration {
	if s.o.SlowDelay > 0 {
		return s.o.SlowDelay
	}
	return 3 * time.Second
}

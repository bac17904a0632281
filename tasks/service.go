package tasks

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
)

// Options wire a Service. Everything is built in main and passed in.
type Options struct {
	API          *api.Client
	Downloader   *download.Downloader
	Store        *store.Store
	Now          func() time.Time
	Logger       *log.Logger
	DownloadDir  string
	PollInterval time.Duration // fixed cadence; 0 = PollDelay's schedule
	NullGrace    time.Duration // how long a new task may answer "record is null"; default 2 min
	// WholeWait bounds how long a download of an extension asks again for
	// its stitched video when the record lists only the new part (default
	// 30 s), asking every WholePoll (default 5 s).
	WholeWait, WholePoll time.Duration
	Budget               Budget // the daily limit and the confirmation threshold (config)
	// Sidecars writes "<video>.json" beside every downloaded video and
	// keeps it up to date (sidecar.go). The 'sidecars' setting, on by
	// default; off here so a Service built without it writes only videos.
	Sidecars bool
}

// Service runs the task lifecycle. The history in bbolt is its state; the
// only thing it keeps itself is the last balance reading, so every screen
// and command asks one owner for it.
type Service struct {
	api    *api.Client
	dl     *download.Downloader
	store  history // the store; its writes keep the sidecars up to date
	now    func() time.Time
	log    *log.Logger
	dir    string
	poll   time.Duration
	grace  time.Duration
	whole  wholeAsk
	bal    balances
	seen   runningSeen
	budget Budget
	// sidecars: write a description beside each video (SetSidecars).
	sidecars atomic.Bool
}

// How long a face waits for one service call, retries included. The
// client bounds each attempt; these bound the whole call, so no screen or
// command waits forever, and the faces set no timeouts of their own.
const (
	readBudget   = 30 * time.Second // record-info, balance, 1080p, 4K state
	createBudget = 90 * time.Second // one create: the rate limit's wait and the attempt
)

// New builds a Service.
func New(o Options) *Service {
	s := &Service{api: o.API, dl: o.Downloader, store: history{Store: o.Store}, now: o.Now, log: o.Logger,
		dir: o.DownloadDir, poll: o.PollInterval, grace: o.NullGrace, budget: o.Budget}
	s.store.changed = s.recordChanged
	s.sidecars.Store(o.Sidecars)
	if s.now == nil {
		s.now = time.Now
	}
	if s.grace == 0 {
		s.grace = 2 * time.Minute
	}
	s.whole = wholeAsk{wait: o.WholeWait, every: o.WholePoll}
	if s.whole.wait == 0 {
		s.whole.wait = 30 * time.Second
	}
	if s.whole.every == 0 {
		s.whole.every = 5 * time.Second
	}
	if s.log == nil {
		s.log = log.New(discard{})
	}
	return s
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Store gives read access to the history (the TUI pages it directly).
func (s *Service) Store() *store.Store { return s.store.Store }

// DownloadDir is where result files go.
func (s *Service) DownloadDir() string { return s.dir }

// ErrReadOnly is returned by actions that need to write to a history that
// cannot be written (read-only media, or opened with --read-only).
var ErrReadOnly = errors.New("this history is read-only here (read-only media or --read-only): nothing can be submitted or changed")

func (s *Service) writable() error {
	if s.store.ReadOnly() {
		return ErrReadOnly
	}
	return nil
}

// Recover runs at start-up: a task left "submitting" belongs to a veox that
// stopped while sending, so its create may or may not have reached the
// service. It becomes "unknown", never resent.
func (s *Service) Recover() ([]store.Task, error) {
	if s.store.ReadOnly() {
		return nil, nil
	}
	active, err := s.store.Active()
	if err != nil {
		return nil, err
	}
	var changed []store.Task
	for _, t := range active {
		if t.Status != store.StatusSubmitting || s.store.IntentClaimed(t.LocalID) {
			continue // claimed: another veox is sending it right now
		}
		u, err := s.store.Update(t.LocalID, func(t *store.Task) error {
			t.SetStatus(store.StatusUnknown, s.now(), "veox stopped while sending this create; it may exist and be billed")
			t.Error = unknownError()
			return nil
		})
		if err != nil {
			return changed, err
		}
		changed = append(changed, *u)
	}
	return changed, nil
}

func unknownError() *store.TaskError {
	return &store.TaskError{Kind: "unknown", Message: "the answer to this create never arrived",
		Hint: "it may have created a billed task: look for it (a callback settles it by itself, or find its id on the service's dashboard and run 'veox settle'); veox never resends it"}
}

// taskError converts a client error for the history.
func taskError(err error) *store.TaskError {
	if e, ok := api.AsError(err); ok {
		return &store.TaskError{Code: e.Code, Kind: e.Kind.String(), Message: e.Message, Hint: e.Hint}
	}
	return &store.TaskError{Kind: "transport", Message: api.Sanitize(err.Error())}
}

func recordError(r *api.Record) *store.TaskError {
	k := api.KindForCode(r.ErrorCode)
	if k == api.KindUnknown || k == api.KindServer {
		k = api.KindFailed
	}
	msg := r.ErrorMessage
	if msg == "" {
		msg = fmt.Sprintf("the task failed (successFlag %d)", r.SuccessFlag)
	}
	hint := api.HintFor(k)
	if audioFailure(msg) {
		hint = audioHint
	}
	return &store.TaskError{Code: r.ErrorCode, Kind: k.String(), Message: msg, Hint: hint}
}

// A render can fail on its sound alone: the service answers 400, the code
// of a policy refusal, with "unable to generate audio" (a live failure
// others recorded). The prompt is not at fault, so "rephrase within the
// content policy" would send the creator the wrong way.
const audioHint = "the service could not make this video's sound, and did not charge for it: run it again with another seed, or change what should be heard (speech, music, sounds)"

func audioFailure(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "audio") && (strings.Contains(m, "unable") || strings.Contains(m, "fail"))
}

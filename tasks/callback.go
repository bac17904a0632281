package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// ErrNoMatch: a callback names a task that is not in the history and
// matches no unknown create; it is logged and otherwise ignored.
var ErrNoMatch = errors.New("the callback matches no task in the history")

// ErrNotConfirmed: the service does not confirm what a callback says (no
// record for its id, or a record of another request). Nothing was changed.
var ErrNotConfirmed = errors.New("the service does not confirm the callback")

// HandleCallback acts on a task-end notification. The body is not signed
// (unless a secret is set, and even then only the id is), so it is a hint
// and nothing changes until record-info confirms it: a task we know is
// refreshed from record-info; an "unknown" create is settled only when
// record-info knows the callback's id and the request it echoes (prompt,
// and seed when both sides have one) is that of exactly one unknown create.
func (s *Service) HandleCallback(ctx context.Context, cb *api.Callback) (*store.Task, error) {
	if t, err := s.store.Get(cb.TaskID); err == nil {
		return s.Refresh(ctx, t.LocalID)
	}
	candidates, err := s.unknownCandidates(cb)
	if err != nil {
		return nil, err
	}
	rec, err := s.api.RecordInfo(ctx, cb.TaskID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotConfirmed, cb.TaskID, err)
	}
	match, err := confirmedMatch(cb.TaskID, rec, candidates)
	if err != nil {
		return nil, err
	}
	s.log.Info("callback settles an unknown create, confirmed by record-info", "local", match.LocalID, "task", cb.TaskID)
	return s.settleWith(match.LocalID, cb.TaskID, rec)
}

// unknownCandidates are the unknown creates a callback may settle: those
// whose request it echoes, or all of them when it echoes none (the
// documented success callback does not). None means no call is worth
// making.
func (s *Service) unknownCandidates(cb *api.Callback) ([]store.Task, error) {
	active, err := s.store.Active()
	if err != nil {
		return nil, err
	}
	prompt, _ := cb.Params["prompt"].(string)
	seed, hasSeed := cb.Params["seeds"].(float64)
	var found []store.Task
	for _, t := range active {
		if t.Status != store.StatusUnknown {
			continue
		}
		if (prompt != "" && !samePrompt(t, prompt)) || (hasSeed && !sameSeed(t, int(seed))) {
			continue
		}
		found = append(found, t)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w (%s is not in the history and matches no unknown create)", ErrNoMatch, cb.TaskID)
	}
	return found, nil
}

// confirmedMatch picks the one candidate whose request the record echoes.
// The record must be the callback's task and carry its prompt: a callback's
// own echo proves nothing, anyone can write it.
func confirmedMatch(id string, rec *api.Record, candidates []store.Task) (*store.Task, error) {
	if rec.TaskID != "" && rec.TaskID != id {
		return nil, fmt.Errorf("%w: record-info for %s describes task %s", ErrNotConfirmed, id, rec.TaskID)
	}
	prompt, _ := rec.Params["prompt"].(string)
	if strings.TrimSpace(prompt) == "" {
		return nil, fmt.Errorf("%w: the record of %s does not echo its prompt, so it cannot be matched to a create: settle it by hand if it is yours", ErrNotConfirmed, id)
	}
	seed, hasSeed := rec.Params["seeds"].(float64)
	var found []store.Task
	for _, t := range candidates {
		if samePrompt(t, prompt) && (!hasSeed || sameSeed(t, int(seed))) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: task %s was made from another prompt than any unknown create", ErrNotConfirmed, id)
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("%w (%s matches %d unknown creates; settle it by hand)", ErrNoMatch, id, len(found))
}

func samePrompt(t store.Task, prompt string) bool {
	return strings.TrimSpace(t.Request.Prompt) == strings.TrimSpace(prompt)
}

// sameSeed: a create sent without a seed got a random one, so any matches.
func sameSeed(t store.Task, seed int) bool {
	return t.Request.Seed == 0 || t.Request.Seed == seed
}

// Receiver is an http.Handler for the service's callbacks. It bounds the
// body, checks the signature when a secret is set, limits the record-info
// calls callbacks can cause (callbackGate), answers at once (the service
// gives up after 15 s), and acts in the background. report, if not nil,
// hears about each callback handled.
func (s *Service) Receiver(secret string, report func(*store.Task, *api.Callback, error)) http.Handler {
	gate := newCallbackGate(s.now)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxCallbackBody))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		cb, err := api.DecodeCallback(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if secret != "" {
			err := api.VerifyCallback(secret, cb.TaskID, r.Header.Get("X-Webhook-Timestamp"), r.Header.Get("X-Webhook-Signature"), s.now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		switch gate.admit(cb.TaskID, func() bool { return s.callbackCostsCall(cb) }) {
		case overLimit:
			w.Header().Set("Retry-After", "10")
			http.Error(w, "too many callbacks; try again later", http.StatusTooManyRequests)
			return
		case duplicate:
			answerCallback(w, "already handled")
			return
		}
		answerCallback(w, "received")
		go s.handleInBackground(cb, gate, report)
	})
}

func answerCallback(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"code":200,"msg":%q}`, msg)
}

// callbackCostsCall: handling cb will ask the service (a task we know, or
// unknown creates it might settle). Read errors count as a call, the
// careful side.
func (s *Service) callbackCostsCall(cb *api.Callback) bool {
	if _, err := s.store.Get(cb.TaskID); err == nil {
		return true
	}
	_, err := s.unknownCandidates(cb)
	return !errors.Is(err, ErrNoMatch)
}

func (s *Service) handleInBackground(cb *api.Callback, gate *callbackGate, report func(*store.Task, *api.Callback, error)) {
	var (
		t   *store.Task
		err error
	)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("callback handling panicked", "task", cb.TaskID, "panic", r)
			err = fmt.Errorf("handling the callback failed: %v", r)
		}
		gate.finish(cb.TaskID, sureAnswer(t, err))
		if report != nil {
			report(t, cb, err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t, err = s.HandleCallback(ctx, cb)
	if err != nil {
		s.log.Warn("callback not applied", "task", cb.TaskID, "err", err)
	}
}

// sureAnswer: what the service said about the callback's task will not
// change, so a repeat of it is not worth another call.
func sureAnswer(t *store.Task, err error) bool {
	switch {
	case err == nil:
		return t != nil && store.Finished(t.Status)
	case errors.Is(err, ErrNoMatch):
		return true
	case !errors.Is(err, ErrNotConfirmed):
		return false
	}
	switch api.KindOf(err) {
	case api.KindTransport, api.KindServer, api.KindRateLimited, api.KindMaintenance:
		return false // the service did not really answer: a repeat may be worth it
	}
	return true
}

// CallbackServer is the receiver listening on an address.
type CallbackServer struct {
	Addr string // the address actually listened on
	srv  *http.Server
	done chan error
}

// ListenCallbacks serves Receiver on addr in the background, with timeouts
// that keep slow or idle clients from holding it.
func (s *Service) ListenCallbacks(addr, secret string, report func(*store.Task, *api.Callback, error)) (*CallbackServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("callback receiver: cannot listen on %s: %w", addr, err)
	}
	cs := &CallbackServer{Addr: ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: s.Receiver(secret, report), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second}}
	go func() {
		defer func() { _ = recover() }()
		err := cs.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		cs.done <- err
	}()
	return cs, nil
}

// Done yields once when the server stops: nil after Stop, else why.
func (cs *CallbackServer) Done() <-chan error { return cs.done }

// Stop shuts the receiver down, giving callbacks in flight a moment.
func (cs *CallbackServer) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return cs.srv.Shutdown(ctx)
}

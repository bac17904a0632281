package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// ErrNoMatch: a callback names a task that is not in the history and
// matches no unknown create; it is logged and otherwise ignored.
var ErrNoMatch = errors.New("the callback matches no task in the history")

// HandleCallback acts on a task-end notification. The body is not signed,
// so it is only a hint: a task we know is confirmed with record-info, and an
// "unknown" create is settled only when exactly one matches the request the
// callback echoes (prompt, and seed when given).
func (s *Service) HandleCallback(ctx context.Context, cb *api.Callback) (*store.Task, error) {
	if t, err := s.store.Get(cb.TaskID); err == nil {
		return s.Refresh(ctx, t.LocalID)
	}
	match, err := s.unknownMatching(cb)
	if err != nil {
		return nil, err
	}
	s.log.Info("callback settles an unknown create", "local", match.LocalID, "task", cb.TaskID)
	return s.Settle(ctx, match.LocalID, cb.TaskID)
}

func (s *Service) unknownMatching(cb *api.Callback) (*store.Task, error) {
	if cb.Prompt == "" {
		return nil, fmt.Errorf("%w (%s; the callback carries no prompt to match an unknown create)", ErrNoMatch, cb.TaskID)
	}
	active, err := s.store.Active()
	if err != nil {
		return nil, err
	}
	var found []store.Task
	for _, t := range active {
		if t.Status == store.StatusUnknown && t.Request.Prompt == cb.Prompt && seedMatches(t, cb) {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%w (%s matches %d unknown creates; settle it by hand)", ErrNoMatch, cb.TaskID, len(found))
	}
	return &found[0], nil
}

func seedMatches(t store.Task, cb *api.Callback) bool {
	seed, ok := cb.Params["seeds"].(float64)
	return !ok || t.Request.Seed == 0 || int(seed) == t.Request.Seed
}

// Receiver is an http.Handler for the service's callbacks. It bounds the
// body, checks the signature when a secret is set, answers at once (the
// service gives up after 15 s), and acts in the background. report, if not
// nil, hears about each callback handled.
func (s *Service) Receiver(secret string, report func(*store.Task, *api.Callback, error)) http.Handler {
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
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":200,"msg":"received"}`)
		go s.handleInBackground(cb, report)
	})
}

func (s *Service) handleInBackground(cb *api.Callback, report func(*store.Task, *api.Callback, error)) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("callback handling panicked", "task", cb.TaskID, "panic", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t, err := s.HandleCallback(ctx, cb)
	if err != nil {
		s.log.Warn("callback not applied", "task", cb.TaskID, "err", err)
	}
	if report != nil {
		report(t, cb, err)
	}
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

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
// record-info, asked with the user's key, knows the callback's id, no
// other entry of the history holds that id, and the request the callback
// echoes (or, when it echoes none, the one the record echoes) is that of
// exactly one unknown create (see confirmedMatch).
func (s *Service) HandleCallback(ctx context.Context, cb *api.Callback) (*store.Task, error) {
	if t, err := s.store.Get(cb.TaskID); err == nil {
		if up := s.refreshIDlessUpscales(ctx, t); up != nil {
			return up, nil
		}
		return s.Refresh(ctx, t.LocalID)
	}
	unknown, err := s.unknownCandidates(cb)
	if err != nil {
		return nil, err
	}
	rec, err := s.api.RecordInfo(ctx, cb.TaskID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotConfirmed, cb.TaskID, err)
	}
	match, note, err := confirmedMatch(cb, rec, unknown)
	if err != nil {
		return nil, err
	}
	s.log.Info("callback settles an unknown create, confirmed by record-info", "local", match.LocalID, "task", cb.TaskID, "note", note)
	return s.attach(match.LocalID, cb.TaskID, rec, note)
}

// refreshIDlessUpscales follows, on a callback naming src, the running
// upscales of src that have no id of their own: a 4K the service named by
// its source's id (ownID) is recorded that way, so its callback carries
// the source's id, and refreshing the long-finished source alone would
// leave the 4K waiting for its next poll (or, headless under 'veox
// receive', for ever). It returns the last one refreshed, nil if none.
func (s *Service) refreshIDlessUpscales(ctx context.Context, src *store.Task) *store.Task {
	if src.TaskID == "" {
		return nil
	}
	kids, err := s.store.Children(src.TaskID)
	if err != nil {
		return nil
	}
	var last *store.Task
	for i := range kids {
		k := &kids[i]
		if k.Kind != store.KindUpscale || k.TaskID != "" || k.Status != store.StatusRunning {
			continue
		}
		if t, err := s.Refresh(ctx, k.LocalID); err == nil {
			last = t
		}
	}
	return last
}

// unknownCreates are the creates whose answer was lost.
type unknownCreates struct {
	all        []store.Task // every unknown create
	candidates []store.Task // those whose request the callback echoes (all when it echoes none)
}

// unknownCandidates finds the unknown creates a callback may settle: those
// whose request it echoes, or all of them when it echoes none (the
// documented success callback does not). None means no call is worth
// making (ErrNoMatch).
func (s *Service) unknownCandidates(cb *api.Callback) (*unknownCreates, error) {
	active, err := s.store.Active()
	if err != nil {
		return nil, err
	}
	prompt, seed, hasSeed := echoed(cb.Params)
	u := &unknownCreates{}
	for _, t := range active {
		if t.Status != store.StatusUnknown {
			continue
		}
		u.all = append(u.all, t)
		if (prompt != "" && !samePrompt(t, prompt)) || (hasSeed && !sameSeed(t, seed)) {
			continue
		}
		u.candidates = append(u.candidates, t)
	}
	if len(u.candidates) == 0 {
		return nil, fmt.Errorf("%w (%s is not in the history and matches no unknown create)", ErrNoMatch, cb.TaskID)
	}
	return u, nil
}

// echoed is the prompt and seed a request echo (a callback's promptJson,
// a record's paramJson) carries.
func echoed(params map[string]any) (prompt string, seed int, hasSeed bool) {
	prompt, _ = params["prompt"].(string)
	f, hasSeed := params["seeds"].(float64)
	return strings.TrimSpace(prompt), int(f), hasSeed
}

// matching are the tasks made from prompt (and seed, when given).
func matching(ts []store.Task, prompt string, seed int, hasSeed bool) []store.Task {
	var out []store.Task
	for _, t := range ts {
		if samePrompt(t, prompt) && (!hasSeed || sameSeed(t, seed)) {
			out = append(out, t)
		}
	}
	return out
}

// confirmedMatch picks the one unknown create a callback settles, once
// record-info has answered for its id with the user's key: a forged
// callback can then at most name a real task of that key that no entry of
// the history holds. The request is matched on the callback's own echo
// (promptJson) when it has one, else on the record's (paramJson). The two
// need not agree (kie's documentation shows a callback and a record of one
// task with different prompts), so a record that shows another prompt
// does not stop the settle; the note then says so plainly, for the
// timeline, where the user sees it and can act. It does stop it when that
// other prompt is another unknown create's: the id is then more likely
// that one's, and only the user can tell.
func confirmedMatch(cb *api.Callback, rec *api.Record, u *unknownCreates) (*store.Task, string, error) {
	id := cb.TaskID
	if rec.TaskID != "" && rec.TaskID != id {
		return nil, "", fmt.Errorf("%w: record-info for %s describes task %s", ErrNotConfirmed, id, rec.TaskID)
	}
	recPrompt, recSeed, recHasSeed := echoed(rec.Params)
	candidates := u.candidates
	if prompt, _, _ := echoed(cb.Params); prompt == "" {
		if recPrompt == "" {
			return nil, "", fmt.Errorf("%w: neither the callback nor the record of %s echoes a prompt, so it cannot be matched to a create: settle it by hand if it is yours", ErrNotConfirmed, id)
		}
		candidates = matching(candidates, recPrompt, recSeed, recHasSeed)
	}
	switch len(candidates) {
	case 0:
		return nil, "", fmt.Errorf("%w: task %s was made from another prompt than any unknown create", ErrNotConfirmed, id)
	case 1:
	default:
		return nil, "", fmt.Errorf("%w (%s matches %d unknown creates; settle it by hand)", ErrNoMatch, id, len(candidates))
	}
	match := &candidates[0]
	note := settledByCallback + "the service confirmed task " + id
	if recPrompt == "" || samePrompt(*match, recPrompt) {
		return match, note, nil
	}
	if others := matching(u.all, recPrompt, recSeed, recHasSeed); len(others) > 0 {
		return nil, "", fmt.Errorf("%w: the callback for %s echoes the prompt of %s, but the service's record shows the prompt of %s: settle it by hand",
			ErrNotConfirmed, id, match.LocalID, others[0].LocalID)
	}
	note += fmt.Sprintf("; the service's record shows another prompt: %q (this create's: %q). Check that the task is yours before you use or extend it",
		clip(api.Sanitize(recPrompt)), clip(api.Sanitize(match.Request.Prompt)))
	return match, note, nil
}

// settledByCallback begins the timeline note of a create a callback
// settled.
const settledByCallback = "settled by a callback: "

// CallbackSettleNote is the timeline's note on how a callback settled t, ""
// if none did: the receiver's faces show it, since it may say that the
// service's record shows another prompt.
func CallbackSettleNote(t *store.Task) string {
	if t == nil {
		return ""
	}
	for _, e := range t.Events {
		if strings.HasPrefix(e.Note, settledByCallback) {
			return e.Note
		}
	}
	return ""
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

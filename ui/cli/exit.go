package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// Exit codes: the contract scripts rely on, the same for every command
// (README, 'veox --help'). The question a script asks is whether a second
// run would pay again for what is already upstream: after 1 and 2 nothing
// runs or is billed there, after 3 something may be, after 4, 5 and 130
// it is, and the history tracks it.
const (
	ExitOK          = 0   // done
	ExitFailed      = 1   // the service refused or the task failed: nothing was created, or it ended failed
	ExitUsage       = 2   // bad input: nothing was sent
	ExitUnknown     = 3   // outcome unknown: a create may have been billed; never resent
	ExitRunning     = 4   // still running: stopped waiting (--timeout); the task is tracked
	ExitLocal       = 5   // done or accepted upstream, but a local step failed (download, disk, network while asking)
	ExitInterrupted = 130 // Ctrl-C: stopped waiting; the task is tracked
)

// exitCodesHelp is the table as 'veox --help' shows it.
const exitCodesHelp = `Exit codes (every command):
  0    done
  1    the service refused or the task failed (nothing to follow)
  2    bad input: nothing was sent
  3    outcome unknown: a create may have been billed; veox never resends it
  4    still running: stopped waiting (--timeout); the task is tracked
  5    done or accepted upstream, but a local step failed (download, disk, network while asking)
  130  interrupted by Ctrl-C; the task is tracked (a second Ctrl-C quits at once)`

// Error kinds of the --json error document that come from veox itself; the
// service's own kinds (auth, credits, policy, …) are api.Kind's names.
const (
	kindUsage       = "usage"           // a flag, argument or setting is wrong
	kindInput       = "input"           // a request field breaks a rule
	kindNotFound    = "not_found"       // no such task
	kindUnknown     = "unknown_outcome" // a create may have been billed
	kindRunning     = "still_running"   // --timeout ended the wait
	kindInterrupted = "interrupted"     // Ctrl-C or SIGTERM
	kindHistory     = "history"         // the history could not be read or written
	kindDownload    = "download"        // a result file could not be fetched or kept
	kindLocal       = "local"           // another local step failed
	kindBudget      = "budget"          // it would pass the daily limit, or was not confirmed
)

// exitError carries an exit code and an error kind with the message.
type exitError struct {
	code int
	kind string
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{ExitUsage, kindUsage, err} }

// failure is what an error means for the exit code and the JSON document.
type failure struct {
	exit    int
	kind    string
	code    int // the service's code, 0 when it did not answer with one
	message string
	hint    string
	budget  *tasks.OverBudgetError // the numbers of a refusal by the daily limit
}

// classify maps an error to the contract. Errors from asking the service
// about a task that exists (the network, a 5xx) are local (5): the task
// goes on upstream and nothing must invite a second, paid, create.
func classify(err error) failure {
	f := failure{exit: ExitFailed, kind: "error", message: oneLine(api.Sanitize(err.Error()))}
	var ee *exitError
	var ve *tasks.ValidationError
	var ob *tasks.OverBudgetError
	switch e, isAPI := api.AsError(err); {
	case errors.As(err, &ee):
		f.exit, f.kind = ee.code, ee.kind
		if isAPI {
			f.code, f.hint = e.Code, e.Hint
		}
	case errors.As(err, &ve):
		f.exit, f.kind = ExitUsage, kindInput
	case errors.As(err, &ob):
		f.exit, f.kind, f.budget = ExitUsage, kindBudget, ob
	case errors.Is(err, tasks.ErrUnknownOutcome):
		f.exit, f.kind = ExitUnknown, kindUnknown
	case errors.Is(err, store.ErrNotFound):
		f.exit, f.kind = ExitUsage, kindNotFound
	case isAPI:
		f.kind, f.code, f.hint = e.Kind.String(), e.Code, e.Hint
		if !refusal(e.Kind) {
			f.exit = ExitLocal
		}
	case errors.Is(err, store.ErrLocked), errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrTooNew),
		errors.Is(err, store.ErrReadOnly), errors.Is(err, tasks.ErrReadOnly):
		f.exit, f.kind = ExitLocal, kindHistory
	case errors.As(err, new(*os.PathError)), errors.Is(err, syscall.ENOSPC):
		f.exit, f.kind = ExitLocal, kindLocal
	}
	if h, ok := errors.AsType[hinted](err); ok && f.hint == "" {
		f.hint = h.Hint() // a local problem that says what to do (frames: install ffmpeg, download first)
	}
	return f
}

// hinted is a local error that knows what the user can do about it.
type hinted interface {
	error
	Hint() string
}

// refusal: the service answered and said no (or the task failed); asking
// again unchanged will not help. The other kinds are about reaching it.
func refusal(k api.Kind) bool {
	switch k {
	case api.KindTransport, api.KindServer, api.KindRateLimited, api.KindMaintenance, api.KindUnknown:
		return false
	}
	return true
}

// notSent marks a failure before a create left: whatever went wrong,
// nothing was created, so it is a 1 (or a 2 for input), never a 5.
func notSent(err error) error {
	f := classify(err)
	if f.exit == ExitUsage || f.exit == ExitUnknown || f.exit == ExitFailed {
		return err
	}
	return &exitError{ExitFailed, f.kind, err}
}

// localStep marks a failure after the task exists upstream: a 5 of the
// given kind (unless it was an interruption, which Execute tells apart).
func localStep(kind string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &exitError{ExitLocal, kind, err}
}

// interruption is the cause given to the command's context when a signal
// arrives, so the exit code can say which (130 for Ctrl-C).
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return "interrupted by " + i.sig.String() }

func (i interruption) code() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitInterrupted
}

// interrupted reports whether ctx ended because of a signal, and its code.
func interrupted(ctx context.Context) (int, bool) {
	var in interruption
	if ctx.Err() == nil {
		return 0, false
	}
	if errors.As(context.Cause(ctx), &in) {
		return in.code(), true
	}
	return ExitInterrupted, true
}

// report prints an error on stderr the way a user can act on: each broken
// rule on its own line, the service's hint after its message.
func report(w io.Writer, err error) {
	var ve *tasks.ValidationError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintln(w, "veox: nothing was sent:")
		for _, f := range ve.Fields {
			fmt.Fprintf(w, "  %s: %s\n", f.Field, api.Sanitize(f.Message))
		}
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "veox: interrupted")
	default:
		fmt.Fprintf(w, "veox: %s\n", oneLine(api.Sanitize(err.Error())))
		if e, ok := api.AsError(err); ok && e.Hint != "" {
			fmt.Fprintf(w, "      %s\n", e.Hint)
		} else if h, ok := errors.AsType[hinted](err); ok && h.Hint() != "" {
			fmt.Fprintf(w, "      %s\n", oneLine(h.Hint()))
		}
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

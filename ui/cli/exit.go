package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// Exit codes: the contract scripts rely on.
const (
	ExitOK      = 0 // done
	ExitFailed  = 1 // the service refused, the task failed, or something broke
	ExitUsage   = 2 // bad input: nothing was sent
	ExitUnknown = 3 // a create may have gone through: check before retrying
)

// exitError carries an exit code with the message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{ExitUsage, err} }

// ExitCode maps an error to the contract's codes.
func ExitCode(err error) int {
	var ee *exitError
	var ve *tasks.ValidationError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ve):
		return ExitUsage
	case errors.Is(err, tasks.ErrUnknownOutcome):
		return ExitUnknown
	}
	return ExitFailed
}

// report prints an error on stderr the way a user can act on: each broken
// rule on its own line, the service's hint after its message.
func report(w io.Writer, err error) {
	var ve *tasks.ValidationError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintln(w, "veox: nothing was sent:")
		for _, f := range ve.Fields {
			fmt.Fprintf(w, "  %s: %s\n", f.Field, f.Message)
		}
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "veox: interrupted")
	default:
		fmt.Fprintf(w, "veox: %s\n", oneLine(api.Sanitize(err.Error())))
		if e, ok := api.AsError(err); ok && e.Hint != "" {
			fmt.Fprintf(w, "      %s\n", e.Hint)
		}
		if errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrCorrupt) {
			return
		}
	}
}

func oneLine(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\n' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

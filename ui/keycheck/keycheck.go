// Package keycheck is how both screens that take an API key (the first
// run and Settings) check it before it is saved: the key must look like a
// key, then the service's balance read (free) must accept it. A key the
// service refuses is never saved; one that could not be checked (offline)
// only if the user insists. A check under way can be stopped: its late
// answer is dropped by its generation.
package keycheck

import (
	"context"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
)

// Func reads the balance with a key: the service refuses a wrong key
// with 401.
type Func func(ctx context.Context, key string) (credits float64, err error)

// Malformed says why k cannot be a key, "" when it may be one.
func Malformed(k string) string {
	if k == "" {
		return "nothing to check yet: paste your key"
	}
	for _, r := range k {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			return "a key has no spaces or control characters: copy it again from kie.ai's API key page"
		}
	}
	return ""
}

// DoneMsg is the answer of the check tagged Gen.
type DoneMsg struct {
	Gen     int
	Key     string
	Credits float64
	Err     error
}

// Check is one check under way: Gen tags its answer, Stop abandons it.
type Check struct {
	Gen  int
	stop context.CancelFunc
}

// Start checks k in a command, as generation gen.
func Start(ctx context.Context, check Func, gen int, k string) (Check, tea.Cmd) {
	ctx, stop := context.WithCancel(ctx)
	return Check{Gen: gen, stop: stop}, func() tea.Msg {
		defer stop()
		c, err := check(ctx, k)
		return DoneMsg{Gen: gen, Key: k, Credits: c, Err: err}
	}
}

// Stop abandons the check (the user pressed esc): its request is
// cancelled and its answer, tagged with a generation no longer current,
// is dropped.
func (c Check) Stop() {
	if c.stop != nil {
		c.stop()
	}
}

// Verdict says what a failed check means: a key the service refused
// (never to be saved) or a check that could not be made, after which the
// user may insist on saving the key unchecked.
func Verdict(err error) (why string, mayInsist bool) {
	if e, ok := api.AsError(err); ok && e.Kind == api.KindAuth {
		return "the service refused this key (" + e.Message + "), so it was not saved. " +
			"Copy the whole key again from kie.ai's API key page", false
	}
	return "could not check the key with the service: " + err.Error(), true
}

// Stopped is what a screen says when the user stopped a check.
const Stopped = "check stopped: nothing was saved"

// Package callbacks runs the receiver of the service's callBackUrl calls
// inside the TUI, so a creator who keeps veox open has tasks settled and
// finished as the service reports them, without a second process.
package callbacks

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// Msg is one callback the receiver acted on (Err says why not, if not).
type Msg struct {
	Task   *store.Task
	TaskID string
	Err    error
}

// Receiver hands the program what tasks.ListenCallbacks receives.
type Receiver struct {
	*tasks.CallbackServer
	events chan Msg
}

// Start listens on addr. Events are buffered; when the program is slow to
// read them the handler's own goroutine waits, never the service's request
// (the receiver has already answered it).
func Start(svc *tasks.Service, addr, secret string) (*Receiver, error) {
	r := &Receiver{events: make(chan Msg, 64)}
	cs, err := svc.ListenCallbacks(addr, secret, func(t *store.Task, cb *api.Callback, err error) {
		r.events <- Msg{Task: t, TaskID: cb.TaskID, Err: err}
	})
	if err != nil {
		return nil, err
	}
	r.CallbackServer = cs
	return r, nil
}

// Listen is the command that waits for the next event; the program issues
// it again after each one. A nil receiver never yields anything.
func (r *Receiver) Listen() tea.Cmd {
	if r == nil {
		return nil
	}
	return func() tea.Msg { return <-r.events }
}

// Stop shuts the receiver down; a nil receiver has nothing to stop.
func (r *Receiver) Stop() error {
	if r == nil {
		return nil
	}
	return r.CallbackServer.Stop()
}

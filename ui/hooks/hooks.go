// Package hooks runs the callback receiver inside the TUI, so a creator who
// keeps veox open has tasks settled and finished as the service reports
// them, without a second process that would need the history too.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

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

// Receiver serves callbacks on an address until Stop.
type Receiver struct {
	Addr   string // the address actually listened on
	events chan Msg
	srv    *http.Server
}

// Start listens on addr. Events are buffered; when the program is slow to
// read them the handler's own goroutine waits, never the service's request
// (the receiver has already answered it).
func Start(svc *tasks.Service, addr, secret string) (*Receiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("callback receiver: cannot listen on %s: %w", addr, err)
	}
	r := &Receiver{Addr: ln.Addr().String(), events: make(chan Msg, 64)}
	report := func(t *store.Task, cb *api.Callback, err error) {
		r.events <- Msg{Task: t, TaskID: cb.TaskID, Err: err}
	}
	r.srv = &http.Server{Handler: svc.Receiver(secret, report), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second}
	go func() {
		defer func() { _ = recover() }()
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.events <- Msg{Err: fmt.Errorf("callback receiver stopped: %w", err)}
		}
	}()
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

// Stop shuts the receiver down, giving in-flight callbacks a moment.
func (r *Receiver) Stop() error {
	if r == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

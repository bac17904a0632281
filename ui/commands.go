package ui

import (
	"context"
	"fmt"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/timer"
)

// The root's own results. Each carries what it needs to be applied; none
// of the commands touches the model.
type (
	recoveredMsg struct {
		changed []store.Task // submitting → unknown at this start
		active  []store.Task // to pick up again
		parts   []store.Task // extensions saved as their new part alone (tasks.AwaitsWhole)
		err     error
	}
	creditsMsg struct {
		credits float64
		err     error
	}
	// actionMsg is the outcome of an upscale, a settle or a dismiss.
	actionMsg struct {
		what   string // "upscale", "settle", "dismiss"
		task   *store.Task
		source *store.Task // upscale: the source as it now is (1080p marks it)
		err    error
	}
	flashClearMsg struct{ gen int }
	bellDoneMsg   struct{}
)

// flashFor is how long news stays in the status bar; errors stay until the
// next news.
const flashFor = 8 * time.Second

func recoverCmd(svc *tasks.Service) tea.Cmd {
	return func() tea.Msg {
		changed, err := svc.Recover()
		if err != nil {
			return recoveredMsg{changed: changed, err: err}
		}
		active, err := svc.Store().Active()
		if err != nil {
			return recoveredMsg{changed: changed, err: err}
		}
		parts, err := svc.AwaitingWhole()
		return recoveredMsg{changed: changed, active: active, parts: parts, err: err}
	}
}

// creditsCmd asks the service for the balance as of now; the service
// owns the readings (a recent one is reused) and bounds the call.
func creditsCmd(ctx context.Context, svc *tasks.Service) tea.Cmd {
	return func() tea.Msg {
		b, err := svc.Balance(ctx)
		return creditsMsg{credits: b.Credits, err: err}
	}
}

// upscaleCmd sends the create once; no timeout of ours may cut it short
// (the client bounds it), since a cut create becomes "unknown".
func upscaleCmd(ctx context.Context, svc *tasks.Service, id, to string) tea.Cmd {
	return func() tea.Msg {
		t, err := svc.Upscale(ctx, id, to)
		var src *store.Task
		if s, gerr := svc.Store().Get(id); gerr == nil {
			src = s
		}
		return actionMsg{what: "upscale", task: t, source: src, err: err}
	}
}

func settleCmd(ctx context.Context, svc *tasks.Service, s request.Settle) tea.Cmd {
	return func() tea.Msg {
		settle := svc.Settle
		if s.Force {
			settle = svc.SettleForce
		}
		t, err := settle(ctx, s.ID, s.TaskID)
		if t == nil && err != nil {
			t, _ = svc.Store().Get(s.ID)
		}
		return actionMsg{what: "settle", task: t, err: err}
	}
}

// hiddenMsg is the outcome of x on an entry.
type hiddenMsg struct {
	task *store.Task
	err  error
}

func hideCmd(svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		t, err := svc.Hide(id)
		return hiddenMsg{task: t, err: err}
	}
}

func dismissCmd(svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		t, err := svc.Dismiss(id)
		return actionMsg{what: "dismiss", task: t, err: err}
	}
}

// bellCmd rings the terminal bell: a plain BEL on the program's output,
// which the terminal treats as a bell even in the alternate screen.
func bellCmd(w io.Writer) tea.Cmd {
	return func() tea.Msg {
		_, _ = fmt.Fprint(w, "\a")
		return bellDoneMsg{}
	}
}

// notifiedMsg is the outcome of a desktop notification.
type notifiedMsg struct{ err error }

// notifyCmd raises a desktop notification; the text is ours (kinds, ids,
// durations) or already stripped of escape sequences by the client.
func notifyCmd(notify func(title, message string) error, title, message string) tea.Cmd {
	return func() tea.Msg { return notifiedMsg{err: notify(title, message)} }
}

func clearFlashAfter(tick timer.Func, gen int) tea.Cmd {
	return timer.After(tick, flashFor, func(time.Time) tea.Msg { return flashClearMsg{gen} })
}

package details

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/request"
)

// Settling asks the service first: the id the user typed is shown with
// the service's prompt, model and creation time beside the lost create's,
// and only a confirmed id is attached (a differing one only with F).

// settleCheckedMsg is the service's word on a typed id.
type settleCheckedMsg struct {
	local string // the unknown create it is for
	check *tasks.SettleCheck
	err   error
}

func checkSettleCmd(d Deps, local, taskID string) tea.Cmd {
	return func() tea.Msg {
		c, err := d.Service.CheckSettle(d.Ctx, local, taskID)
		return settleCheckedMsg{local: local, check: c, err: err}
	}
}

func (m Model) onSettleChecked(msg settleCheckedMsg) Model {
	if m.task == nil || msg.local != m.task.LocalID || m.mode != modeConfirmSettle || m.settle != nil {
		return m
	}
	if msg.err != nil {
		m.mode, m.note = modeSettle, "cannot check it: "+msg.err.Error()
		m.input.Focus()
		return m
	}
	m.settle = msg.check
	return m
}

func (m Model) onConfirmSettleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	c := m.settle
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode, m.settle = modeView, nil
		return m, nil
	case c == nil: // still asking
		return m, nil
	case key.Matches(msg, m.keys.Confirm) && c.Matches():
		m.mode, m.settle = modeView, nil
		return m, request.Cmd(request.Settle{ID: c.Local.LocalID, TaskID: c.TaskID})
	case key.Matches(msg, m.keys.Force) && !c.Matches():
		m.mode, m.settle = modeView, nil
		return m, request.Cmd(request.Settle{ID: c.Local.LocalID, TaskID: c.TaskID, Force: true})
	}
	return m, nil
}

// settleText sets the service's answer beside the lost create.
func (m Model) settleText() string {
	c := m.settle
	if c == nil {
		return "asking the service about that id… esc cancels"
	}
	l := c.Local
	var b strings.Builder
	if c.Known {
		fmt.Fprintf(&b, "The service's task %s: %q · model %s · made %s\n", format.Short(c.TaskID), clip(c.Prompt),
			orDash(c.Model), when(c.Created))
	}
	fmt.Fprintf(&b, "Your lost create: %q · model %s · sent %s\n", clip(l.Request.Prompt), orDash(l.Request.Model), when(l.CreatedAt))
	if c.Matches() {
		b.WriteString("They match. y/enter attaches the id (veox follows the task again), esc cancels.")
		return b.String()
	}
	b.WriteString("✗ " + strings.Join(c.Problems, "; ") + ". esc leaves it unknown; F attaches the id anyway.")
	return b.String()
}

func clip(s string) string { return format.Line(s, 60) }

func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("Jan 2 15:04")
}

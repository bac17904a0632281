package ui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/callbacks"
	"github.com/veox/veox/ui/compose"
	"github.com/veox/veox/ui/downloads"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/poller"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/tasklist"
)

// onResult applies the root's own results.
func (m Model) onResult(msg tea.Msg) (Model, tea.Cmd, bool) {
	if cmd, ev, ok := m.poller.Update(msg); ok {
		if ev == nil {
			return m, cmd, true
		}
		m2, c := m.onPoll(ev)
		return m2, tea.Batch(cmd, c), true
	}
	if m2, cmd, ok := m.onStoryResult(msg); ok {
		return m2, cmd, true
	}
	switch msg := msg.(type) {
	case recoveredMsg:
		m2, cmd := m.onRecovered(msg)
		return m2, cmd, true
	case creditsMsg:
		m.bar.CreditsKnown = msg.err == nil
		m.bar.Credits = msg.credits
		m.bar.CreditsErr = ""
		if msg.err != nil {
			m.bar.CreditsErr = msg.err.Error()
			m2, cmd := m.fail("balance", "cannot read the balance: "+errText(msg.err))
			return m2, cmd, true
		}
		if m.onStack(scrAgain) {
			m.again = m.again.WithBalance(m.balance())
		}
		return m.resolve("balance"), nil, true
	case actionMsg:
		m2, cmd := m.onAction(msg)
		return m2, cmd, true
	case hiddenMsg:
		m2, cmd := m.onHidden(msg)
		return m2, cmd, true
	case againPlannedMsg:
		m2, cmd := m.onAgainPlanned(msg)
		return m2, cmd, true
	case againSentMsg:
		m2, cmd := m.onAgainSent(msg)
		return m2, cmd, true
	case hiddenManyMsg:
		m2, cmd := m.onHiddenMany(msg)
		return m2, cmd, true
	case flashClearMsg:
		if msg.gen == m.flashGen {
			m.bar.Message = ""
		}
		return m, nil, true
	case bellDoneMsg:
		return m, nil, true
	case notifiedMsg:
		m2, cmd := m.onNotified(msg)
		return m2, cmd, true
	case onFinishDoneMsg:
		m2, cmd := m.onFinishDone(msg)
		return m2, cmd, true
	case liveMsg:
		m2, cmd := m.onLive(msg)
		return m2, cmd, true
	case liveEndedMsg:
		if msg.err == nil {
			return m, nil, true // closed on the way out
		}
		m.o.logger().Warn("live updates stopped", "err", msg.err)
		m2, cmd := m.flash("changes by other veox no longer show here ("+msg.err.Error()+"); restart veox to see them", true)
		return m2, cmd, true
	case callbacks.Msg:
		m2, cmd := m.onCallback(msg)
		return m2, tea.Batch(cmd, m.o.Callbacks.Listen()), true
	}
	return m, nil, false
}

// onCallback shows what a callback did. A create it settled is running again,
// so the poller follows it; a task it finished is picked up by its own
// poll chain, which rings and downloads once, as for any end.
func (m Model) onCallback(msg callbacks.Msg) (Model, tea.Cmd) {
	if msg.Err != nil {
		m.o.logger().Warn("callback not applied", "task", msg.TaskID, "err", msg.Err)
		return m.flash("callback for "+format.Short(msg.TaskID)+" not applied: "+errText(msg.Err), true)
	}
	m.o.logger().Info("callback applied", "task", msg.Task.TaskID, "status", msg.Task.Status)
	m, c := m.changed(request.TaskChanged{Task: *msg.Task})
	cmds := []tea.Cmd{c}
	if msg.Task.Status == store.StatusRunning {
		cmds = append(cmds, m.poller.Watch(msg.Task))
		m.bar.Running = m.poller.Running()
	}
	m2, f := m.flash("callback: "+format.ID(msg.Task)+" is "+msg.Task.Status, false)
	return m2, tea.Batch(append(cmds, f)...)
}

// onRecovered picks up every running task and says what needs the user.
func (m Model) onRecovered(msg recoveredMsg) (Model, tea.Cmd) {
	var start tea.Cmd
	m.list, start = m.list.Start()
	cmds := []tea.Cmd{start}
	unknown := 0
	for i := range msg.active {
		cmds = append(cmds, m.poller.Watch(&msg.active[i]))
		if msg.active[i].Status == store.StatusUnknown {
			unknown++
		}
	}
	if !m.o.ReadOnly { // a read-only veox could not record the whole video
		for i := range msg.parts {
			cmds = append(cmds, m.poller.ResumeWhole(&msg.parts[i]))
		}
	}
	m.bar.Running = m.poller.Running()
	m.bar.NeedYou = max(unknown, m.list.Count(store.StatusUnknown))
	switch {
	case msg.err != nil:
		m2, c := m.flash("cannot pick up running tasks: "+msg.err.Error(), true)
		m, cmds = m2, append(cmds, c)
	case unknown > 0:
		m2, c := m.fail("unknown", fmt.Sprintf("%d create(s) never got an answer and may be billed: open them (view 1) to settle or dismiss", unknown))
		m, cmds = m2, append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

// onPoll shows a poll's news and, when a task ends, rings, refreshes the
// balance and fetches the files.
func (m Model) onPoll(ev *poller.Event) (Model, tea.Cmd) {
	m.bar.LastPoll = ev.At
	m.bar.Running = m.poller.Running()
	var cmds []tea.Cmd
	if ev.Task != nil {
		var c tea.Cmd
		m, c = m.changed(request.TaskChanged{Task: *ev.Task})
		cmds = append(cmds, c)
	}
	switch {
	case ev.Err != nil:
		m.o.logger().Warn("poll failed", "err", ev.Err)
		text := "polling failed: " + errText(ev.Err)
		if !ev.Ended {
			text += fmt.Sprintf(" (retrying in %s)", format.Rough(ev.Backoff))
		}
		m2, c := m.fail("poll", text)
		m, cmds = m2, append(cmds, c)
	default:
		m = m.resolve("poll")
	}
	switch {
	case ev.Ended && ev.Whole && ev.Task != nil:
		m2, c := m.onWholeListed(ev.Task)
		m, cmds = m2, append(cmds, c)
	case ev.Ended && ev.Task != nil && store.Finished(ev.Task.Status):
		m2, c := m.onEnded(ev.Task)
		m, cmds = m2, append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

func (m Model) onEnded(t *store.Task) (Model, tea.Cmd) {
	// A step of a running story may be what ended: the stories go on.
	cmds := []tea.Cmd{creditsCmd(m.ctx, m.o.Service), runningStoriesCmd(m.o.Service)}
	if m.o.Settings.Bell {
		cmds = append(cmds, bellCmd(m.out))
	}
	label := format.Kind(t) + " " + format.Short(format.ID(t))
	var text string
	var isErr bool
	if t.Status == store.StatusFailed {
		text, isErr = label+" failed: "+taskErrText(t), true
	} else {
		text = label + " finished in " + format.Duration(format.Elapsed(t, m.o.Now()))
		if m.o.Settings.AutoDownload && tasks.NeedsDownload(t) {
			var c tea.Cmd
			if m.downloads, c, _ = m.downloads.Start(t.LocalID, false); c != nil {
				cmds = append(cmds, c)
				text += "; downloading"
			}
			m.bar.Downloading = m.downloads.Active()
		}
	}
	cmds = append(cmds, m.tellEnd(t, "veox: "+label, text)...)
	m2, c := m.flash(text, isErr)
	return m2, tea.Batch(append(cmds, c)...)
}

// onNotified: a desktop notification that failed is said once (not at
// every end), with how to turn them off.
func (m Model) onNotified(msg notifiedMsg) (Model, tea.Cmd) {
	if msg.err == nil || m.notified {
		return m, nil
	}
	m.notified = true
	m.o.logger().Warn("desktop notification failed", "err", msg.err)
	return m.flash("desktop notifications do not work here ("+msg.err.Error()+"); S turns them off", true)
}

// onSubmitted: the composer's create came back. Accepted or unknown closes
// the composer and selects the task; refused leaves the form for a
// rephrase (the composer shows why).
func (m Model) onSubmitted(msg compose.SubmittedMsg) (tea.Model, tea.Cmd) {
	t := msg.Task
	if t == nil {
		return m, nil
	}
	cmds := []tea.Cmd{creditsCmd(m.ctx, m.o.Service)}
	var c tea.Cmd
	m, c = m.changed(request.TaskChanged{Task: *t})
	cmds = append(cmds, c)
	var text string
	isErr := true
	switch {
	case t.Status == store.StatusRefused:
		text = "refused, nothing was created or charged: " + errText(msg.Err)
	case errors.Is(msg.Err, tasks.ErrUnknownOutcome) || t.Status == store.StatusUnknown:
		text = "the answer never came: the task may exist and be billed. veox will not resend it; open it to settle or dismiss"
	default:
		text, isErr = fmt.Sprintf("accepted: %s %s is running", t.Kind, format.Short(format.ID(t))), false
		cmds = append(cmds, m.poller.Watch(t))
		m.bar.Running = m.poller.Running()
	}
	if t.Status != store.StatusRefused && m.top() == scrCompose {
		delete(m.drafts, m.compose.DraftKey()) // sent: the draft is done with
		m.pop()
		m, c = m.selectTask(t)
		cmds = append(cmds, c)
	}
	m2, c := m.flash(text, isErr)
	return m2, tea.Batch(append(cmds, c)...)
}

// selectTask puts the cursor on a task, switching to All when the current
// view would not show it.
func (m Model) selectTask(t *store.Task) (Model, tea.Cmd) {
	var cmd tea.Cmd
	if m.list.Selected() == nil || m.list.Selected().LocalID != t.LocalID {
		m.list, cmd = m.list.Select(t.LocalID)
		if m.list.Selected() == nil || m.list.Selected().LocalID != t.LocalID {
			m.list, cmd = m.list.SetView(tasklist.All)
		}
	}
	return m, cmd
}

func (m Model) onAction(msg actionMsg) (Model, tea.Cmd) {
	var cmds []tea.Cmd
	if msg.what == "upscale" {
		m.creating--
		cmds = append(cmds, creditsCmd(m.ctx, m.o.Service))
		if msg.source != nil {
			var c tea.Cmd
			m, c = m.changed(request.TaskChanged{Task: *msg.source})
			cmds = append(cmds, c)
		}
	}
	if msg.task != nil {
		var c tea.Cmd
		m, c = m.changed(request.TaskChanged{Task: *msg.task})
		cmds = append(cmds, c, m.poller.Watch(msg.task))
		m.bar.Running = m.poller.Running()
	}
	text, isErr := actionText(msg)
	m2, c := m.flash(text, isErr)
	return m2, tea.Batch(append(cmds, c)...)
}

func actionText(msg actionMsg) (string, bool) {
	switch {
	case msg.err != nil && errors.Is(msg.err, tasks.ErrUnknownOutcome):
		return msg.what + ": the answer never came; the request may have been billed. veox will not resend it", true
	case msg.err != nil:
		return msg.what + " failed: " + errText(msg.err), true
	case msg.what == "upscale":
		return "upscale requested: " + format.ID(msg.task) + " is running", false
	case msg.what == "settle":
		return "settled: veox follows task " + format.ID(msg.task) + " again", false
	}
	return "dismissed: kept in the history as failed", false
}

// onDownloaded reports a finished download run.
func (m Model) onDownloaded(f *downloads.Finished) (Model, tea.Cmd) {
	m.bar.Downloading = m.downloads.Active()
	var cmds []tea.Cmd
	if f.Task != nil && !m.o.ReadOnly {
		var c tea.Cmd
		m, c = m.changed(request.TaskChanged{Task: *f.Task})
		// Only the new part could be had: keep asking for the whole video.
		cmds = append(cmds, c, m.poller.WatchWhole(f.Task))
	}
	var text string
	switch {
	case f.Err != nil && m.o.ReadOnly:
		text = "download: " + errText(f.Err) + " (read-only: files may be on disk but are not recorded in the history)"
	case f.Err != nil:
		text = "download failed: " + errText(f.Err) + " (d tries again; it resumes)"
	case len(f.Files) > 0:
		last := f.Files[len(f.Files)-1]
		text = format.Fetched(last.File, last.Wrote, last.Waited)
	default:
		text = "download finished"
	}
	m2, c := m.flash(text, f.Err != nil)
	return m2, tea.Batch(append(cmds, c)...)
}

// errText is an error with the service's hint when there is one.
func errText(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := api.AsError(err); ok && e.Hint != "" {
		return e.Error() + " — " + e.Hint
	}
	return err.Error()
}

func taskErrText(t *store.Task) string {
	if t.Error == nil {
		return "no reason given"
	}
	s := t.Error.Message
	if t.Error.Hint != "" {
		s += " — " + t.Error.Hint
	}
	return s
}

// onHidden takes a removed entry off the list, or says why it stays.
func (m Model) onHidden(msg hiddenMsg) (Model, tea.Cmd) {
	switch {
	case errors.Is(msg.err, tasks.ErrKept):
		return m.flash("x removes only entries never created upstream (refused or dismissed): "+format.ID(msg.task)+
			" "+tasks.WhyKeep(msg.task)+"; veox rm --force removes its local record, never a file", true)
	case msg.err != nil:
		return m.flash("could not remove the entry: "+errText(msg.err), true)
	}
	var c tea.Cmd
	m.list, c = m.list.Remove(msg.task.LocalID)
	text := "removed the " + format.StatusWord(msg.task.Status) + " entry " + format.ID(msg.task) + " from the history"
	if len(msg.task.Files) > 0 {
		text += "; its files stay"
	}
	m2, f := m.flash(text, false)
	return m2, tea.Batch(c, f)
}

// onWholeListed: a finished extension saved as its new part alone is
// listed with its whole video now (or the service no longer keeps it).
// The whole video is fetched beside the part when downloads are automatic.
func (m Model) onWholeListed(t *store.Task) (Model, tea.Cmd) {
	if !tasks.NeedsDownload(t) {
		return m, nil
	}
	label := format.Kind(t) + " " + format.Short(format.ID(t))
	if !m.o.Settings.AutoDownload {
		return m.flash(label+": the service lists the whole video now; d downloads it beside the part", false)
	}
	var c tea.Cmd
	m.downloads, c, _ = m.downloads.Start(t.LocalID, false)
	m.bar.Downloading = m.downloads.Active()
	m2, f := m.flash(label+": the service lists the whole video now; downloading it beside the part", false)
	return m2, tea.Batch(c, f)
}

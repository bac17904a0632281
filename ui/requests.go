package ui

import (
	"strings"

	"github.com/veox/veox/ui/messages"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/compose"
	"github.com/veox/veox/ui/details"
	"github.com/veox/veox/ui/request"
)

// onRequest carries out what a screen asked for.
func (m Model) onRequest(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case request.Back:
		m.pop()
		return m, nil, true
	case request.Flash:
		m2, cmd := m.flash(msg.Text, msg.Err)
		return m2, cmd, true
	case request.TaskChanged:
		m2, cmd := m.changed(msg)
		return m2, cmd, true
	case request.OpenDetails:
		m2, cmd := m.openDetails(msg.ID)
		if msg.Upscale {
			m2.details = box(m2.details.v().AskUpscale())
		}
		return m2, cmd, true
	case request.DownloadMany:
		m2, cmd := m.downloadMany(msg.IDs)
		return m2, cmd, true
	case request.ShowDownloads:
		m.push(scrDownloads)
		return m, nil, true
	case request.ShowSpending:
		m.push(scrSpending)
		var cmd tea.Cmd
		m.spending, cmd = m.spending.Load()
		return m, cmd, true
	case request.Download:
		m2, cmd := m.download(msg.ID, msg.Force)
		return m2, cmd, true
	}
	if m2, cmd, ok := m.onStoryRequest(msg); ok {
		return m2, cmd, true
	}
	return m.onChangeRequest(msg)
}

// onChangeRequest handles the requests that create or change tasks; a
// read-only veox refuses them with the reason.
func (m Model) onChangeRequest(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg.(type) {
	case request.Extend, request.Generate, request.Upscale, request.Settle, request.Dismiss, request.Hide, request.HideMany, request.AgainMany:
		if m.o.ReadOnly {
			m2, cmd := m.flash(tasks.ErrReadOnly.Error(), true)
			return m2, cmd, true
		}
	default:
		return m, nil, false
	}
	switch msg := msg.(type) {
	case request.Extend:
		c := compose.NewExtend(m.composeDeps(), msg.Source)
		if msg.Again != nil {
			c = c.WithPrefill(compose.PrefillFrom(msg.Again))
		}
		m2, cmd := m.openCompose(c, msg.Again == nil)
		return m2, cmd, true
	case request.Generate:
		c := compose.NewGenerate(m.composeDeps())
		if msg.Again != nil {
			c = c.WithPrefill(compose.PrefillFrom(msg.Again))
		}
		m2, cmd := m.openCompose(c, msg.Again == nil)
		return m2, cmd, true
	case request.Upscale:
		m.creating++
		m2, flash := m.flash("asking the service for a "+msg.To+" version…", false)
		return m2, tea.Batch(flash, upscaleCmd(m.ctx, m.o.Service, msg.ID, msg.To)), true
	case request.Settle:
		return m, settleCmd(m.ctx, m.o.Service, msg), true
	case request.Dismiss:
		return m, dismissCmd(m.o.Service, msg.ID), true
	case request.Hide:
		return m, hideCmd(m.o.Service, msg.ID), true
	case request.HideMany:
		return m, hideManyCmd(m.o.Service, msg.IDs), true
	case request.AgainMany:
		return m, planAgainCmd(m.o.Service, msg.Tasks), true
	}
	return m, nil, false
}

// openCompose shows a form; withDraft restores the draft kept for it, if
// any ("run again" fills the form from the task instead, and the draft
// stays kept). A form it replaces keeps its own draft.
func (m Model) openCompose(c compose.Model, withDraft bool) (Model, tea.Cmd) {
	if m.composing && m.compose.Busy() {
		m2, cmd := m.flash("a create is being sent; wait for its answer", true)
		return m2, cmd
	}
	if m.top() == scrCompose {
		m = m.keepDraft(m.compose.Draft())
		m.pop()
	}
	if d, ok := m.drafts[c.DraftKey()]; ok && withDraft {
		c = c.WithDraft(d)
	}
	m.compose, m.composing = c.SetSize(m.width, m.bodyHeight()), true
	m.push(scrCompose)
	return m, m.compose.Init()
}

func (m Model) openDetails(id string) (Model, tea.Cmd) {
	m.details = box(details.New(m.detailsDeps(), id).SetSize(m.width, m.bodyHeight()))
	m.hasDet = true
	if m.top() != scrDetails {
		m.push(scrDetails)
	}
	return m, m.details.v().Init()
}

func (m Model) download(id string, force bool) (Model, tea.Cmd) {
	d, cmd, ok := m.downloads.Start(id, force)
	m.downloads = d
	if !ok {
		return m.flash("already downloading this task: f shows the progress", false)
	}
	m.bar.Downloading = m.downloads.Active()
	m2, flash := m.flash("downloading… f shows the progress", false)
	return m2, tea.Batch(cmd, flash)
}

// keepDraft keeps what the open form holds, for the next time it opens.
func (m Model) keepDraft(d compose.Draft) Model {
	m.drafts[m.compose.DraftKey()] = d
	return m
}

// onCancelled closes the composer, keeping its draft when there is one
// (and saying how to get it back), forgetting it when the form was emptied.
func (m Model) onCancelled(msg compose.CancelledMsg) (Model, tea.Cmd) {
	if m.top() != scrCompose {
		return m, nil
	}
	key := m.compose.DraftKey()
	m.pop()
	if msg.Draft == nil {
		delete(m.drafts, key)
		return m, nil
	}
	m.drafts[key] = *msg.Draft
	again := "g opens it again"
	switch {
	case strings.HasPrefix(key, "extend "):
		again = "n on the same video opens it again"
	case key == "extend":
		again = "N opens it again"
	}
	return m.flash("draft kept: "+again, false)
}

// flash shows news in the status bar and keeps it in the message log;
// news clears itself after a while, an error stays until the next news.
func (m Model) flash(text string, isErr bool) (Model, tea.Cmd) {
	return m.news(text, isErr, "")
}

// fail shows an error about cause (see Model.errCause): it stays until the
// next news or until resolve(cause) says the cause is gone.
func (m Model) fail(cause, text string) (Model, tea.Cmd) { return m.news(text, true, cause) }

func (m Model) news(text string, isErr bool, cause string) (Model, tea.Cmd) {
	m.flashGen++
	m.log = m.log.Add(messages.Entry{At: m.o.Now(), Text: text, Err: isErr})
	if m.onStack(scrMessages) {
		m.msgs = m.msgs.Show(m.log)
	}
	m.errCause = ""
	if isErr {
		m.bar.Error, m.bar.Message, m.errCause = text, "", cause
		return m, nil
	}
	m.bar.Error, m.bar.Message = "", text
	return m, clearFlashAfter(m.o.Tick, m.flashGen)
}

// resolve takes the bar's error away when it was about cause, which is now
// gone (a good poll after failed ones, a balance read after a failed one,
// the last unknown create settled); the log keeps it.
func (m Model) resolve(cause string) Model {
	if cause != "" && m.errCause == cause {
		m.bar.Error, m.errCause = "", ""
	}
	return m
}

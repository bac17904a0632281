package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/again"
	"github.com/veox/veox/ui/compose"
	"github.com/veox/veox/ui/downloads"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/messages"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/settings"
)

// Update only routes: sizes to every screen, keys to whoever has focus,
// requests to their handlers, results to their owners even when hidden.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m = m.resize(msg.Width, msg.Height)
		var cmd tea.Cmd
		m.list, cmd = m.list.Resized() // a pane the width brought in asks for its picture
		return m, cmd
	case tea.KeyMsg:
		return m.onKeys(msg)
	case tea.MouseMsg:
		return m.onMouse(msg)
	case tea.FocusMsg:
		m.focus = focusIn
		return m, nil
	case tea.BlurMsg:
		m.focus = focusOut
		return m, nil
	case compose.SubmittedMsg:
		return m.onSubmitted(msg)
	case compose.CancelledMsg:
		return m.onCancelled(msg)
	case messages.BackMsg:
		if m.top() == scrMessages {
			m.pop()
		}
		return m, nil
	case settings.SavedMsg:
		return m.onSettingsSaved(msg)
	case again.ConfirmMsg:
		return m.onAgainConfirmed()
	case again.CancelMsg:
		if m.top() == scrAgain && !m.again.Busy() {
			m.pop()
		}
		return m, nil
	case again.StopMsg:
		return m, nil // the review sends no more after the create in flight
	case settings.ClosedMsg:
		if m.top() == scrSettings {
			m.pop()
		}
		return m, nil
	}
	if m2, cmd, ok := m.onRequest(msg); ok {
		return m2, cmd
	}
	if m2, cmd, ok := m.onResult(msg); ok {
		return m2, cmd
	}
	return m.broadcast(msg)
}

func (m Model) resize(w, h int) Model {
	m.width, m.height = w, h
	m.help.Width = w
	bh := m.bodyHeight()
	m.list = m.list.SetSize(w, bh)
	m.downloads = m.downloads.SetSize(w, bh)
	m.spending = m.spending.SetSize(w, bh)
	m.msgs = m.msgs.SetSize(w, bh)
	if m.settings.p != nil {
		m.settings = box(m.settings.v().SetSize(w, bh))
	}
	if m.hasDet {
		m.details = box(m.details.v().SetSize(w, bh))
	}
	if m.composing {
		m.compose = m.compose.SetSize(w, bh)
	}
	if m.sc.hasStory {
		m.sc.story = m.sc.story.SetSize(w, bh)
	}
	if m.sc.hasTree {
		m.sc.tree = m.sc.tree.SetSize(w, bh)
	}
	if m.onStack(scrAgain) {
		m.again = m.again.SetSize(w, bh)
	}
	return m
}

// typing: a text field has focus on the top screen, so runes are text.
func (m Model) typing() bool {
	switch m.top() {
	case scrCompose:
		return m.compose.Typing()
	case scrDetails:
		return m.details.v().Typing()
	case scrTasks:
		return m.list.Typing()
	case scrSettings:
		return m.settings.v().Typing()
	case scrStory:
		return m.sc.story.Typing()
	}
	return false
}

// capturing: the top screen takes every key (a text field has focus, or a
// step of the composer where esc belongs to it), so global keys wait.
func (m Model) capturing() bool {
	switch m.top() {
	case scrCompose:
		return m.compose.Capturing()
	case scrDetails:
		return m.details.v().Typing()
	case scrTasks:
		return m.list.Typing()
	case scrSettings:
		return m.settings.v().Capturing()
	case scrStory:
		return m.sc.story.Capturing()
	case scrAgain:
		return m.again.Capturing()
	}
	return false
}

// onKeys: behind the "too small" screen only ctrl+c acts, since the user
// cannot see what a key would do. While a field has focus a key message
// goes to it whole (its runes are text); elsewhere runes that arrived
// together are one press each.
func (m Model) onKeys(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.tooSmall() {
		return m.onKeyTooSmall(msg)
	}
	if m.typing() {
		if input.IsText(msg) {
			return m.toTop(msg) // even "ctrl+c" typed as words is text
		}
		return m.onKey(msg)
	}
	presses := input.Presses(msg)
	if len(presses) == 1 {
		return m.onKey(presses[0]) // the usual case: the root is boxed once, not twice
	}
	var cmds []tea.Cmd
	for _, press := range presses {
		next, cmd := m.onKey(press)
		m, cmds = next.(Model), append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// onKeyTooSmall: ctrl+c quits, asking first while a create is in flight
// (the question is drawn in the small screen; a second ctrl+c quits).
func (m Model) onKeyTooSmall(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if !key.Matches(msg, m.keys.ForceQuit) {
		return m, nil
	}
	if m.top() == scrQuit {
		return m, tea.Quit
	}
	return m.quit()
}

func (m Model) onKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch top := m.top(); {
	case top == scrQuit:
		return m.onQuitKey(msg)
	case key.Matches(msg, m.keys.ForceQuit):
		return m.quit()
	case m.capturing():
		return m.toTop(msg)
	case top == scrHelp:
		return m.onHelpKey(msg), nil
	case key.Matches(msg, m.keys.Quit) && top != scrCompose:
		// In the composer q is not a way out: a stray q on a choice field
		// would throw away a typed prompt. esc steps back; ctrl+c quits.
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.helpOffset = 0
		m.push(scrHelp)
		return m, nil
	case key.Matches(msg, m.keys.Messages) && top != scrMessages:
		m.msgs = m.msgs.Show(m.log)
		m.push(scrMessages)
		return m, nil
	case key.Matches(msg, m.keys.Settings) && top != scrCompose:
		return m.openSettings()
	}
	return m.toTop(msg)
}

// quit asks first while a create is in flight: leaving then would make its
// outcome unknown.
func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.busy() {
		m.push(scrQuit)
		return m, nil
	}
	return m, tea.Quit
}

func (m Model) busy() bool {
	return m.creating > 0 || (m.composing && m.compose.Busy()) || m.storyBusy() || (m.onStack(scrAgain) && m.again.Busy())
}

func (m Model) onQuitKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Yes):
		return m, tea.Quit
	case key.Matches(msg, m.keys.No), key.Matches(msg, m.keys.ForceQuit):
		m.pop()
	}
	return m, nil
}

// toTop sends a key to the active screen only.
func (m Model) toTop(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.top() {
	case scrTasks:
		m.list, cmd = m.list.Update(msg)
	case scrDetails:
		m.details, cmd = rebox(m.details.v().Update(msg))
	case scrDownloads:
		m.downloads, cmd, _ = m.downloads.Update(msg)
	case scrCompose:
		m.compose, cmd = m.compose.Update(msg)
	case scrMessages:
		m.msgs, cmd = m.msgs.Update(msg)
	case scrSettings:
		m.settings, cmd = rebox(m.settings.v().Update(msg))
	case scrSpending:
		m.spending, cmd = m.spending.Update(msg, true)
	case scrStory:
		m.sc.story, cmd = m.sc.story.Update(msg)
	case scrTree:
		m.sc.tree, cmd = m.sc.tree.Update(msg)
	case scrAgain:
		m.again, cmd = m.again.Update(msg)
	}
	return m, cmd
}

// broadcast hands any other message to every live screen: each drops what
// is not its own (results carry ids and generation tags).
func (m Model) broadcast(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	m = m.needYou() // the counts arrive here
	cmds = append(cmds, cmd)
	if m.hasDet {
		m.details, cmd = rebox(m.details.v().Update(msg))
		cmds = append(cmds, cmd)
	}
	if m.composing {
		m.compose, cmd = m.compose.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.onStack(scrSettings) {
		m.settings, cmd = rebox(m.settings.v().Update(msg)) // the answers of its check and save
		cmds = append(cmds, cmd)
	}
	m.spending, cmd = m.spending.Update(msg, m.top() == scrSpending)
	cmds = append(cmds, cmd)
	if m.sc.hasStory {
		m.sc.story, cmd = m.sc.story.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.sc.hasTree {
		m.sc.tree, cmd = m.sc.tree.Update(msg)
		cmds = append(cmds, cmd)
	}
	var fin *downloads.Finished
	m.downloads, cmd, fin = m.downloads.Update(msg)
	cmds = append(cmds, cmd)
	if fin != nil {
		m2, c := m.onDownloaded(fin)
		m, cmds = m2, append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

// changed tells the screens that show tasks about a new state of one.
func (m Model) changed(msg request.TaskChanged) (Model, tea.Cmd) {
	var c1, c2 tea.Cmd
	m.list, c1 = m.list.Update(msg)
	m = m.needYou()
	if m.hasDet {
		m.details, c2 = rebox(m.details.v().Update(msg))
	}
	var c3, c4, c5 tea.Cmd
	m.spending, c3 = m.spending.Update(msg, m.top() == scrSpending)
	if m.sc.hasStory {
		m.sc.story, c4 = m.sc.story.Update(msg)
	}
	if m.sc.hasTree {
		m.sc.tree, c5 = m.sc.tree.Update(msg)
	}
	return m, tea.Batch(c1, c2, c3, c4, c5)
}

// needYou shows how many creates wait for the user, once the list has
// counted them; once none does, the error that asked the user to settle
// them goes.
func (m Model) needYou() Model {
	if !m.list.Counted() {
		return m
	}
	m.bar.NeedYou = m.list.Count(store.StatusUnknown)
	if m.bar.NeedYou == 0 {
		m = m.resolve("unknown")
	}
	return m
}

// openSettings shows the Settings screen on the settings veox runs with.
// The demo cannot check a key with the service (nothing leaves this
// machine), so there a new key is saved only if the user insists.
func (m Model) openSettings() (tea.Model, tea.Cmd) {
	check := m.o.CheckKey
	if m.o.Demo {
		check = nil
	}
	m.settings = box(settings.New(settings.Deps{Styles: m.o.Styles, Settings: m.o.Settings, Check: check, Ctx: m.ctx}).
		SetSize(m.width, m.bodyHeight()))
	m.push(scrSettings)
	return m, nil
}

// onSettingsSaved runs with the saved settings from now on and says what
// waits for the next start.
func (m Model) onSettingsSaved(msg settings.SavedMsg) (tea.Model, tea.Cmd) {
	m.o.Settings = msg.Settings
	if m.top() == scrSettings {
		m.pop()
	}
	text := "settings saved to " + msg.Settings.Paths.Config
	if len(msg.Later) > 0 {
		text += "; " + strings.Join(msg.Later, " and ") + " take effect the next time veox starts"
	}
	return m.flash(text, false)
}

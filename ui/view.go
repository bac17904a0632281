package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/statusbar"
)

// View draws the top screen, its help line and the status bar, each cut to
// its place so nothing scrolls the terminal.
func (m Model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	m.memo.fit.frame()
	body := m.memo.fit.block(m.body(), m.width, m.bodyHeight())
	foot := m.memo.fit.block(m.footer(), m.width, 0)
	return body + "\n" + foot + "\n" + statusbar.View(m.bar, m.o.Styles, m.width, m.o.Now())
}

// viewMemo is what a frame keeps for the next: the widths of its lines
// (fit.go) and its footer, the same until the keys or the width change.
type viewMemo struct {
	fit                *fitter
	footSig, footDrawn string
}

func newViewMemo() *viewMemo { return &viewMemo{fit: newFitter()} }

// tooSmall: below the minimum size no screen is drawn, and no key but
// ctrl+c acts (onKeys), since the user could not see what it did.
func (m Model) tooSmall() bool {
	return m.width > 0 && (m.width < minWidth || m.height < minHeight)
}

// tooSmallView says what size is needed, wrapped to the width so it reads
// even at 20×5; the most important words come first, in case the height
// cuts the rest.
func (m Model) tooSmallView() string {
	msg := fmt.Sprintf("Too small: veox needs %d×%d, this is %d×%d. Enlarge the window (ctrl+c quits).",
		minWidth, minHeight, m.width, m.height)
	if m.top() == scrQuit {
		msg = "A create is being sent: quitting now leaves it unknown. Enlarge the window to wait, or ctrl+c again to quit anyway."
	}
	box := lipgloss.NewStyle().Width(m.width).MaxHeight(m.height).Align(lipgloss.Center)
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, box.Render(msg))
}

func (m Model) body() string {
	return m.screenView(m.top())
}

func (m Model) screenView(s screen) string {
	switch s {
	case scrDetails:
		return m.details.v().View()
	case scrDownloads:
		return m.downloads.View()
	case scrCompose:
		return m.compose.View()
	case scrHelp:
		return m.helpWindow()
	case scrQuit:
		return m.quitView()
	case scrMessages:
		return m.msgs.View()
	case scrSettings:
		return m.settings.v().View()
	case scrSpending:
		return m.spending.View()
	case scrStory:
		return m.sc.story.View()
	case scrTree:
		return m.sc.tree.View()
	case scrAgain:
		return m.again.View()
	}
	return m.list.View()
}

// below is the screen under a modal (help, quit question).
func (m Model) below() screen {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if s := m.stack[i]; s != scrHelp && s != scrQuit {
			return s
		}
	}
	return scrTasks
}

// screenKeys is a screen's own help.KeyMap, from its bindings.
func (m Model) screenKeys(s screen) help.KeyMap {
	switch s {
	case scrDetails:
		return m.details.v().KeyMap()
	case scrDownloads:
		return m.downloads.KeyMap()
	case scrCompose:
		return m.compose.KeyMap()
	case scrMessages:
		return m.msgs.KeyMap()
	case scrSettings:
		return m.settings.v().KeyMap()
	case scrSpending:
		return m.spending.KeyMap()
	case scrStory:
		return m.sc.story.KeyMap()
	case scrTree:
		return m.sc.tree.KeyMap()
	case scrAgain:
		return m.again.KeyMap()
	}
	return m.list.KeyMap()
}

// activeKeys is the footer: the active screen's keys plus the global ones
// that act there.
func (m Model) activeKeys() help.KeyMap {
	switch m.top() {
	case scrHelp:
		if m.helpScrolls() {
			return keyMap{short: []key.Binding{m.keys.HelpDown, m.keys.CloseHelp}}
		}
		return keyMap{short: []key.Binding{m.keys.CloseHelp}}
	case scrQuit:
		return keyMap{short: []key.Binding{m.keys.Yes, m.keys.No}}
	}
	k := m.screenKeys(m.top())
	short := k.ShortHelp()
	if !m.capturing() {
		short = append(append([]key.Binding{}, short...), m.keys.Help, m.keys.Messages, m.keys.Quit)
	}
	return keyMap{short: short, full: k.FullHelp()}
}

// footer is the active keys on one line. The ways out (esc, help, the
// messages, quit) always show, at the end; the screen's other keys give
// way, from the last, when the line is too narrow for all.
func (m Model) footer() string {
	keys := m.activeKeys().ShortHelp()
	sig := footSig(keys, m.width)
	if sig != m.memo.footSig {
		m.memo.footSig, m.memo.footDrawn = sig, m.drawFooter(keys)
	}
	return m.memo.footDrawn
}

// footSig is all the footer is drawn from: the width and each key's
// keys, help and state.
func footSig(keys []key.Binding, width int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(width))
	for _, k := range keys { // at every frame: plain writes, not fmt's
		h := k.Help()
		b.WriteString("\x00")
		if k.Enabled() {
			b.WriteString("on")
		}
		for _, name := range k.Keys() {
			b.WriteString("\x01")
			b.WriteString(name)
		}
		b.WriteString("\x02")
		b.WriteString(h.Key)
		b.WriteString("\x02")
		b.WriteString(h.Desc)
	}
	return b.String()
}

func (m Model) drawFooter(keys []key.Binding) string {
	var rest, out []key.Binding
	for _, b := range keys {
		if m.wayOut(b) {
			out = append(out, b)
		} else {
			rest = append(rest, b)
		}
	}
	h := m.help
	h.Width = 0
	tail := h.ShortHelpView(out)
	if len(rest) == 0 {
		return tail
	}
	if tail == "" {
		return fitKeys(h, rest, m.width)
	}
	sep := h.Styles.ShortSeparator.Render(h.ShortSeparator)
	room := m.width - lipgloss.Width(tail) - lipgloss.Width(sep)
	if room < 8 {
		return tail
	}
	return fitKeys(h, rest, room) + sep + tail
}

// fitKeys is the keys' help in room columns, the last ones giving way to
// an ellipsis. help.ShortHelpView cannot be trusted with it: when a line
// fills its width exactly, it has no room for the ellipsis and then adds
// every remaining key, past the width.
func fitKeys(h help.Model, keys []key.Binding, room int) string {
	h.Width = 0
	for n := len(keys); n > 0; n-- {
		line := h.ShortHelpView(keys[:n])
		if n < len(keys) {
			line += " " + h.Styles.Ellipsis.Render(h.Ellipsis)
		}
		if lipgloss.Width(line) <= room {
			return line
		}
	}
	return ""
}

func (m Model) wayOut(b key.Binding) bool {
	if slices.Contains(b.Keys(), "esc") {
		return true
	}
	for _, g := range []key.Binding{m.keys.Help, m.keys.Messages, m.keys.Quit} {
		if slices.Equal(b.Keys(), g.Keys()) {
			return true
		}
	}
	return false
}

func (m Model) helpView() string {
	st := m.o.Styles
	s := m.below()
	h := m.help
	h.ShowAll = true
	global := [][]key.Binding{{m.keys.Help, m.keys.Messages, m.keys.Settings, m.keys.Quit, m.keys.ForceQuit}}
	intro := st.Faint.Render(format.Wrap("Keys of this screen; below, the ones that work everywhere (not while typing in a field).", m.width))
	// The global keys get their own block so a narrow terminal never cuts
	// them: beside the last row of the screen's keys when it fits, else below.
	rows := m.helpGroups(m.screenKeys(s).FullHelp())
	everywhere := st.Bold.Render("Everywhere") + "\n" + h.FullHelpView(global)
	if n := len(rows); n > 0 && lipgloss.Width(rows[n-1])+4+lipgloss.Width(everywhere) <= m.width {
		rows[n-1] = lipgloss.JoinHorizontal(lipgloss.Top, rows[n-1], "    ", everywhere)
	} else {
		rows = append(rows, everywhere)
	}
	return st.Title.Render("Help — "+screenName(s)) + "\n" + intro + "\n\n" + strings.Join(rows, "\n\n")
}

// helpGroups lays the groups of keys side by side while they fit the
// width, then starts a new row of groups, so a narrow terminal shows
// every key instead of cutting the last groups off.
func (m Model) helpGroups(groups [][]key.Binding) []string {
	h := m.help
	h.ShowAll, h.Width = true, 0
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(slices.Clone(row), g))) > m.width {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
		row = append(row, g)
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return rows
}

func screenName(s screen) string {
	switch s {
	case scrDetails:
		return "Details"
	case scrDownloads:
		return "Downloads"
	case scrCompose:
		return "Composer"
	case scrMessages:
		return "Messages"
	case scrSettings:
		return "Settings"
	case scrSpending:
		return "Spending"
	case scrStory:
		return "Stories"
	case scrTree:
		return "Lineage"
	case scrAgain:
		return "Run again"
	}
	return "Tasks"
}

func (m Model) quitView() string {
	st := m.o.Styles
	lines := []string{
		st.Warning.Render("A create is being sent right now."),
		"",
		"If you quit before its answer arrives, veox cannot know whether the task was made",
		"(and billed). It will show as " + st.Bold.Render("unknown") + " next time, for you to settle or dismiss;",
		"it is never resent on its own.",
		"",
		"Quit anyway? y quits · n or esc stays",
	}
	return strings.Join(lines, "\n")
}

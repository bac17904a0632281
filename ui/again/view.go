package again

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

const (
	labelW = 9 // "Balance  "
	indent = "    "
)

// View is the review: the head, the list of tasks (scrolled inside its
// own area), then the money, which always shows.
func (m Model) View() string {
	head := m.headLines()
	money := m.moneyLines()
	list, _ := m.listLines()
	h := m.listHeight()
	var shown []string
	if len(list) > 0 {
		end := min(len(list), m.offset+h)
		shown = list[min(m.offset, end):end]
		if len(list) > h {
			shown = append(shown, m.styles.Faint.Render(fmt.Sprintf("lines %d–%d of %d: ↑/↓ and pgup/pgdn scroll", m.offset+1, end, len(list))))
		}
	}
	lines := append(append(head, shown...), money...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(lines, "\n")
}

func (m Model) headLines() []string {
	s := m.styles
	n := len(m.run)
	var title, sub string
	switch m.stage {
	case reviewing:
		title = fmt.Sprintf("Run again with new seeds: %d %s", n, plural(n, "task", "tasks"))
		sub = "Nothing has been sent yet. Each is sent once, with a new seed the service picks."
	case sending:
		title = fmt.Sprintf("Sending %d of %d…", min(m.next+1, n), n)
		sub = "Each create is sent once; keep veox open until the answers are in."
		if m.stopping {
			sub = "Stopping: no more creates after the one being sent."
		}
	default:
		a, r, u, ns := m.Counts()
		title = fmt.Sprintf("Run again: %d accepted, %d refused, %d unknown, %d not sent", a, r, u, ns)
		sub = "The new tasks are on the list."
	}
	return []string{s.Title.Render(title), s.Faint.Render(format.Line(sub, m.width)), ""}
}

// listLines are the tasks to send (two lines each, a third for its
// outcome), then the ones not run again; start[i] is the first line of
// run[i].
func (m Model) listLines() (lines []string, start []int) {
	s := m.styles
	w := max(20, m.width)
	idW := 0
	for _, a := range m.run {
		idW = max(idW, len(format.Short(format.ID(&a.Task))))
	}
	for i, a := range m.run {
		start = append(start, len(lines))
		mark, o := " ", m.out[i]
		switch {
		case m.stage == sending && i == m.next:
			mark = s.Running.Render("…")
		case o.notRun != "":
			mark = "–"
		case o.sent && o.task != nil && o.task.Status == store.StatusRunning:
			mark = s.Success.Render("✓")
		case o.sent:
			mark = s.Error.Render("✗")
		}
		lines = append(lines, mark+" "+s.Bold.Render(format.Pad(format.Short(format.ID(&a.Task)), idW))+"  "+m.facts(a),
			indent+format.Line(api.Sanitize(a.Task.Request.Prompt), w-len(indent)))
		if t := m.outcomeText(i); t != "" {
			for _, l := range strings.Split(format.Wrap(t, w-len(indent)), "\n") {
				lines = append(lines, indent+l)
			}
		}
	}
	if len(m.skipped) > 0 {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, s.Bold.Render(fmt.Sprintf("Not run again (%d):", len(m.skipped))))
		for _, a := range m.skipped {
			id := format.Short(format.ID(&a.Task))
			text := fmt.Sprintf("– %s  %s: %s", id, format.Kind(&a.Task), a.Why)
			for j, l := range strings.Split(format.Wrap(text, w-2), "\n") {
				if j > 0 {
					l = "  " + l
				}
				lines = append(lines, s.Faint.Render(l))
			}
		}
	}
	return lines, start
}

// facts is the new create in a line: kind, model, resolution, price,
// seed (an import is generated anew, so it says generate).
func (m Model) facts(a tasks.Again) string {
	parts := []string{store.KindGenerate}
	if a.Source != nil {
		parts[0] = "extend " + format.Short(format.ID(a.Source))
	}
	parts = append(parts, a.Model())
	if r := a.Resolution(); r != "" {
		parts = append(parts, r)
	}
	parts = append(parts, fmt.Sprintf("~%d credits", a.Cost))
	seed := "new seed"
	if old := format.SeedValue(&a.Task); old != 0 {
		seed += fmt.Sprintf(" (was %d)", old)
	}
	return strings.Join(append(parts, seed), " · ")
}

// outcomeText is what became of run[i], "" while it waits.
func (m Model) outcomeText(i int) string {
	o := m.out[i]
	switch {
	case o.notRun != "":
		return "not sent: " + o.notRun
	case !o.sent:
		return ""
	case o.task == nil:
		return "not sent, nothing created: " + errText(o.err)
	case o.task.Status == store.StatusRefused:
		msg := errText(o.err)
		if o.task.Error != nil {
			msg = api.Sanitize(o.task.Error.Message)
		}
		return "refused by the service (nothing created, nothing charged): " + msg
	case o.task.Status == store.StatusUnknown || errors.Is(o.err, tasks.ErrUnknownOutcome):
		return "? no answer came back: it may exist and be billed. veox will not resend it; settle or dismiss it on the list"
	}
	return "accepted as " + format.Short(o.task.TaskID) + ", running"
}

func errText(err error) string {
	if err == nil {
		return "no reason given"
	}
	return api.Sanitize(err.Error())
}

// moneyLines are the total, the balance, today and the warnings; once
// sent, what went and the balance now.
func (m Model) moneyLines() []string {
	s := m.styles
	total := m.Total()
	n := len(m.run)
	w := max(20, m.width)
	row := func(label, value string) []string {
		var out []string
		for j, l := range strings.Split(format.Wrap(value, w-labelW), "\n") {
			name := ""
			if j == 0 {
				name = label
			}
			out = append(out, s.Label.Width(labelW).Render(name)+l)
		}
		return out
	}
	lines := []string{""}
	if m.stage != reviewing {
		a, _, u, _ := m.Counts()
		sent := fmt.Sprintf("%d of %d accepted, about %d credits", a, n, m.cost(store.StatusRunning))
		if u > 0 {
			sent += fmt.Sprintf("; %d unknown, which may be billed about %d more", u, m.cost(store.StatusUnknown))
		}
		lines = append(lines, row("Sent", sent)...)
		if m.bal.Known {
			lines = append(lines, row("Balance", format.Credits(m.bal.Credits)+" credits")...)
		}
		return append(lines, m.warnings()...)
	}
	lines = append(lines, row("Total", fmt.Sprintf("about %d credits for %d %s (prices drift)", total, n, plural(n, "create", "creates")))...)
	bal := "…"
	if m.bal.Known {
		bal = format.Credits(m.bal.Credits) + " credits → about " + format.Credits(m.bal.Credits-float64(total)) + " after"
	}
	lines = append(lines, row("Balance", bal)...)
	lines = append(lines, row("Today", m.todayText(total))...)
	return append(lines, m.warnings()...)
}

// cost is what the creates that came back with status cost, estimated.
func (m Model) cost(status string) int {
	n := 0
	for i, o := range m.out {
		if o.task != nil && o.task.Status == status {
			n += m.run[i].Cost
		}
	}
	return n
}

// warnings are the review's warnings and the word on the last key.
func (m Model) warnings() []string {
	s := m.styles
	total := m.Total()
	w := max(20, m.width)
	warn := func(style lipgloss.Style, text string) []string {
		var out []string
		for _, l := range strings.Split(format.Wrap(text, w), "\n") {
			out = append(out, style.Render(l))
		}
		return out
	}
	var lines []string
	if m.stage == reviewing && m.OverBudget() {
		l := m.today.Budget.DailyLimit
		lines = append(lines, warn(s.Warning, fmt.Sprintf("! over your daily limit: %s spent today + about %d = %s, above %s. y sends nothing: unmark some tasks, or raise dailyLimit in the config file",
			format.Credits(m.today.Credits), total, format.Credits(m.today.Credits+float64(total)), format.Credits(l)))...)
	}
	if c := m.today.Budget.ConfirmAbove; c > 0 && m.stage == reviewing {
		above := 0
		for _, a := range m.run {
			if float64(a.Cost) > c {
				above++
			}
		}
		if above > 0 {
			lines = append(lines, warn(s.Warning, fmt.Sprintf("! %d of these cost more than your confirmAbove of %s each", above, format.Credits(c)))...)
		}
	}
	if m.refused != "" {
		lines = append(lines, warn(s.Error, "✗ nothing was sent: "+m.refused)...)
	}
	if m.note != "" {
		lines = append(lines, warn(s.Warning, m.note)...)
	}
	return lines
}

func (m Model) todayText(total int) string {
	t := m.today
	switch {
	case t.Err != "":
		return "✗ unavailable: " + t.Err
	case !t.Known:
		return "…"
	}
	text := format.Credits(t.Credits) + " credits spent"
	if l := t.Budget.DailyLimit; l > 0 {
		return text + fmt.Sprintf(" of the daily budget of %s; about %s with these", format.Credits(l), format.Credits(t.Credits+float64(total)))
	}
	return text + " (no daily budget set)"
}

// listHeight is the room of the list: what the head and the money leave.
func (m Model) listHeight() int {
	h := m.height - len(m.headLines()) - len(m.moneyLines())
	if list, _ := m.listLines(); len(list) > h {
		h-- // the line that says where the view is
	}
	return max(1, h)
}

func (m Model) clampOffset(o int) int {
	list, _ := m.listLines()
	return max(0, min(o, len(list)-m.listHeight()))
}

// follow scrolls so the lines of run[i] and the next one show.
func (m Model) follow(i int) Model {
	_, start := m.listLines()
	h := m.listHeight()
	last := i + 1
	if last >= len(start) {
		last = i
	}
	end := start[last] + 3
	if end-m.offset > h {
		m.offset = m.clampOffset(end - h)
	}
	if start[i] < m.offset {
		m.offset = m.clampOffset(start[i])
	}
	return m
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

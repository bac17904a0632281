package ledger

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

var errNoService = errors.New("no service")

// View draws the screen in its height: the totals and the balance always,
// as many days as fit.
func (m Model) View() string {
	st := m.deps.Styles
	w := max(m.width, 40)
	switch {
	case m.ledger == nil && m.err != nil:
		return st.Title.Render("Spending") + "\n\n" + st.Error.Render(format.Wrap("Cannot read the history: "+m.err.Error(), w))
	case m.ledger == nil:
		return st.Title.Render("Spending") + "\n\n" + st.Faint.Render("reading the history…")
	}
	// Always: the header, the totals, the balance and the footnote (and
	// the blank lines between); then the days' title and today; then the
	// groups as they fit; every row left over shows one more day.
	rest := m.height - 11
	groups, gh := m.fitGroups(w, rest-1)
	if gh > 0 {
		rest -= gh + 1
	}
	parts := []string{
		m.header(w),
		m.totals(),
		"",
		m.daysView(w, max(rest+1, 1)),
	}
	if gh > 0 {
		parts = append(parts, "", groups)
	}
	parts = append(parts, "",
		m.balanceView(w),
		st.Faint.Render(ansi.Truncate("~ partly estimated: where the balance could not tell, the price table's figure", w, "…")))
	return strings.Join(parts, "\n")
}

// fitGroups is the last 30 days by model and kind in at most h rows, as many
// lines of each as fit (up to 4 side by side, 3 one under the other),
// and the rows it takes; 0 when not even one line of each fits.
func (m Model) fitGroups(w, h int) (string, int) {
	for n := 4; n >= 1; n-- {
		if w < 70 && n == 4 {
			continue
		}
		v := m.groupsView(w, n)
		if rows := strings.Count(v, "\n") + 1; rows <= h {
			return v, rows
		}
	}
	return "", 0
}

func (m Model) header(w int) string {
	st := m.deps.Styles
	title := st.Title.Render("Spending")
	if m.loading {
		title += st.Faint.Render("  reading…")
	}
	if m.err != nil {
		title += "  " + st.Error.Render("✗ "+m.err.Error())
	}
	right := "balance not read yet"
	if b := m.ledger.Balance; b != nil {
		right = fmt.Sprintf("balance %s credits · read %s", format.Credits(b.Credits), format.Clock(b.At, m.deps.Now()))
	}
	gap := w - lipgloss.Width(title) - lipgloss.Width(right)
	if gap < 2 {
		return ansi.Truncate(title+"  "+right, w, "…")
	}
	return title + strings.Repeat(" ", gap) + right
}

func (m Model) totals() string {
	st := m.deps.Styles
	l := m.ledger
	rows := []struct {
		name string
		line tasks.SpendLine
	}{{"today", l.Today}, {"this week", l.ThisWeek}, {"this month", l.Month}}
	out := make([]string, len(rows))
	for i, r := range rows {
		// Padded before styling: escape sequences would count as width.
		out[i] = ansi.Truncate(fmt.Sprintf("  %s %s  %s", st.Label.Render(fmt.Sprintf("%-10s", r.name)), st.Bold.Render(fmt.Sprintf("%8s", format.SpendAmount(r.line))), st.Faint.Render(cmp.Or(format.SpendCounts(r.line), "nothing"))), m.width, "…")
	}
	return strings.Join(out, "\n")
}

// daysView is the last n days as bars, oldest first, today last.
func (m Model) daysView(w, n int) string {
	st := m.deps.Styles
	l := m.ledger
	now := m.deps.Now()
	n = min(n, days)
	lines := make([]tasks.SpendLine, n)
	labels := make([]string, n)
	top := 0.0
	for i := range n {
		d := startOfDay(now).AddDate(0, 0, -(n - 1 - i))
		lines[i] = l.OnDay(d)
		labels[i] = d.Format("Mon 2 Jan")
		top = max(top, lines[i].Credits)
	}
	barW := max(w-34, 8)
	out := []string{st.Bold.Render(fmt.Sprintf("Last %d days", n))}
	for i, line := range lines {
		label := labels[i]
		if i == n-1 {
			label = "today"
		}
		row := fmt.Sprintf("  %-10s %8s  %s", label, format.SpendAmount(line), format.Bar(line.Credits, top, barW))
		if line.Tasks > 0 {
			row += st.Faint.Render(" " + format.Plural(line.Tasks, "task"))
		}
		out = append(out, row)
	}
	return strings.Join(out, "\n")
}

// groupsView is the last 30 days (the screen's reading) by model and by kind: side by side when the
// width allows, else one under the other.
func (m Model) groupsView(w, n int) string {
	l := m.ledger
	if w < 70 {
		return m.group("Last 30 days by model", l.ByModel, w, n) + "\n" + m.group("by kind", l.ByKind, w, n)
	}
	half := (w - 2) / 2
	left := strings.Split(m.group("Last 30 days by model", l.ByModel, half, n), "\n")
	right := strings.Split(m.group("by kind", l.ByKind, half, n), "\n")
	var out []string
	for i := range max(len(left), len(right)) {
		a, b := "", ""
		if i < len(left) {
			a = left[i]
		}
		if i < len(right) {
			b = right[i]
		}
		out = append(out, a+strings.Repeat(" ", max(half-lipgloss.Width(a), 0)+2)+b)
	}
	return strings.Join(out, "\n")
}

// group is a title and up to n lines of a grouping, largest first.
func (m Model) group(title string, lines []tasks.SpendLine, w, n int) string {
	st := m.deps.Styles
	out := []string{st.Bold.Render(title)}
	if len(lines) == 0 {
		return out[0] + "\n" + st.Faint.Render("  nothing yet")
	}
	top := lines[0].Credits
	barW := max(w-24, 4)
	for i, g := range lines {
		if i == n {
			break
		}
		key := g.Key
		if key == "" {
			key = "-"
		}
		out = append(out, fmt.Sprintf("  %-9s %8s  %s", ansi.Truncate(key, 9, "…"), format.SpendAmount(g), format.Bar(g.Credits, top, barW)))
	}
	return strings.Join(out, "\n")
}

// balanceView is the balance over the screen's days, from its first
// reading, as a sparkline as wide as the screen.
func (m Model) balanceView(w int) string {
	st := m.deps.Styles
	b, ok := format.Balances(m.ledger.Balances)
	if !ok {
		return st.Bold.Render("Balance") + "\n" + st.Faint.Render("  no reading in the last 30 days")
	}
	head := st.Bold.Render("Balance") + st.Faint.Render(fmt.Sprintf("  %s, %d readings from %s", b.Range(), b.Readings,
		format.Clock(b.First.At, m.deps.Now())))
	return ansi.Truncate(head, w, "…") + "\n  " + st.Value.Render(b.Sparkline(m.deps.Now(), max(w-4, 10)))
}

package format

import (
	"fmt"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// The spending figures as both faces show them ('veox spend' and the
// TUI's Spending screen): one wording, so a line reads the same in each.

// SpendAmount is a line's credits, marked ~ when part of it is the price
// table's estimate rather than what the balance showed.
func SpendAmount(l tasks.SpendLine) string {
	s := Credits(l.Credits)
	if l.Estimates > 0 {
		s = "~" + s
	}
	return s
}

// SpendCounts says what a line counts: "3 tasks, 60 estimated, 1 failed,
// not charged"; "" when it counts no task.
func SpendCounts(l tasks.SpendLine) string {
	if l.Tasks == 0 {
		return ""
	}
	s := Plural(l.Tasks, "task")
	if l.Estimates > 0 {
		s += fmt.Sprintf(", %s estimated", Credits(l.Estimated))
	}
	if l.Refunded > 0 {
		s += fmt.Sprintf(", %d failed, not charged", l.Refunded)
	}
	return s
}

// Plural is n and the word, with an s unless n is 1.
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// BalanceSpan is the balance readings of a period, oldest first, as both
// faces draw them: a sparkline from the first reading and its range.
type BalanceSpan struct {
	First, Last store.BalanceReading
	Low, High   float64
	Readings    int
	at          []time.Time
	credits     []float64
}

// Balances is the span of the readings; ok is false when there is none.
func Balances(rs []store.BalanceReading) (b BalanceSpan, ok bool) {
	if len(rs) == 0 {
		return b, false
	}
	b = BalanceSpan{First: rs[0], Last: rs[len(rs)-1], Low: rs[0].Credits, High: rs[0].Credits, Readings: len(rs),
		at: make([]time.Time, len(rs)), credits: make([]float64, len(rs))}
	for i, r := range rs {
		b.at[i], b.credits[i] = r.At, r.Credits
		b.Low, b.High = min(b.Low, r.Credits), max(b.High, r.Credits)
	}
	return b, true
}

// Range is "5000 → 6055 credits (low 4615, high 6615)": the sparkline
// spans low to high, not zero to high, so both are said, or a fall of a
// few credits would look like the balance running out.
func (b BalanceSpan) Range() string {
	return fmt.Sprintf("%s → %s credits (low %s, high %s)", Credits(b.First.Credits), Credits(b.Last.Credits),
		Credits(b.Low), Credits(b.High))
}

// Sparkline is the balance from the first reading (before it there is
// nothing to draw) until the given time, width cells wide.
func (b BalanceSpan) Sparkline(until time.Time, width int) string {
	return Sparkline(Steps(b.at, b.credits, b.First.At, until, width))
}

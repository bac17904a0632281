package details

import (
	"github.com/veox/veox/ui/format"
)

// cost is what the task cost, under its parameters: the figure the
// balance showed (issue 14), or the price table's estimate marked as
// such, and the readings it comes from.
func (m Model) cost(w int) []string {
	t := m.task
	line := format.Cost(t)
	if line == "" {
		return nil
	}
	if t.CreditsBefore != 0 && t.CreditsAfter != 0 {
		line += " · balance " + format.Credits(t.CreditsBefore) + " before it was sent, " + format.Credits(t.CreditsAfter) + " after its answer"
	}
	return []string{m.para("cost "+line, w)}
}

package format

import (
	"fmt"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// Cost says what a task cost in one line, the same words in Details and
// on the command line: a figure the balance showed, or the price table's
// estimate marked as such with the reason.
func Cost(t *store.Task) string {
	c := tasks.CostOf(t)
	switch {
	case !c.Counted:
		return c.Note
	case t.Charge != nil && t.Charge.State == store.ChargeRefunded:
		return fmt.Sprintf("refunded: %s credits were charged when it was accepted and came back when it failed", Credits(t.Charge.Billed))
	case c.Refunded:
		return "not charged: " + c.Note
	case c.Measured:
		return fmt.Sprintf("charged %s credits, %s", Credits(c.Credits), c.Note)
	case c.Credits == 0:
		return c.Note
	}
	return fmt.Sprintf("about %s credits, %s", Credits(c.Credits), c.Note)
}

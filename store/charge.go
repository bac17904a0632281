package store

import "time"

// Charge states: what the credit balance showed a task cost. tasks decides
// them (tasks/charge.go); the store only keeps them.
const (
	// ChargeMeasured: the balance moved by Credits around this task and
	// nothing else that could move it.
	ChargeMeasured = "measured"
	// ChargePending: accepted, and the balance did not move with nothing
	// else in flight: the service may bill when the task ends.
	ChargePending = "pending"
	// ChargeRefunded: it failed and the balance came back (Billed shows
	// what it fell by when the task was accepted).
	ChargeRefunded = "refunded"
	// ChargeNotCharged: it failed and the balance never fell for it.
	ChargeNotCharged = "not_charged"
	// ChargeEstimate: the balance could not tell (another create or the
	// end of another task fell in the same moment); the price table's
	// figure stands, marked as an estimate. Note says why.
	ChargeEstimate = "estimate"
)

// When a measured charge showed on the balance.
const (
	ChargedAtAcceptance = "accepted"
	ChargedAtEnd        = "ended"
)

// Charge is what the balance showed a task cost.
type Charge struct {
	State   string  `json:"state"`
	Credits float64 `json:"credits,omitzero"` // net, as measured (0 for refunded and not charged)
	Billed  float64 `json:"billed,omitzero"`  // what the balance fell by at acceptance, kept through a refund
	When    string  `json:"when,omitempty"`   // ChargedAtAcceptance or ChargedAtEnd, for a measured charge
	// From and To are the times of the balance readings around the
	// create (before it was sent, after it was accepted): another task
	// ending between them makes the figure an estimate after the fact.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// EndFrom and EndTo bound when the task ended upstream, as closely as
	// veox knows: the service's completion time (both the same), or from
	// the last answer that said it ran to the one that said it ended.
	EndFrom time.Time `json:"endFrom,omitzero"`
	EndTo   time.Time `json:"endTo,omitzero"`
	Note    string    `json:"note,omitempty"` // why it is an estimate, in words
}

// rCharge is a Charge as a v2 record stores it: times as milliseconds
// after the task's creation.
type rCharge struct {
	State   string  `json:"state"`
	Credits float64 `json:"credits,omitzero"`
	Billed  float64 `json:"billed,omitzero"`
	When    string  `json:"when,omitempty"`
	From    *int64  `json:"from,omitempty"`
	To      *int64  `json:"to,omitempty"`
	EndFrom *int64  `json:"endFrom,omitempty"`
	EndTo   *int64  `json:"endTo,omitempty"`
	Note    string  `json:"note,omitempty"`
}

func chargeRecord(c *Charge, base int64) *rCharge {
	if c == nil {
		return nil
	}
	return &rCharge{State: c.State, Credits: c.Credits, Billed: c.Billed, When: c.When,
		From: afterOpt(c.From, base), To: afterOpt(c.To, base), EndFrom: afterOpt(c.EndFrom, base), EndTo: afterOpt(c.EndTo, base), Note: c.Note}
}

func chargeOf(r *rCharge, base int64) *Charge {
	if r == nil {
		return nil
	}
	return &Charge{State: r.State, Credits: r.Credits, Billed: r.Billed, When: r.When,
		From: sinceOpt(r.From, base), To: sinceOpt(r.To, base), EndFrom: sinceOpt(r.EndFrom, base), EndTo: sinceOpt(r.EndTo, base), Note: r.Note}
}

// charge is fastRecord's decoder of a record's charge (fastrecord.go).
func (d *jd) charge(out **rCharge) bool {
	if d.null() {
		*out = nil
		return true
	}
	c := new(rCharge)
	*out = c
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "state":
			return d.str(&c.State)
		case "credits":
			return d.float(&c.Credits)
		case "billed":
			return d.float(&c.Billed)
		case "when":
			return d.str(&c.When)
		case "from":
			return d.intPtr(&c.From)
		case "to":
			return d.intPtr(&c.To)
		case "endFrom":
			return d.intPtr(&c.EndFrom)
		case "endTo":
			return d.intPtr(&c.EndTo)
		case "note":
			return d.str(&c.Note)
		}
		return false
	})
}

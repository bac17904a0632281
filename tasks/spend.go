package tasks

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Cost is what one task counts for in the ledger and against the budget.
type Cost struct {
	Credits float64
	// Measured: read off the balance (Charge); otherwise the price
	// table's estimate (or, for a failed task the balance could not speak
	// for, nothing, as the service says failures are not charged).
	Measured bool
	// Counted: veox spent it. An import was paid for elsewhere; a refused
	// create made nothing.
	Counted bool
	// Refunded: a failed task the balance shows refunded or not charged.
	Refunded bool
	// Note says, in words, how the figure was learned.
	Note string
}

// CostOf is what t cost, as well as veox knows.
func CostOf(t *store.Task) Cost {
	switch {
	case t.Kind == store.KindImport:
		return Cost{Note: "made elsewhere: not counted"}
	case t.Status == store.StatusRefused:
		return Cost{Measured: true, Note: "refused by the service: nothing was charged"}
	}
	c := t.Charge
	state := ""
	if c != nil {
		state = c.State
	}
	switch {
	case state == store.ChargeMeasured:
		note := "as the balance showed when it was accepted"
		if c.When == store.ChargedAtEnd {
			note = "as the balance showed when it ended"
		}
		if c.Note != "" {
			note += "; " + c.Note
		}
		return Cost{Credits: c.Credits, Measured: true, Counted: true, Note: note}
	case state == store.ChargeRefunded:
		return Cost{Measured: true, Counted: true, Refunded: true, Note: "failed; the balance shows it was refunded"}
	case state == store.ChargeNotCharged:
		return Cost{Measured: true, Counted: true, Refunded: true, Note: "failed; the balance shows it was not charged"}
	case t.Status == store.StatusFailed:
		note := "failed: not counted, as the service does not charge failures"
		switch {
		case t.Error != nil && t.Error.Kind == "dismissed":
			note = "dismissed: it did not go through"
		case c != nil && c.Billed > 0:
			note += fmt.Sprintf("; the balance fell by %s when it was accepted, and whether that came back it could not tell", creditsText(c.Billed))
		default:
			note += "; the balance could not confirm it"
		}
		return Cost{Counted: true, Note: note}
	}
	note := "estimate from the price table"
	switch {
	case state == store.ChargePending:
		note = "estimate: not billed yet (the service may bill when it ends)"
	case t.Status == store.StatusUnknown:
		note = "estimate: its answer was lost, so it may have been billed"
	case c != nil && c.Note != "":
		note = "estimate: " + c.Note
	case t.Status == store.StatusSubmitting:
		note = "estimate: being sent"
	}
	return Cost{Credits: float64(EstimateFor(t)), Counted: true, Note: note}
}

// SpendLine is spending over a set of tasks.
type SpendLine struct {
	Key       string  `json:"key"`       // the day (2006-01-02), model or kind; "" for a total
	Credits   float64 `json:"credits"`   // measured + estimated
	Measured  float64 `json:"measured"`  // read off the balance
	Estimated float64 `json:"estimated"` // from the price table, where the balance could not tell
	Tasks     int     `json:"tasks"`     // tasks counted
	Estimates int     `json:"estimates"` // of which the figure is an estimate
	Refunded  int     `json:"refunded"`  // failed tasks the balance shows refunded or not charged
}

func (l *SpendLine) add(c Cost) {
	l.Tasks++
	l.Credits = round2(l.Credits + c.Credits)
	if c.Measured {
		l.Measured = round2(l.Measured + c.Credits)
	} else {
		l.Estimated = round2(l.Estimated + c.Credits)
		if c.Credits != 0 {
			l.Estimates++
		}
	}
	if c.Refunded {
		l.Refunded++
	}
}

// Ledger is spending by the day the tasks were created, their model and
// their kind, over [Since, Until), with the calendar's today, this week
// (from Monday) and this month beside it.
type Ledger struct {
	Since, Until           time.Time
	Total                  SpendLine
	ByDay, ByModel, ByKind []SpendLine // days oldest first; models and kinds largest first
	Today, ThisWeek, Month SpendLine
	Skipped                int // records that could not be read ('veox doctor' names them)
	TodayStart, WeekStart  time.Time
	MonthStart             time.Time
	Balances               []store.BalanceReading // the balance history over [Since, Until), oldest first
	Balance                *store.BalanceReading  // the newest reading, if any
	byDay, byModel, byKind map[string]*SpendLine
}

// Day, week and month starts in the clock's own zone.
func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func weekStart(t time.Time) time.Time {
	d := dayStart(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
}

func monthStart(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
}

// ModelFamily is the model a task's price depends on, in one vocabulary
// for generations (veo3_fast) and extensions (fast): "fast", "lite",
// "quality"; an upscale's is its target, "1080p" or "4k".
func ModelFamily(t *store.Task) string {
	switch t.Kind {
	case store.KindUpscale:
		return strings.ToLower(t.Request.UpscaleTo)
	case store.KindImport:
		return ""
	}
	switch m := strings.ToLower(strings.TrimSpace(t.Request.Model)); m {
	case api.ModelQuality, api.ExtendQuality:
		return "quality"
	case api.ModelLite, api.ExtendLite:
		return "lite"
	case "", api.ModelFast, api.ExtendFast:
		return "fast"
	default:
		return api.Sanitize(m)
	}
}

// errStop ends a walk early.
var errStop = errors.New("stop")

// Spend reads the ledger from the history: the tasks created from since
// to until (zero: now), and this month's (and so this week's and today's)
// in the same pass, newest first, a batch at a time, so memory does not
// grow with the history (a month of a busy day's tasks, or 100,000, reads
// the same way). Only the group maps and the bounded balance history are
// kept.
func (s *Service) Spend(since, until time.Time) (*Ledger, error) {
	now := s.now()
	if until.IsZero() {
		until = now
	}
	l := &Ledger{Since: since, Until: until, TodayStart: dayStart(now), WeekStart: weekStart(now), MonthStart: monthStart(now),
		byDay: map[string]*SpendLine{}, byModel: map[string]*SpendLine{}, byKind: map[string]*SpendLine{}}
	from := since
	for _, start := range []time.Time{l.MonthStart, l.WeekStart} {
		if start.Before(from) {
			from = start
		}
	}
	end := until
	if now.After(end) {
		end = now
	}
	skipped, err := s.store.Walk(store.Query{Cursor: store.CursorBefore(end.Add(time.Nanosecond))}, func(batch []store.Task) error {
		for i := range batch {
			t := &batch[i]
			if t.CreatedAt.Before(from) {
				return errStop
			}
			l.add(t, now)
		}
		return nil
	})
	l.Skipped = skipped
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	l.finish()
	if err := s.store.Balances(since, until, func(r store.BalanceReading) error {
		l.Balances = append(l.Balances, r)
		return nil
	}); err != nil {
		return nil, err
	}
	if r, ok, err := s.store.BalanceBefore(now); err == nil && ok {
		l.Balance = &r
	}
	return l, nil
}

func (l *Ledger) add(t *store.Task, now time.Time) {
	c := CostOf(t)
	if !c.Counted {
		return
	}
	at := t.CreatedAt.In(now.Location())
	for _, p := range []struct {
		line  *SpendLine
		start time.Time
	}{{&l.Month, l.MonthStart}, {&l.ThisWeek, l.WeekStart}, {&l.Today, l.TodayStart}} {
		if !at.Before(p.start) && !at.After(now) {
			p.line.add(c)
		}
	}
	if at.Before(l.Since) || !at.Before(l.Until) {
		return
	}
	l.Total.add(c)
	group(l.byDay, at.Format(time.DateOnly)).add(c)
	group(l.byModel, ModelFamily(t)).add(c)
	group(l.byKind, t.Kind).add(c)
}

func group(m map[string]*SpendLine, key string) *SpendLine {
	g, ok := m[key]
	if !ok {
		g = &SpendLine{Key: key}
		m[key] = g
	}
	return g
}

// finish turns the groups into sorted lines.
func (l *Ledger) finish() {
	l.ByDay = lines(l.byDay, func(a, b SpendLine) bool { return a.Key < b.Key })
	largest := func(a, b SpendLine) bool {
		if a.Credits != b.Credits {
			return a.Credits > b.Credits
		}
		return a.Key < b.Key
	}
	l.ByModel = lines(l.byModel, largest)
	l.ByKind = lines(l.byKind, largest)
	l.byDay, l.byModel, l.byKind = nil, nil, nil
}

func lines(m map[string]*SpendLine, less func(a, b SpendLine) bool) []SpendLine {
	out := make([]SpendLine, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

// SpentToday is what the tasks created today (the clock's calendar day)
// cost, as the budget counts it.
// It reads today's tasks a page at a time, newest first: a few pages on
// the busiest day, whatever the size of the history.
func (s *Service) SpentToday() (SpendLine, error) {
	now := s.now()
	start := dayStart(now)
	var line SpendLine
	q := store.Query{Cursor: store.CursorBefore(now.Add(time.Minute)), Limit: 100}
	for {
		page, next, err := s.store.List(q)
		if err != nil {
			return line, err
		}
		for i := range page {
			if page[i].CreatedAt.Before(start) {
				return line, nil
			}
			if c := CostOf(&page[i]); c.Counted {
				line.add(c)
			}
		}
		if next == "" {
			return line, nil
		}
		q.Cursor = next
	}
}

// OnDay is the by-day line of the local day d: a line with nothing counted
// on a day that cost nothing, so both faces can show every day.
func (l *Ledger) OnDay(d time.Time) SpendLine {
	key := d.Format(time.DateOnly)
	if i, ok := slices.BinarySearchFunc(l.ByDay, key, func(line SpendLine, k string) int { return strings.Compare(line.Key, k) }); ok {
		return l.ByDay[i]
	}
	return SpendLine{Key: key}
}

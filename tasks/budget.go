package tasks

import (
	"fmt"
	"time"
)

// Budget is the user's rule for spending (config keys dailyLimit and
// confirmAbove). Zero switches a rule off.
type Budget struct {
	// DailyLimit: credits the tasks created in one calendar day may cost
	// together. A create (or a story) that would pass it is refused
	// before anything is sent, unless the user says otherwise
	// (--over-budget, or the review's own key).
	DailyLimit float64
	// ConfirmAbove: a create estimated above this many credits is asked
	// about first (on a terminal) or needs --yes.
	ConfirmAbove float64
}

// OverBudgetError refuses a spend that would take today past the daily
// limit. Nothing was sent.
type OverBudgetError struct {
	Cost, Spent, Limit float64
	Day                time.Time
}

func (e *OverBudgetError) Error() string {
	return fmt.Sprintf("over the daily budget: this costs about %s credits, %s are already spent today (%s), and the daily limit is %s: together %s, %s over. Nothing was sent",
		creditsText(e.Cost), creditsText(e.Spent), e.Day.Format(time.DateOnly), creditsText(e.Limit),
		creditsText(round2(e.Spent+e.Cost)), creditsText(round2(e.Spent+e.Cost-e.Limit)))
}

// Hint says how to go on.
func (e *OverBudgetError) Hint() string {
	return "send it anyway with --over-budget, or raise dailyLimit in the config file ('veox spend' shows today's spending)"
}

// Budget is the rule this service applies.
func (s *Service) Budget() Budget { return s.budget }

// CheckBudget refuses, with an *OverBudgetError, spending cost credits
// more today when that would pass the daily limit. Creates check it
// themselves (unless asked to go over); a story checks its whole planned
// cost with it before its first step. Today's spending counts measured
// charges, estimates where the balance could not tell, and creates still
// being sent or whose answer was lost.
func (s *Service) CheckBudget(cost float64) error {
	if s.budget.DailyLimit <= 0 {
		return nil
	}
	spent, err := s.SpentToday()
	if err != nil {
		return fmt.Errorf("today's spending could not be read, so the daily limit cannot be checked: nothing was sent (--over-budget sends it unchecked): %w", err)
	}
	return s.overBudget(spent.Credits, cost)
}

func (s *Service) overBudget(spent, cost float64) error {
	if round2(spent+cost) <= s.budget.DailyLimit {
		return nil
	}
	return &OverBudgetError{Cost: cost, Spent: spent, Limit: s.budget.DailyLimit, Day: dayStart(s.now())}
}

// NeedsConfirm reports whether a create of this estimated cost is above
// the confirmation threshold.
func (s *Service) NeedsConfirm(cost float64) bool {
	return s.budget.ConfirmAbove > 0 && cost > s.budget.ConfirmAbove
}

package format

import (
	"fmt"

	"github.com/veox/veox/tasks"
)

// StoryToday is today's spending beside the daily budget, as a story's
// review says it in both faces ("" when it could not be read).
func StoryToday(r *tasks.StoryReview) string {
	if !r.TodayKnown {
		return ""
	}
	s := Credits(r.Today) + " credits spent"
	if r.DailyLimit > 0 {
		s += fmt.Sprintf(" of the daily budget of %s; about %s with this story", Credits(r.DailyLimit),
			Credits(r.Today+float64(r.View.ToSpend)))
	} else {
		s += " (no daily budget set)"
	}
	return s
}

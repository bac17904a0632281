package story

import (
	"strings"
	"testing"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// A story stopped while its step runs says that step goes on and what r
// sends next; only a step that made nothing is "sent again".
func TestStoppedNoteSaysWhatRunOnSends(t *testing.T) {
	cases := []struct {
		state     string
		want, not string
	}{
		{store.StatusRunning, "step 3 is sent when it succeeds", "sent again"},
		{tasks.StepPlanned, "from step 2", "sent again"},
		{store.StatusRefused, "sent again as it stands", ""},
		{store.StatusUnknown, "Did step 2 go through?", "sent again"},
		{tasks.StepMissing, "no longer in the history", "sent again"},
	}
	for _, c := range cases {
		got := stoppedNote(tasks.StepView{N: 2, State: c.state}, 3)
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%s: %q", c.state, got)
		}
	}
}

package statusbar

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
)

func view(s State, w int) string { return View(s, uitest.Styles(), w, uitest.Now) }

func TestLowBalanceIsTheCostOfOneExtension(t *testing.T) {
	ext := float64(tasks.ExtendCost(""))
	if v := view(State{CreditsKnown: true, Credits: ext - 1}, 100); !strings.Contains(v, "low") {
		t.Errorf("a balance below one extension (%g) is not flagged: %q", ext, v)
	}
	if v := view(State{CreditsKnown: true, Credits: ext}, 100); strings.Contains(v, "low") {
		t.Errorf("a balance that pays one extension (%g) is flagged: %q", ext, v)
	}
}

func TestBarSaysWhatMatters(t *testing.T) {
	poll := uitest.Now.Add(-10 * time.Second)
	cases := []struct {
		name string
		s    State
		want []string
		not  []string
	}{
		{"demo", State{Demo: true, CreditsKnown: true, Credits: 5000}, []string{"DEMO", "5000 credits"}, []string{"low balance"}},
		{"read-only says why", State{ReadOnly: true, CreditsKnown: true, Credits: 5000}, []string{"READ-ONLY", "read-only: this history cannot be written here"}, nil},
		{"read-only with its own reason", State{ReadOnly: true, ReadOnlyWhy: "the history is a snapshot"}, []string{"read-only: the history is a snapshot"}, nil},
		{"credits unknown", State{CreditsErr: "timeout"}, []string{"credits ?"}, nil},
		{"credits loading", State{}, []string{"credits …"}, nil},
		{"error of the moment", State{Error: "polling failed: timeout", Message: "old news", CreditsKnown: true, Credits: 10}, []string{"! polling failed: timeout"}, []string{"old news"}},
		{"news", State{Message: "saved /tmp/a.mp4"}, []string{"saved /tmp/a.mp4"}, nil},
		{"low balance in words", State{CreditsKnown: true, Credits: 40}, []string{"low balance: 40 credits"}, nil},
		{"enough for one extension", State{CreditsKnown: true, Credits: 60}, []string{"60 credits"}, []string{"low"}},
		{"running and waiting", State{Running: 2, NeedYou: 2, Downloading: 1, LastPoll: poll, CreditsKnown: true, Credits: 4830},
			[]string{"running 2 · 2 need you · ↓1 · polled 11:59:50 · 4830 credits"}, nil},
	}
	for _, c := range cases {
		v := view(c.s, 120)
		for _, w := range c.want {
			if !strings.Contains(v, w) {
				t.Errorf("%s: %q missing from %q", c.name, w, v)
			}
		}
		for _, n := range c.not {
			if strings.Contains(v, n) {
				t.Errorf("%s: %q should not be in %q", c.name, n, v)
			}
		}
	}
}

func TestFitsEightyColumnsAndKeepsWhatMatters(t *testing.T) {
	s := State{Demo: true, ReadOnly: true, Running: 2, NeedYou: 2, Downloading: 1, LastPoll: uitest.Now,
		CreditsKnown: true, Credits: 12, Error: "polling failed: the service did not answer within 30s (retrying in 40s)"}
	for _, w := range []int{60, 80, 120} {
		v := view(s, w)
		if got := lipgloss.Width(v); got > w {
			t.Errorf("width %d: the bar takes %d: %q", w, got, v)
		}
		for _, must := range []string{"DEMO", "READ-ONLY", "! polling failed", "running 2", "2 need you", "low"} {
			if w < 80 && strings.HasPrefix(must, "!") {
				continue // at the minimum width the error keeps its mark and the bar its facts
			}
			if !strings.Contains(v, must) {
				t.Errorf("width %d: %q missing from %q", w, must, v)
			}
		}
	}
	if v := view(s, 80); strings.Contains(v, "polled") {
		t.Errorf("at 80 columns the poll time should give way to the error: %q", v)
	}
}

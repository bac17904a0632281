package ledger

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/theme"
)

// sampleLedger is a month of spending as Spend returns it, fixed so the
// goldens do not depend on a simulator: an estimate today, a refund, three
// models and kinds, and a balance that fell, was topped up, and fell.
func sampleLedger() *tasks.Ledger {
	now := uitest.Now
	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	today := tasks.SpendLine{Key: "2026-03-10", Credits: 310, Measured: 250, Estimated: 60, Tasks: 3, Estimates: 1, Refunded: 1}
	return &tasks.Ledger{
		Since: day(29), Until: now, TodayStart: now.Truncate(24 * time.Hour),
		Total: tasks.SpendLine{Credits: 1005, Measured: 945, Estimated: 60, Tasks: 9, Estimates: 1, Refunded: 1},
		ByDay: []tasks.SpendLine{
			{Key: "2026-02-20", Credits: 380, Measured: 380, Tasks: 1},
			{Key: "2026-03-08", Credits: 5, Measured: 5, Tasks: 1},
			{Key: "2026-03-09", Credits: 310, Measured: 310, Tasks: 4},
			today,
		},
		ByModel: []tasks.SpendLine{{Key: "quality", Credits: 630, Tasks: 3}, {Key: "fast", Credits: 240, Tasks: 4},
			{Key: "lite", Credits: 130, Tasks: 1}, {Key: "1080p", Credits: 5, Tasks: 1}},
		ByKind: []tasks.SpendLine{{Key: "extend", Credits: 620, Tasks: 5}, {Key: "generate", Credits: 380, Tasks: 3},
			{Key: "upscale", Credits: 5, Tasks: 1}},
		Today:    today,
		ThisWeek: tasks.SpendLine{Credits: 625, Measured: 565, Estimated: 60, Tasks: 8, Estimates: 1, Refunded: 1},
		Month:    tasks.SpendLine{Credits: 625, Measured: 565, Estimated: 60, Tasks: 8, Estimates: 1, Refunded: 1},
		Balances: []store.BalanceReading{
			{At: day(20), Credits: 5000}, {At: day(19), Credits: 4620}, {At: day(2), Credits: 4615},
			{At: day(1), Credits: 6615}, {At: day(1).Add(time.Hour), Credits: 6305}, {At: now.Add(-time.Hour), Credits: 6055},
		},
		Balance: &store.BalanceReading{At: now.Add(-time.Hour), Credits: 6055},
	}
}

func loaded(w, h int, l *tasks.Ledger) Model {
	m := New(Deps{Styles: uitest.Styles(), Now: uitest.Clock}).SetSize(w, h)
	m.gen = 1
	m, _ = m.Update(loadedMsg{gen: 1, ledger: l}, true)
	return m
}

// The screen at both sizes the app is tried at (the root's body: the
// help line and the status bar take two rows).
func TestGoldenSpending(t *testing.T) {
	for _, sz := range [][2]int{{80, 22}, {120, 34}} {
		v := loaded(sz[0], sz[1], sampleLedger()).View()
		uitest.Golden(t, fmt.Sprintf("spending_%dx%d", sz[0], sz[1]+2), v)
		fits(t, v, sz[0], sz[1])
	}
}

// What the user must be able to read off it, whatever the layout: the
// three totals aligned, an estimate marked, a refund said, the balance's
// range with its low and high.
func TestSpendingSaysWhatTheFiguresAre(t *testing.T) {
	v := loaded(100, 30, sampleLedger()).View()
	for _, want := range []string{"today", "~310", "3 tasks, 60 estimated, 1 failed, not charged", "this week", "~625", "this month",
		"quality", "630", "extend", "620", "Balance", "5000 → 6055 credits", "low 4615", "high 6615", "balance 6055 credits"} {
		if !strings.Contains(v, want) {
			t.Errorf("the screen lacks %q:\n%s", want, v)
		}
	}
	// In colour, as a terminal shows it: styles' escape sequences must
	// not count as width.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	m := New(Deps{Styles: theme.New(r), Now: uitest.Clock}).SetSize(100, 30)
	m.gen = 1
	m, _ = m.Update(loadedMsg{gen: 1, ledger: sampleLedger()}, true)
	colour := m.View()
	if colour == ansi.Strip(colour) {
		t.Fatal("no colour: the test proves nothing")
	}
	var cols []int
	for _, line := range strings.Split(ansi.Strip(colour), "\n")[1:4] {
		cols = append(cols, strings.Index(line, "~"))
	}
	if cols[0] != cols[1] || cols[1] != cols[2] {
		t.Errorf("today, this week and this month are not aligned (%v):\n%s", cols, v)
	}
}

// A tiny or empty ledger still draws within the screen: nothing spent,
// no balance read yet.
func TestSpendingEmptyAndSmall(t *testing.T) {
	empty := &tasks.Ledger{Since: uitest.Now.AddDate(0, 0, -29), Until: uitest.Now}
	for _, sz := range [][2]int{{60, 14}, {80, 22}} {
		v := loaded(sz[0], sz[1], empty).View()
		fits(t, v, sz[0], sz[1])
		for _, want := range []string{"nothing", "balance not read yet"} {
			if !strings.Contains(v, want) {
				t.Errorf("%dx%d: the empty screen lacks %q:\n%s", sz[0], sz[1], want, v)
			}
		}
	}
	// The smallest the app draws at (60×16, less the help and status).
	fits(t, loaded(60, 14, sampleLedger()).View(), 60, 14)
}

func fits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%dx%d: %d lines:\n%s", w, h, len(lines), v)
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("%dx%d: a line of %d cells: %q", w, h, ansi.StringWidth(l), l)
		}
	}
}

// Entering the screen reads the history through the service: a create's
// measured charge shows today, by model and kind, and the balance's fall.
func TestSpendingReadsTheHistory(t *testing.T) {
	env := uitest.NewEnv(t, time.Minute, time.Minute, time.Now)
	if _, err := env.Svc.Generate(t.Context(), tasks.GenerateInput{Prompt: "a lighthouse at dawn", Model: "veo3", Resolution: "1080p"}); err != nil {
		t.Fatal(err)
	}
	m := New(Deps{Service: env.Svc, Styles: uitest.Styles()}).SetSize(100, 30)
	m, cmd := m.Load()
	if cmd == nil {
		t.Fatal("Load read nothing")
	}
	m, _ = m.Update(cmd(), true)
	v := m.View()
	for _, want := range []string{"today           255  1 task", "quality        255", "generate       255", "→ 4745 credits"} {
		if !strings.Contains(v, want) {
			t.Errorf("the screen lacks %q:\n%s", want, v)
		}
	}
}

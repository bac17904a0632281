package format

import (
	"testing"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// One wording for a spending line in both faces.
func TestSpendLineWords(t *testing.T) {
	l := tasks.SpendLine{Credits: 310, Tasks: 3, Estimates: 1, Estimated: 60, Refunded: 1}
	if got := SpendAmount(l); got != "~310" {
		t.Errorf("amount %q, want ~310", got)
	}
	if got := SpendCounts(l); got != "3 tasks, 60 estimated, 1 failed, not charged" {
		t.Errorf("counts %q", got)
	}
	if got := SpendCounts(tasks.SpendLine{Credits: 5, Tasks: 1}); got != "1 task" {
		t.Errorf("one task: %q", got)
	}
	if got := SpendCounts(tasks.SpendLine{}); got != "" {
		t.Errorf("no task: %q, want nothing said", got)
	}
}

// The balance span says its range low to high, and draws from its first
// reading.
func TestBalanceSpan(t *testing.T) {
	if _, ok := Balances(nil); ok {
		t.Fatal("a span of no readings")
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b, ok := Balances([]store.BalanceReading{{At: at, Credits: 5000}, {At: at.Add(time.Hour), Credits: 4615},
		{At: at.Add(2 * time.Hour), Credits: 6615}, {At: at.Add(3 * time.Hour), Credits: 6055}})
	if !ok || b.Readings != 4 || b.Range() != "5000 → 6055 credits (low 4615, high 6615)" {
		t.Fatalf("span %+v: %q", b, b.Range())
	}
	if got := []rune(b.Sparkline(at.Add(4*time.Hour), 8)); len(got) != 8 {
		t.Errorf("sparkline %q is %d cells, want 8", string(got), len(got))
	}
}

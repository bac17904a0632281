package format

import (
	"math"
	"testing"
	"time"
)

// The sparkline's ends are the values its caption names ("5000 → 4715"):
// readings made close together at the start of a long span do not hide
// the first one, and the last cell is the newest reading.
func TestStepsKeepBothEnds(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 4, 34, 0, 0, time.UTC)
	at := []time.Time{t0, t0.Add(time.Second), t0.Add(2 * time.Second), t0.Add(10 * time.Minute)}
	vals := []float64{5000, 4745, 4715, 4655}
	got := Steps(at, vals, t0, t0.Add(20*time.Minute), 40)
	if got[0] != 5000 || got[39] != 4655 {
		t.Fatalf("ends %v … %v, want 5000 … 4655: %v", got[0], got[39], got)
	}
	if got[1] != 4715 || got[19] != 4715 || got[20] != 4655 {
		t.Fatalf("a value holds until the next reading: %v", got)
	}
	if s := Sparkline(got); []rune(s)[0] != '█' || []rune(s)[39] != '▁' {
		t.Fatalf("sparkline %q", s)
	}
	before := Steps(at[1:], vals[1:], t0, t0.Add(20*time.Minute), 3)
	if !math.IsNaN(before[0]) || Sparkline(before)[0] != ' ' {
		t.Fatalf("before the first reading there is nothing to draw: %v", before)
	}
	if one := Steps(at, vals, t0, t0.Add(time.Minute), 1); one[0] != 4715 {
		t.Fatalf("one cell is the value at the end: %v", one)
	}
	if flat := Sparkline([]float64{3, 3}); flat != "▄▄" {
		t.Fatalf("a flat series: %q", flat)
	}
}

func TestBar(t *testing.T) {
	for _, c := range []struct {
		v, top float64
		w      int
		want   string
	}{{10, 10, 4, "████"}, {5, 10, 4, "██"}, {1, 1000, 4, "▏"}, {0, 10, 4, ""}, {20, 10, 2, "██"}, {3, 8, 1, "▍"}} {
		if got := Bar(c.v, c.top, c.w); got != c.want {
			t.Errorf("Bar(%v, %v, %d) = %q, want %q", c.v, c.top, c.w, got, c.want)
		}
	}
}

package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
)

// The sizes every history benchmark compares: what a new user has (all on
// one page, so paging never reads bbolt), a history past its first page, and
// what years of use leave behind. The cost of an action must not grow from
// the second to the third.
var benchSizes = []int{100, 1_000, 100_000}

// benchW and benchH are a common terminal: about 30 task rows on screen.
const benchW, benchH = 120, 36

func history(b *testing.B, n int) *uitest.History {
	b.Helper()
	h, err := uitest.SeededHistory(n)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// started is the root after start-up: sized, Init run with every command
// it leads to (timers are held by the pump, not waited for), first frame
// drawn.
func started(h *uitest.History) (Model, *uitest.Pump) {
	p := &uitest.Pump{}
	r := newRig(p, Options{Service: h.Svc, Demo: true}, benchW, benchH)
	_ = r.View()
	return *r.Model, p
}

// forSizes runs fn as a sub-benchmark per history size.
func forSizes(b *testing.B, fn func(b *testing.B, h *uitest.History)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) { fn(b, history(b, n)) })
	}
}

// BenchmarkStartup is New, Init and every command it returns (recovery,
// the balance over loopback, the first page, counts, estimates, the chain)
// up to the first drawn screen.
func BenchmarkStartup(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		for b.Loop() {
			m, _ := started(h)
			if m.list.Selected() == nil {
				b.Fatal("the first page did not load")
			}
		}
	})
}

// keyBench presses keys in a cycle, running what each press leads to and
// drawing the frame after it, as the program would; reset puts the model
// back when the cycle ends so both sizes do the same work. ns/op is all of
// it; key-ns/op is the part that holds up input (Update and View), since
// the program runs the commands (bbolt reads) on other goroutines.
func keyBench(b *testing.B, h *uitest.History, cycle []string, reset bool) {
	base, _ := started(h)
	m := base
	p := &uitest.Pump{Update: func(msg tea.Msg) tea.Cmd { return m.update(msg) }}
	var onKey time.Duration
	i := 0
	for b.Loop() {
		if i == len(cycle) {
			i = 0
			if reset {
				m = base
			}
		}
		start := time.Now()
		cmd := m.update(uitest.Key(cycle[i]))
		mid := time.Now()
		p.Run(cmd)
		end := time.Now()
		_ = m.View()
		onKey += mid.Sub(start) + time.Since(end)
		i++
	}
	b.ReportMetric(float64(onKey.Nanoseconds())/float64(b.N), "key-ns/op")
}

func repeat(k string, n int, then ...string) []string {
	out := make([]string, 0, n+len(then))
	for range n {
		out = append(out, k)
	}
	return append(out, then...)
}

// BenchmarkCursorDown is one ↓ (and its chain read) plus the frame; the
// cursor goes 50 rows down and back home, so it stays within loaded rows.
func BenchmarkCursorDown(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		keyBench(b, h, repeat("down", 50, "home"), false)
	})
}

// BenchmarkPageDown is one pgdown plus the frame, from a freshly started
// list through 8 pages of the screen: with 100,000 tasks that crosses the
// edge of the first page read (the next read in the command a press returns).
func BenchmarkPageDown(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		keyBench(b, h, repeat("pgdown", 8), true)
	})
}

// BenchmarkPageAcross pages 60 screens down and 60 back up: with 100,000
// tasks that passes 9 pages read, so the list drops the far ones and reads them
// again on the way back (its window holds 5); key-ns/op is what input
// waits for, ns/op includes those reads.
func BenchmarkPageAcross(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		keyBench(b, h, append(repeat("pgdown", 60), repeat("pgup", 60)...), false)
	})
}

// BenchmarkOpenDetails is enter on the selected task: the Details screen
// reads the task, its chain and children, and draws; esc goes back.
func BenchmarkOpenDetails(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		keyBench(b, h, []string{"enter", "esc"}, false)
	})
}

// BenchmarkViewRunning100 is one spinner frame with 100 running tasks:
// the tick's Update and the View it causes.
func BenchmarkViewRunning100(b *testing.B) {
	h, err := uitest.NewHistory(100, func(s *store.Store) error {
		return uitest.SetAll(s, nil, store.StatusRunning)
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	m, p := started(h)
	if m.poller.Running() != 100 {
		b.Fatalf("%d tasks polled, want 100", m.poller.Running())
	}
	// The spinner's frame is the earliest timer (the polls wait seconds);
	// its message is delivered again and again, the next frame's timer
	// dropped.
	frame := p.Timers()[0]
	if frame.D >= time.Second {
		b.Fatalf("the earliest timer is %v, not a spinner frame", frame)
	}
	tick := frame.Msg()
	for b.Loop() {
		m.update(tick)
		_ = m.View()
	}
}

// BenchmarkJumpToOldest is G from the top of a freshly started list: the
// oldest page read from the index's far end (store.Oldest) and the frame.
// Its cost does not grow with the history: 100,000 tasks cost what 1,000 do.
func BenchmarkJumpToOldest(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		keyBench(b, h, []string{"G"}, true)
	})
}

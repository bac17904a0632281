package tasklist

import (
	"github.com/veox/veox/ui/internal/uitest"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func chainReads(msgs []tea.Msg) int {
	n := 0
	for _, msg := range msgs {
		if _, ok := msg.(chainMsg); ok {
			n++
		}
	}
	return n
}

// A held key reads the chain of the first row it reaches and then none
// until the cursor rests; the row it rests on gets its chain, and no timer
// is left running. A single press after a rest reads at once.
func TestHeldKeyReadsTheChainWhenTheCursorRests(t *testing.T) {
	t.Parallel()
	m, _ := seeded(t, 80, 22)
	held := make([]string, 12)
	for i := range held {
		held[i] = "down"
	}
	if n := chainReads(m.press(held...)); n != 1 {
		t.Fatalf("12 moves read the chain %d times, want 1 (the first)", n)
	}
	sel := m.Selected()
	if len(m.chain) != 0 {
		t.Fatalf("while the key is held the chain of another row shows: %v", m.chain)
	}
	m.p.Reset()
	m.p.Advance(time.Second)
	if n := chainReads(m.p.Seen); n != 1 {
		t.Fatalf("the rest read the chain %d times, want 1", n)
	}
	if len(m.chain) == 0 || m.chain[len(m.chain)-1].LocalID != sel.LocalID {
		t.Fatalf("after a rest the chain is %v, want the one of %s", m.chain, sel.LocalID)
	}
	for _, tm := range m.p.Timers() {
		if _, ok := tm.Msg().(chainTickMsg); ok {
			t.Fatalf("the chain's timer still runs after the rest: %v", tm)
		}
	}
	msgs := m.press("down")
	if n := chainReads(msgs); n != 1 || m.chain[len(m.chain)-1].LocalID != m.Selected().LocalID {
		t.Fatalf("a press after a rest read the chain %d times and shows %v", n, m.chain)
	}
}

// heldPresses presses a key n times without letting any read finish (as
// when presses outrun the history), then lets them all finish in order.
func heldPresses(m *rig, key string, n int) {
	var later []tea.Cmd
	for range n {
		later = append(later, m.update(uitest.Key(key)))
	}
	for _, c := range later {
		m.p.Run(c)
	}
}

// Page keys held faster than pages are read move the cursor as far as
// they say: a move past the loaded rows waits at the edge for the page,
// then goes on. Both ways: down from the newest, up from the oldest.
func TestPageKeysThatOutrunThePageReadsAreKept(t *testing.T) {
	t.Parallel()
	m, _ := seededN(t, 5*PageSize, 80, 22)
	page := m.rowsVisible()
	n := 2*PageSize/page + 2 // past two page edges
	heldPresses(m, "pgdown", n)
	if got, want := m.absCursor(), n*page; got != want {
		t.Fatalf("%d page-downs ahead of the reads reached row %d, want %d", n, got, want)
	}
	heldPresses(m, "pgup", 5)
	if got, want := m.absCursor(), (n-5)*page; got != want {
		t.Fatalf("then 5 page-ups reached row %d, want %d", got, want)
	}

	m.press("end")
	pos, total := m.position()
	if pos != total {
		t.Fatalf("end is at %d of %d", pos, total)
	}
	heldPresses(m, "pgup", n)
	if pos, _ := m.position(); pos != total-n*page {
		t.Fatalf("%d page-ups from the oldest ahead of the reads reached %d, want %d", n, pos, total-n*page)
	}
}

package tasklist

import (
	"testing"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/request"
)

// fresh is the frame the list draws with nothing kept from earlier ones.
func fresh(m *rig) string {
	c := *m.Model
	c.rc = newRowCache()
	return c.View()
}

// Whatever happens to the list, a frame drawn with the rows kept from
// earlier frames is the frame drawn from scratch: moves, marks, a task
// that changes without its update time changing (two writes in one
// millisecond), a task that changes back, the clock passing a second, the
// spinner, a search, another width.
func TestKeptRowsAreNeverStale(t *testing.T) {
	t.Parallel()
	m, _ := seeded(t, 120, 34)
	check := func(step string) {
		t.Helper()
		if got, want := m.View(), fresh(m); got != want {
			t.Fatalf("after %s the frame differs from one drawn afresh:\n%s\n--- want ---\n%s", step, got, want)
		}
	}
	check("start")
	m.press("down", "down")
	check("two moves")
	m.press(" ")
	check("a mark")
	m.press("down", " ", "up")
	check("marks and moves")

	sel := *m.Selected()
	changed := sel
	changed.Request.Prompt, changed.Seeds = "a new prompt, same update time", []int{4242}
	m.update(request.TaskChanged{Task: changed})
	check("a task changed in the same millisecond")
	m.update(request.TaskChanged{Task: sel})
	check("the task changed back")

	running := sel
	running.Status, running.UpdatedAt = store.StatusRunning, sel.UpdatedAt.Add(time.Millisecond)
	running.SubmittedAt = m.p.Now().Add(-5 * time.Second) // its running time shows seconds
	m.update(request.TaskChanged{Task: running})
	check("the task running")
	sending := running // a glyph that does not turn, a time that counts seconds
	sending.Status, sending.CreatedAt, sending.UpdatedAt = store.StatusSubmitting, m.p.Now().Add(-5*time.Second), running.UpdatedAt.Add(time.Millisecond)
	m.update(request.TaskChanged{Task: sending})
	check("the task sending")
	for range 3 {
		m.p.Advance(700 * time.Millisecond) // spinner frames, the clock past a second
		check("time passing")
	}
	m.press("/", "f", "o", "x", "enter")
	m.p.Advance(time.Second)
	check("a search")
	*m.Model = m.SetSize(90, 30)
	check("another width")
}

// A move draws the two rows it changes; the others come from the frame
// before.
func TestAMoveDrawsTwoRows(t *testing.T) {
	t.Parallel()
	m, _ := seeded(t, 120, 34)
	m.View()
	for _, k := range []string{"down", "down", "up"} {
		m.press(k)
		before := m.rc.drawn
		m.View()
		if d := m.rc.drawn - before; d > 2 {
			t.Fatalf("%s drew %d rows, want at most 2", k, d)
		}
	}
}

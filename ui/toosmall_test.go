package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/ui/internal/uitest"
)

// Behind the "too small" screen the user cannot see what a key would do,
// so no key but ctrl+c acts: at 40×10 on the review step, y (or enter)
// used to send a paid create with nothing on screen.
func TestTooSmallIgnoresEveryKeyButCtrlC(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.press("n")
	f.typeText("the keeper climbs the stairs")
	f.press("ctrl+s")
	f.shows(t, "Review before spending")
	f.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	for _, k := range []string{"y", "enter", "n", "esc", "?", "q", "g", "f", "d", "tab", "up", "down", "space", "ctrl+s", "1", "D", "s"} {
		f.press(k)
	}
	f.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("yes")})
	if n := f.env.Srv.Sim.Requests(sim.PathExtend); n != 0 {
		t.Fatalf("%d extend requests reached the service from behind the small screen", n)
	}
	if f.top() != scrCompose {
		t.Fatalf("a key changed the screen behind the small one: top %v", f.top())
	}
	f.send(tea.WindowSizeMsg{Width: 120, Height: 36})
	f.shows(t, "Review before spending")
	f.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	if cmd := f.update(uitest.Key("ctrl+c")); cmd == nil {
		t.Fatal("ctrl+c did not quit from the small screen")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit from the small screen")
	}
}

// The message wraps to the width, so even 20×5 reads what is needed.
func TestTooSmallMessageWrapsToTheWindow(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 20, 5, false)
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) > 5 {
		t.Errorf("%d lines at 20×5:\n%s", len(lines), v)
	}
	for _, l := range lines {
		if w := lipgloss.Width(l); w > 20 {
			t.Errorf("a line of %d cells at 20×5: %q", w, l)
		}
	}
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{"60×16", "20×5", "ctrl+c quits"} {
		if !strings.Contains(flat, want) {
			t.Errorf("%q is not readable at 20×5:\n%s", want, v)
		}
	}
}

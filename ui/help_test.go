package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// Help fits the terminal: no line is wider than it (the intro was cut at
// 80 columns), and where the keys are taller than the screen (60×24) the
// help scrolls and says so, so every binding of the list, the global ones
// included, can be read; none is cut off the bottom unseen.
func TestHelpFitsAt80And60Columns(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{80, 24}, {60, 24}, {120, 36}, {60, 16}} {
		m, _ := seededRoot(t, sz.w, sz.h, false)
		m.press("?")
		seen := map[string]bool{}
		var order []string // the lines in the order first seen
		for range 40 {
			for _, l := range strings.Split(m.View(), "\n") {
				if w := lipgloss.Width(l); w > sz.w {
					t.Fatalf("%dx%d: a help line is %d wide: %q", sz.w, sz.h, w, l)
				}
				if l = strings.TrimSpace(l); !seen[l] {
					seen[l] = true
					order = append(order, l)
				}
			}
			m.press("down")
		}
		text := strings.Join(strings.Fields(strings.Join(order, " ")), " ")
		if !strings.Contains(text, "not while typing in a field).") {
			t.Errorf("%dx%d: the intro is cut", sz.w, sz.h)
		}
		for _, b := range append(flat(m.list.KeyMap().FullHelp()), m.keys.Help, m.keys.Messages, m.keys.Settings, m.keys.Quit, m.keys.ForceQuit) {
			if h := b.Help(); !strings.Contains(text, h.Desc) {
				t.Errorf("%dx%d: help never shows %q (%s)", sz.w, sz.h, h.Desc, h.Key)
			}
		}
		if sz.w == 60 && sz.h == 24 {
			m.press("home", "pgup", "pgup")
			m.send(wheel(true, 5, 5))
			if !strings.Contains(m.View(), "lines 2–") {
				t.Errorf("the wheel does not scroll the help:\n%s", m.View())
			}
		}
		m.press("esc")
		if m.top() != scrTasks {
			t.Fatalf("esc did not close the help")
		}
	}
}

func flat[T any](groups [][]T) []T {
	var out []T
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

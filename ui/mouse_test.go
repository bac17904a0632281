package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/ui/tasklist"
)

func wheel(down bool, x, y int) tea.MouseMsg {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	return tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress}
}

func leftClick(x, y int) tea.MouseMsg {
	return tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
}

// The first task row is the screen's third line (tabs, column titles).
const firstRowY = 2

// The wheel moves the selection, a click selects the row under it, a second
// click soon after on the same row opens Details; a click on a tab shows
// that view (issue 15.1).
func TestMouseOnTheList(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, _ := seededRoot(t, sz.w, sz.h, false)
			first := m.list.Selected().LocalID
			for range 3 {
				m.send(wheel(true, 10, 5))
			}
			m.send(wheel(false, 10, 5))
			if got := rowOf(t, m); got != 2 {
				t.Fatalf("three steps down and one up selected row %d, want 2", got)
			}
			m.send(leftClick(30, firstRowY+4))
			sel := m.list.Selected().LocalID
			if got := rowOf(t, m); got != 4 {
				t.Fatalf("a click on the fifth row selected row %d", got)
			}
			if m.top() != scrTasks {
				t.Fatal("one click opened a screen")
			}
			// Two clicks a second apart are two single clicks.
			m.p.Advance(time.Second)
			m.send(leftClick(30, firstRowY+4))
			if m.top() != scrTasks {
				t.Fatal("two clicks a second apart opened Details")
			}
			m.send(leftClick(30, firstRowY+4))
			if m.top() != scrDetails || m.details.v().ID() != sel {
				t.Fatalf("a double click did not open the row's Details (top %v)", m.top())
			}
			m.press("esc")
			m.send(leftClick(strings.Index(firstLine(m), "Failed"), 0))
			if m.list.CurrentView() != tasklist.Failed {
				t.Fatalf("a click on the Failed tab shows view %v:\n%s", m.list.CurrentView(), firstLine(m))
			}
			if !strings.Contains(firstLine(m), "[Failed") {
				t.Errorf("the Failed tab is not marked after the click:\n%s", firstLine(m))
			}
			if first == "" {
				t.Fatal("no task selected at start")
			}
		})
	}
}

// Clicks on the help line and the status bar, and anything behind the
// "too small" screen, do nothing.
func TestMouseOutsideTheBodyDoesNothing(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 80, 24, false)
	before := m.list.Selected().LocalID
	m.send(leftClick(5, 22))
	m.send(leftClick(5, 23))
	m.send(wheel(true, 5, 23))
	if m.list.Selected().LocalID != before || m.top() != scrTasks {
		t.Fatal("a click below the list acted")
	}
	m.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	m.send(leftClick(5, firstRowY+3))
	m.send(leftClick(5, firstRowY+3))
	m.send(wheel(true, 5, 5))
	m.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if m.list.Selected().LocalID != before || m.top() != scrTasks {
		t.Fatal("the mouse acted behind the too-small screen")
	}
}

// The wheel scrolls the Details page as ↓ does.
func TestMouseWheelScrollsDetails(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, _ := seededRoot(t, sz.w, 16, false)
			m.press("enter")
			if m.top() != scrDetails {
				t.Fatal("enter did not open Details")
			}
			if !strings.Contains(m.View(), "lines 1–") {
				t.Skipf("the page fits at %s: nothing to scroll", sz.name)
			}
			m.send(wheel(true, 10, 3))
			if !strings.Contains(m.View(), "lines 4–") {
				t.Fatalf("a wheel step did not scroll three lines:\n%s", m.View())
			}
			m.send(wheel(false, 10, 3))
			if !strings.Contains(m.View(), "lines 1–") {
				t.Fatalf("a wheel step up did not scroll back:\n%s", m.View())
			}
		})
	}
}

func firstLine(m *rig) string { return strings.SplitN(m.View(), "\n", 2)[0] }

// rowOf is the selected row's line among the rows on screen (0 = first).
func rowOf(t *testing.T, m *rig) int {
	t.Helper()
	lines := strings.Split(m.View(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "> ") {
			return i - firstRowY
		}
	}
	t.Fatalf("no selected row on screen:\n%s", m.View())
	return -1
}

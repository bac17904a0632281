// Package timer is how the TUI waits. Screens start every timer through a
// Func handed down from the root instead of calling tea.Tick themselves, so
// a test can hold the timers and fire them when it chooses (uitest.Pump),
// and an idle program can be shown to start none.
package timer

import (
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	tea "github.com/charmbracelet/bubbletea"
)

// Func starts a timer: after d it yields fn's message (tea.Tick's shape).
type Func func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd

// After starts a timer with f, or with tea.Tick when f is nil (the program).
func After(f Func, d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	if f == nil {
		return tea.Tick(d, fn)
	}
	return f(d, fn)
}

// SteadyCursor is the mode of every text cursor: shown, not blinking. A
// blinking cursor is a timer twice a second for as long as a field has
// focus, which an idle veox must not run, and one no test could hold.
const SteadyCursor = cursor.CursorStatic

// Command benchkeysref is the reference scripts/bench-keys.sh holds keys
// down in beside veox: the least a Bubble Tea program of veox's versions
// can do per key. It draws a list of as many rows as veox's at the same
// size, a header with "N of M" (where the script reads the position) and
// a cursor moved by j/k (a row) and PageDown/PageUp (a screen), with no
// styling, no storage and no timers. What veox spends per key above it is
// veox's own work; what both spend is Bubble Tea's reading of the key, its
// frame and the terminal's share.
package main

import (
	"fmt"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// total is as many rows as the big history the script seeds.
const total = 100_004

type model struct{ cursor, width, height int }

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg:
		page := max(1, m.height-7)
		if msg.Type == tea.KeyRunes && strings.Trim(string(msg.Runes), "j") == "" {
			m.cursor += len(msg.Runes) // presses that arrived together ("jj")
			msg = tea.KeyMsg{}
		}
		switch msg.String() {
		case "ctrl+c", "q":
			return m, tea.Quit
		case "j", "down":
			m.cursor++
		case "k", "up":
			m.cursor--
		case "pgdown":
			m.cursor += page
		case "pgup":
			m.cursor -= page
		}
		m.cursor = max(0, min(m.cursor, total-1))
	}
	return m, nil
}

func (m model) View() string {
	rows := max(1, m.height-7)
	top := m.cursor / rows * rows
	var b strings.Builder
	fmt.Fprintf(&b, "reference  %d of %d\n\n", m.cursor+1, total)
	for i := top; i < top+rows; i++ {
		mark := "  "
		if i == m.cursor {
			mark = "> "
		}
		line := fmt.Sprintf("%s✓ done    generate %08x  A red fox dances in the rain of a neon city, row %d", mark, i*2654435761, i)
		if len(line) > m.width {
			line = line[:m.width]
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\nj/k move · pgdown/pgup a screen · q quits")
	return b.String()
}

func main() {
	if _, err := tea.NewProgram(model{}, tea.WithAltScreen()).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

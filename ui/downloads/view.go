package downloads

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/format"
)

// View lists the downloads, newest first, from the scroll offset; only the
// rows that fit are rendered.
func (m Model) View() string {
	st := m.deps.Styles
	head := st.Title.Render("Downloads") + "  " + st.Faint.Render("into "+m.deps.Service.DownloadDir())
	if len(m.entries) == 0 {
		return head + "\n\n" + st.Faint.Render(format.Wrap("Nothing downloaded in this session yet. Finished tasks download by themselves\n(a setting), or press d on a finished task.", m.width))
	}
	room := max(2, m.height-3) // the title, a blank line, the "more" line
	var rows []string
	i := m.offset
	for ; i < len(m.entries); i++ {
		r := m.row(m.entries[i])
		if n := strings.Count(r, "\n") + 1; n > room && len(rows) > 0 {
			break
		} else {
			room -= n
		}
		rows = append(rows, r)
	}
	out := head + "\n\n" + strings.Join(rows, "\n")
	if more := len(m.entries) - i; more > 0 {
		out += "\n" + st.Faint.Render(fmt.Sprintf("… %d more (↓)", more))
	}
	return out
}

// row is what it is, then how it is going: a bar while it arrives, the
// whole path once saved, the whole message if it failed.
func (m Model) row(e *entry) string {
	head := fmt.Sprintf("%s %-10s %s", m.glyph(e), format.Short(e.label), format.Line(e.prompt, max(10, m.width-22)))
	return head + "\n" + m.detail(e)
}

func (m Model) glyph(e *entry) string {
	st := m.deps.Styles
	switch e.state {
	case done:
		if !e.file.Wrote && e.path != "" {
			return st.Success.Render("✓ on disk")
		}
		return st.Success.Render("✓ saved ")
	case failed:
		return st.Error.Render("✗ failed")
	}
	return st.Running.Render("↓ fetch ")
}

func (m Model) detail(e *entry) string {
	st := m.deps.Styles
	w := max(10, m.width-2)
	switch e.state {
	case done:
		// Each piece is styled alone: a style over several lines pads them
		// to one width, which would push the size off the screen.
		lines := eachLine(format.Break(e.path, w), st.Faint.Render)
		last, size := lines[len(lines)-1], "  "+format.Size(e.size)
		if marks := format.FileMarks(e.file.File, false); marks != "" {
			size += " · " + marks
		}
		if lipgloss.Width(last+size) <= m.width {
			lines[len(lines)-1] = last + size
		} else {
			lines = append(lines, size)
		}
		return strings.Join(lines, "\n")
	case failed:
		return strings.Join(eachLine(strings.Split(format.Wrap(e.err.Error(), w), "\n"), st.Error.Render), "\n")
	}
	if e.snap.Waiting {
		return "  " + st.Faint.Render(format.Waiting)
	}
	return "  " + m.bar.ViewAs(fraction(e)) + "  " + amounts(e)
}

// eachLine styles and indents each line on its own.
func eachLine(lines []string, style func(...string) string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + style(l)
	}
	return out
}

func fraction(e *entry) float64 {
	if e.snap.Total <= 0 {
		return 0
	}
	return float64(e.snap.Done) / float64(e.snap.Total)
}

// amounts is format.Transfer of the entry's last snapshot.
func amounts(e *entry) string {
	s := e.snap
	return format.Transfer(s.Done, s.Total, s.BytesPerSec, s.ETA)
}

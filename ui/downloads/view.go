package downloads

import (
	"fmt"
	"strings"

	"github.com/veox/veox/ui/format"
)

// View lists the downloads, newest first, from the scroll offset; only the
// rows that fit are rendered.
func (m Model) View() string {
	st := m.deps.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Downloads") + "  " + st.Faint.Render("into "+m.deps.Service.DownloadDir()) + "\n\n")
	if len(m.entries) == 0 {
		b.WriteString(st.Faint.Render("Nothing downloaded in this session yet. Finished tasks download by themselves\n(a setting), or press d on a finished task."))
		return b.String()
	}
	rows := max(1, (m.height-2)/2)
	for i := m.offset; i < len(m.entries) && i < m.offset+rows; i++ {
		b.WriteString(m.row(m.entries[i]) + "\n")
	}
	if more := len(m.entries) - m.offset - rows; more > 0 {
		b.WriteString(st.Faint.Render(fmt.Sprintf("… %d more (↓)", more)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// row is two lines: what it is, then how it is going.
func (m Model) row(e *entry) string {
	head := fmt.Sprintf("%s %s  %s", m.glyph(e), format.ShortID(e.id, 14), format.Line(e.prompt, max(10, m.width-24)))
	return head + "\n  " + m.detail(e)
}

func (m Model) glyph(e *entry) string {
	st := m.deps.Styles
	switch e.state {
	case done:
		return st.Success.Render("✓ saved ")
	case failed:
		return st.Error.Render("✗ failed")
	}
	return st.Running.Render("↓ fetch ")
}

func (m Model) detail(e *entry) string {
	st := m.deps.Styles
	switch e.state {
	case done:
		return st.Faint.Render(format.Line(e.path, m.width-16)) + "  " + format.Size(e.size)
	case failed:
		return st.Error.Render(format.Line(e.err.Error(), m.width-4))
	}
	return m.bar.ViewAs(fraction(e)) + "  " + amounts(e)
}

func fraction(e *entry) float64 {
	if e.snap.Total <= 0 {
		return 0
	}
	return float64(e.snap.Done) / float64(e.snap.Total)
}

// amounts is "45%  4.2 MB of 9.1 MB  1.3 MB/s  6s left", with what is known.
func amounts(e *entry) string {
	s := e.snap
	if s.Total <= 0 {
		return format.Size(s.Done) + "  starting…"
	}
	out := fmt.Sprintf("%3.0f%%  %s of %s  %s", 100*fraction(e), format.Size(s.Done), format.Size(s.Total), format.Speed(s.BytesPerSec))
	if s.ETA > 0 {
		out += "  " + format.Rough(s.ETA) + " left"
	}
	return out
}

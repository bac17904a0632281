package compose

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

const (
	labelW   = 11 // the label column
	minWidth = 50
)

// layout sizes the fields for the current area. Called whenever the size
// or the focus changes; View itself never changes the model.
func (m Model) layout() Model {
	vw := m.valueWidth()
	promptH := 3
	if m.height >= 30 {
		promptH = 6
	}
	for i := range m.fields {
		f := &m.fields[i]
		switch {
		case f.id == fSeed:
			f.line.Width = 7
		case f.kind == kindLine:
			f.line.Width = vw - 1
		case f.id == fPrompt:
			f.area.SetWidth(vw)
			f.area.SetHeight(promptH)
		case f.kind == kindArea:
			f.area.SetWidth(vw)
			f.area.SetHeight(3)
		}
	}
	return m
}

func (m Model) w() int { return max(m.width, minWidth) }

// valueWidth is what is left for a field's value beside its label and the
// focus marker.
func (m Model) valueWidth() int { return m.w() - 2 - labelW - 1 }

// View renders the current step.
func (m Model) View() string {
	switch m.stage {
	case stageConfirm, stageSending:
		return m.confirmView()
	case stageDone:
		return m.doneView()
	}
	return m.formView()
}

func (m Model) title() string {
	if m.mode == modeExtend {
		return "Extend a video"
	}
	return "Generate a new video"
}

// formView: title, the fields (scrolled to keep the focused one in view),
// then the balance, any form-level error and the submit hint, which is
// never cut.
func (m Model) formView() string {
	s := m.d.Styles
	head := []string{s.Title.Render(m.title())}
	if m.src.fixed {
		head = append(head, s.FieldBlurred.Render(m.row(s.Label, "Source", strings.Join(m.sourceLines(), "\n"))))
	}
	head = append(head, "")
	foot := m.footer()
	avail := m.height - len(head) - strings.Count(strings.Join(foot, "\n"), "\n") - 1
	var body []string
	if m.picker.open {
		body = m.pickerLines(avail)
	} else {
		body = m.fieldLines(avail)
	}
	return strings.Join(append(append(head, body...), foot...), "\n")
}

// fieldLines renders the visible fields and scrolls them so the focused one
// is in view, with a marker where more lies above or below.
func (m Model) fieldLines(avail int) []string {
	var lines []string
	start, end := 0, 0
	for i, f := range m.fields {
		if !m.visible(f.id) {
			continue
		}
		block := strings.Split(m.fieldBlock(i), "\n")
		if i == m.focus {
			start, end = len(lines), len(lines)+len(block)
		}
		lines = append(lines, block...)
	}
	if len(lines) <= avail || avail < 3 {
		return lines
	}
	// Scroll only as far as the focused field needs; a marker line says
	// where more lies.
	room, off := avail-1, 0
	if end > room {
		room = avail - 2
		off = min(max(0, end-room), start, len(lines)-room)
	}
	s := m.d.Styles
	var out []string
	if off > 0 {
		out = append(out, s.Faint.Render("  ↑ more above"))
	}
	out = append(out, lines[off:min(off+room, len(lines))]...)
	if off+room < len(lines) {
		out = append(out, s.Faint.Render("  ↓ more below (tab)"))
	}
	return out
}

// fieldBlock is one field: the focus marker (a bar that reads without
// colour), the label, the value and its notes.
func (m Model) fieldBlock(i int) string {
	s := m.d.Styles
	f := m.fields[i]
	focused := i == m.focus
	label, frame := s.Label, s.FieldBlurred
	if focused {
		label, frame = s.Bold, s.FieldFocused
	}
	parts := append([]string{m.valueView(f, focused)}, m.notes(f)...)
	return frame.Render(m.row(label, f.label, strings.Join(parts, "\n")))
}

// row puts a label beside a block of text.
func (m Model) row(label lipgloss.Style, name, value string) string {
	return lipgloss.JoinHorizontal(lipgloss.Top, label.Width(labelW).Render(name), value)
}

func (m Model) valueView(f field, focused bool) string {
	s := m.d.Styles
	switch {
	case f.kind == kindChoice:
		if focused {
			return renderChoice(s, f, true, m.valueWidth()-5) + s.Faint.Render("  ←/→")
		}
		return renderChoice(s, f, false, m.valueWidth())
	case f.id == fSeed:
		return lipgloss.JoinHorizontal(lipgloss.Top, f.line.View(), " ", m.seedNote(f.value()))
	case f.kind == kindLine:
		return f.line.View()
	}
	return f.area.View()
}

// seedNote is the live check beside the seed field.
func (m Model) seedNote(v string) string {
	s := m.d.Styles
	width := m.valueWidth() - 9
	_, err := tasks.ParseSeed(v)
	switch {
	case err != nil:
		return s.Error.Render(wrap("✗ "+err.Error(), width))
	case strings.TrimSpace(v) == "":
		return s.Faint.Render(wrap("empty = random · ctrl+r rolls one", width))
	}
	return s.Success.Render(wrap("✓ same seed, similar result", width))
}

// notes are the lines under a field: its validation message first, then
// hints and warnings.
func (m Model) notes(f field) []string {
	s := m.d.Styles
	vw := m.valueWidth()
	var out []string
	if msg := m.errs[f.id]; msg != "" && f.id != fSeed {
		out = append(out, s.Error.Render(wrap("✗ "+msg, vw)))
	}
	switch f.id {
	case fPrompt:
		if !tasks.LooksEnglish(f.value()) {
			out = append(out, s.Warning.Render(wrap("! this does not look like English: the service recommends English prompts and may refuse others", vw)))
		}
	case fSource:
		out = append(out, m.sourceLines()...)
	case fImages:
		out = append(out, s.Faint.Render(wrap(imagesHint(m.get(fType)), vw)))
	case fResolution, fDuration, fModel:
		if w := m.generateWarning(f.id); w != "" && m.errs[f.id] == "" {
			out = append(out, s.Warning.Render(wrap("! "+w, vw)))
		}
	}
	return out
}

// sourceLines summarise the video to extend: status and id, its prompt,
// its length and when the service forgets it, or why it cannot be extended.
func (m Model) sourceLines() []string {
	s := m.d.Styles
	vw := m.valueWidth()
	var out []string
	if m.src.checking {
		out = append(out, s.Faint.Render("checking it with the service…"))
	}
	if t := m.src.task; t != nil {
		out = append(out, s.ForStatus(t.Status).Render(format.Glyph(t.Status)+" "+format.StatusWord(t.Status))+
			s.Faint.Render(" · "+ansi.Truncate(t.TaskID, vw-12, "…")))
		if p := strings.Join(strings.Fields(t.Request.Prompt), " "); p != "" {
			out = append(out, ansi.Truncate("“"+p+"”", vw, "…"))
		}
		meta := durationLine(t)
		if e := expiryLine(t, m.d.Now()); e != "" {
			if lipgloss.Width(meta+" · "+e) <= vw {
				meta += " · " + e
			} else {
				meta += "\n" + e // whole phrases on their own lines read better than a wrap mid-date
			}
		}
		out = append(out, s.Faint.Render(wrap(meta, vw)))
	}
	switch {
	case m.sourceProblem() != "":
		out = append(out, s.Error.Render(wrap("✗ cannot extend: "+m.sourceProblem(), vw)))
	case m.src.note != "":
		out = append(out, s.Warning.Render(wrap("! "+m.src.note, vw)))
	case m.src.warning != "":
		out = append(out, s.Warning.Render(wrap("! "+m.src.warning, vw)))
	}
	return out
}

// footer: the balance beside the cost, a form-level error, the submit hint.
func (m Model) footer() []string {
	s := m.d.Styles
	w := m.w() - 2
	bal, failed := m.balanceText()
	balStyle := s.Value
	if failed {
		balStyle = s.Error
	}
	c := m.cost()
	line := s.Label.Render("Balance ") + balStyle.Render(bal) + s.Faint.Render(" · ") +
		s.Label.Render("cost ") + s.Value.Render(costText(c))
	out := []string{"", ansi.Truncate(line, w, "…")}
	if m.lowBalance(c) {
		out = append(out, s.Warning.Render("! the balance may not cover this"))
	}
	switch {
	case m.formErr != "":
		out = append(out, s.Error.Render(wrap("✗ "+m.formErr, w)))
	case m.formNote != "":
		out = append(out, s.Info.Render(wrap(m.formNote, w)))
	}
	return append(out, wrap(m.hint(
		[2]string{"ctrl+s", "review & submit"}, [2]string{"tab", "next"}, [2]string{"esc", "close, keep draft"}), w))
}

// hint renders key/description pairs on one line.
func (m Model) hint(pairs ...[2]string) string {
	s := m.d.Styles
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = s.HelpKey.Render(p[0]) + " " + s.HelpDesc.Render(p[1])
	}
	return strings.Join(parts, s.Faint.Render(" · "))
}

func wrap(s string, width int) string {
	if width < 10 {
		width = 10
	}
	return ansi.Wrap(s, width, "")
}

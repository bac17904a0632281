package compose

import (
	"strings"

	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// fieldID names a field with the same word tasks.FieldError uses, so a
// validation message lands beside the field it is about.
type fieldID string

const (
	fSource     fieldID = "source"
	fPrompt     fieldID = "prompt"
	fType       fieldID = "type"
	fImages     fieldID = "images"
	fAspect     fieldID = "aspect"
	fResolution fieldID = "resolution"
	fDuration   fieldID = "duration"
	fModel      fieldID = "model"
	fSeed       fieldID = "seed"
	fWatermark  fieldID = "watermark"
	fCallback   fieldID = "callback"
)

type fieldKind int

const (
	kindLine   fieldKind = iota // one line of text (textinput)
	kindArea                    // several lines of text (textarea)
	kindChoice                  // one of a few values, cycled with ←/→
)

// choice is one option of a choice field: the value sent and what is shown.
type choice struct{ value, label string }

// field is one row of the form. Only the part matching kind is used.
type field struct {
	id      fieldID
	label   string
	kind    fieldKind
	line    textinput.Model
	area    textarea.Model
	choices []choice
	sel     int
}

func (f field) value() string {
	switch f.kind {
	case kindLine:
		return f.line.Value()
	case kindArea:
		return f.area.Value()
	}
	if len(f.choices) == 0 {
		return ""
	}
	return f.choices[f.sel].value
}

// setValue fills a field; for a choice it selects the matching option and
// reports false when there is none (the choice stays as it was).
func (f *field) setValue(v string) bool {
	switch f.kind {
	case kindLine:
		f.line.SetValue(v)
	case kindArea:
		f.area.SetValue(v)
	default:
		for i, c := range f.choices {
			if strings.EqualFold(c.value, v) {
				f.sel = i
				return true
			}
		}
		return false
	}
	return true
}

func (f *field) focus() tea.Cmd {
	switch f.kind {
	case kindLine:
		return f.line.Focus()
	case kindArea:
		return f.area.Focus()
	}
	return nil
}

func (f *field) blur() {
	f.line.Blur()
	f.area.Blur()
}

// isText: the field takes typed text, so the form captures every key.
func (f field) isText() bool { return f.kind != kindChoice }

func newLine(s theme.Styles, id fieldID, label, placeholder string, limit int) field {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = limit
	in.TextStyle = s.Value
	in.PlaceholderStyle = s.Faint
	in.Cursor.Style = s.Cursor
	in.Cursor.TextStyle = s.Value
	in.Cursor.SetMode(timer.SteadyCursor)
	return field{id: id, label: label, kind: kindLine, line: in}
}

func newArea(s theme.Styles, id fieldID, label, placeholder string, height int) field {
	ta := textarea.New()
	ta.Prompt = ""
	ta.Placeholder = placeholder
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000 // the default 400 would cut long prompts silently
	ta.SetHeight(height)
	// Our renderer's styles, so golden tests and NO_COLOR see plain text.
	plain := textarea.Style{Base: s.Value, CursorLine: s.Value, CursorLineNumber: s.Value,
		EndOfBuffer: s.Faint, LineNumber: s.Faint, Placeholder: s.Faint, Prompt: s.Value, Text: s.Value}
	ta.FocusedStyle, ta.BlurredStyle = plain, plain
	ta.Cursor.Style = s.Cursor
	ta.Cursor.TextStyle = s.Value
	ta.Cursor.SetMode(timer.SteadyCursor)
	// ctrl+e and ctrl+p belong to the form (editor, picker); the textarea
	// keeps end and up for the same moves.
	ta.KeyMap.LineEnd.SetKeys("end")
	ta.KeyMap.LinePrevious.SetKeys("up")
	return field{id: id, label: label, kind: kindArea, area: ta}
}

func newChoice(id fieldID, label string, choices ...choice) field {
	return field{id: id, label: label, kind: kindChoice, choices: choices}
}

// plainChoices makes choices whose label is their value.
func plainChoices(values ...string) []choice {
	cs := make([]choice, len(values))
	for i, v := range values {
		cs[i] = choice{v, v}
	}
	return cs
}

// renderChoice shows every option with a radio glyph, so the selection reads
// without colour, wrapping to width when the options do not fit one line.
func renderChoice(s theme.Styles, f field, focused bool, width int) string {
	var lines []string
	line, lineW := "", 0
	for i, c := range f.choices {
		text, st := "( ) "+c.label, s.Faint
		if i == f.sel {
			text, st = "(•) "+c.label, s.Bold
			if focused {
				st = s.Cursor
			}
		}
		w := lipgloss.Width(text)
		if lineW > 0 && lineW+2+w > width {
			lines = append(lines, line)
			line, lineW = "", 0
		}
		if lineW > 0 {
			line += "  "
			lineW += 2
		}
		line += st.Render(text)
		lineW += w
	}
	return strings.Join(append(lines, line), "\n")
}

// Package input tells typed text from key presses. Bubble Tea v1 delivers
// runes that arrive together (a paste without brackets, a text expander,
// dictation, a held-down key, a slow SSH link) as one key message whose
// String() is the text, so "up", "esc" or "q" inside typed text would
// match a binding. The rules here keep that from happening: while a text
// field has focus its runes are text, always; elsewhere runes that came
// together are so many presses, one each.
package input

import tea "github.com/charmbracelet/bubbletea"

// IsText reports whether a key message is text for a focused field: runes
// (typed, pasted or bracketed) or a space. Everything else (enter, esc,
// tab, arrows, ctrl+…, alt+…) is a real key that may act.
func IsText(msg tea.KeyMsg) bool {
	return (msg.Type == tea.KeyRunes && !msg.Alt) || msg.Type == tea.KeySpace
}

// Presses splits runes that arrived together into one press each ("jjj"
// held down is three presses of j). A bracketed paste outside a text field
// is no press at all: pasted text never acts as keys. Any other message is
// one press, itself.
func Presses(msg tea.KeyMsg) []tea.KeyMsg {
	switch {
	case msg.Type != tea.KeyRunes:
		return []tea.KeyMsg{msg}
	case msg.Paste:
		return nil
	case len(msg.Runes) <= 1:
		return []tea.KeyMsg{msg}
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		out[i] = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
	}
	return out
}

// AsText is a text message marked as pasted. The bubbles text fields match
// their own bindings on String() too (a typed "end" jumps to the end of the
// line, "left" moves the cursor), but never on a paste, whose String() is
// bracketed: so marked, every rune is inserted. Other messages are kept.
func AsText(msg tea.KeyMsg) tea.KeyMsg {
	if msg.Type == tea.KeyRunes && !msg.Alt {
		msg.Paste = true
	}
	return msg
}

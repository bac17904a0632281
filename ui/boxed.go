package ui

import tea "github.com/charmbracelet/bubbletea"

// boxed holds a big screen's model by pointer. Bubble Tea's models are
// values: the root is copied into every method and boxed at every message,
// and Settings (16 KB) and Details (9 KB) were more than half of its 45 KB
// while neither is open most of the time (issue 17, item 6). A change
// stores a new box, never writes into the old one, so a copy of the root
// never sees another's change: the value semantics stay.
type boxed[T any] struct{ p *T }

func box[T any](v T) boxed[T] { return boxed[T]{&v} }

// v is the model, its zero value when the screen was never opened.
func (b boxed[T]) v() T {
	if b.p == nil {
		var zero T
		return zero
	}
	return *b.p
}

// rebox takes a screen's Update: box(model), cmd.
func rebox[T any](v T, cmd tea.Cmd) (boxed[T], tea.Cmd) { return box(v), cmd }

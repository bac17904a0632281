package details

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"

	"github.com/veox/veox/store"
)

// keyMap is every binding of the Details screen; the help is built from
// the same values, filtered to what applies to the task shown.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom      key.Binding
	Prev, Next, OpenSel                          key.Binding
	Extend, Download, Open, Copy, Upscale, Again key.Binding
	Parent, Settle, Dismiss, Back                key.Binding
	Choose1080, Choose4K, Confirm, Cancel, Force key.Binding
	SubmitID                                     key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:         b(k("up", "k"), h("↑/k", "scroll")),
		Down:       b(k("down", "j"), h("↓/j", "scroll")),
		PageUp:     b(k("pgup"), h("pgup", "page up")),
		PageDown:   b(k("pgdown", " "), h("pgdn/space", "page down")),
		Top:        b(k("home", "g"), h("g/home", "top")),
		Bottom:     b(k("end", "G"), h("G/end", "bottom")),
		Prev:       b(k("[", "shift+tab"), h("[/shift+tab", "previous task")),
		Next:       b(k("]", "tab"), h("]/tab", "next task")),
		OpenSel:    b(k("enter"), h("enter", "open it")),
		Extend:     b(k("n"), h("n", "extend")),
		Download:   b(k("d"), h("d", "download")),
		Open:       b(k("o"), h("o", "play")),
		Copy:       b(k("c"), h("c", "copy URL")),
		Upscale:    b(k("u"), h("u", "upscale")),
		Again:      b(k("r"), h("r", "run again, new seed")),
		Parent:     b(k("p"), h("p", "open parent")),
		Settle:     b(k("s"), h("s", "settle: enter the id")),
		Dismiss:    b(k("D"), h("D", "dismiss")),
		Back:       b(k("esc"), h("esc", "back")),
		Choose1080: b(k("1"), h("1", "1080p")),
		Choose4K:   b(k("4", "k"), h("4", "4K")),
		Confirm:    b(k("y", "enter"), h("y/enter", "confirm")),
		Cancel:     b(k("esc", "n"), h("esc", "cancel")),
		Force:      b(k("F"), h("F", "attach anyway")),
		SubmitID:   b(k("enter"), h("enter", "settle with this id")),
	}
}

// viewport scrolls with the screen's own bindings, so every key it
// answers is in the help and none shadows an action (its defaults take d
// and u, which here download and upscale).
func (k keyMap) viewport() viewport.KeyMap {
	off := key.NewBinding(key.WithDisabled())
	return viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown,
		HalfPageUp: off, HalfPageDown: off, Left: off, Right: off}
}

type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

func single(b ...key.Binding) helpMap { return helpMap{short: b, full: [][]key.Binding{b}} }

// help lists the actions that apply to this task in this mode; family says
// whether there are chain or child tasks to choose from.
func (k keyMap) help(m mode, t *store.Task, family bool) helpMap {
	switch m {
	case modeChoose:
		return single(k.Choose1080, k.Choose4K, k.Cancel)
	case modeConfirmUpscale, modeConfirmDismiss:
		return single(k.Confirm, k.Cancel)
	case modeSettle:
		return single(k.SubmitID, k.Back)
	case modeConfirmSettle:
		return single(k.Confirm, k.Force, k.Cancel)
	}
	var acts []key.Binding
	if t != nil {
		switch t.Status {
		case store.StatusSucceeded:
			acts = []key.Binding{k.Extend, k.Download, k.Open, k.Copy, k.Upscale, k.Again}
		case store.StatusFailed, store.StatusRefused:
			acts = []key.Binding{k.Again}
		case store.StatusUnknown:
			acts = []key.Binding{k.Settle, k.Dismiss}
		}
		if t.ParentID != "" {
			acts = append(acts, k.Parent)
		}
	}
	var nav []key.Binding
	if family {
		nav = []key.Binding{k.Next, k.Prev, k.OpenSel}
	}
	scroll := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Back}
	return helpMap{short: shortHelp(acts, nav, k.Back), full: nonEmpty(acts, nav, scroll)}
}

// shortHelp puts the first actions, then how to reach the family, then the
// rest: a narrow footer cuts from the end, and extend and moving along the
// chain are the steps of the usual flow.
func shortHelp(acts, nav []key.Binding, back key.Binding) []key.Binding {
	n := min(len(acts), 2)
	out := append([]key.Binding{}, acts[:n]...)
	if len(nav) > 0 {
		out = append(out, nav[0], nav[2])
	}
	return append(append(out, acts[n:]...), back)
}

func nonEmpty(groups ...[]key.Binding) [][]key.Binding {
	var out [][]key.Binding
	for _, g := range groups {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

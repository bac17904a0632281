package details

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/veox/veox/store"
)

// keyMap is every binding of the Details screen; the help is built from
// the same values, filtered to what applies to the task shown.
type keyMap struct {
	Up, Down, PageUp, PageDown                   key.Binding
	Extend, Download, Open, Copy, Upscale, Again key.Binding
	Parent, Settle, Dismiss, Back                key.Binding
	Choose1080, Choose4K, Confirm, Cancel        key.Binding
	SubmitID                                     key.Binding
}

func newKeys() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:         b(k("up", "k"), h("↑/k", "scroll")),
		Down:       b(k("down", "j"), h("↓/j", "scroll")),
		PageUp:     b(k("pgup"), h("pgup", "page up")),
		PageDown:   b(k("pgdown", " "), h("pgdn", "page down")),
		Extend:     b(k("n"), h("n", "extend")),
		Download:   b(k("d"), h("d", "download again")),
		Open:       b(k("o"), h("o", "open in player")),
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
		SubmitID:   b(k("enter"), h("enter", "settle with this id")),
	}
}

type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

func single(b ...key.Binding) helpMap { return helpMap{short: b, full: [][]key.Binding{b}} }

// help lists the actions that apply to this task in this mode.
func (k keyMap) help(m mode, t *store.Task) helpMap {
	switch m {
	case modeChoose:
		return single(k.Choose1080, k.Choose4K, k.Cancel)
	case modeConfirmUpscale, modeConfirmDismiss:
		return single(k.Confirm, k.Cancel)
	case modeSettle:
		return single(k.SubmitID, k.Back)
	}
	var acts []key.Binding
	if t != nil {
		switch t.Status {
		case store.StatusSucceeded:
			acts = []key.Binding{k.Extend, k.Download, k.Open, k.Copy, k.Upscale, k.Again}
		case store.StatusFailed:
			acts = []key.Binding{k.Again}
		case store.StatusUnknown:
			acts = []key.Binding{k.Settle, k.Dismiss}
		}
		if t.ParentID != "" {
			acts = append(acts, k.Parent)
		}
	}
	short := append(append([]key.Binding{}, acts...), k.Back)
	return helpMap{short: short, full: [][]key.Binding{acts, {k.Up, k.Down, k.PageUp, k.PageDown, k.Back}}}
}

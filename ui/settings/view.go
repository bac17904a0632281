package settings

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/ui/format"
)

const labelW = 17

type keyMap struct {
	Next, Prev, Down, Toggle, Save, Back key.Binding
}

func newKeys() keyMap {
	b, k, h := key.NewBinding, key.WithKeys, key.WithHelp
	return keyMap{
		Next:   b(k("tab", "down"), h("tab/↓", "next")),
		Prev:   b(k("shift+tab", "up"), h("shift+tab/↑", "previous")),
		Down:   b(k("enter"), h("enter", "next")),
		Toggle: b(k(" ", "enter", "left", "right"), h("space", "switch on/off")),
		Save:   b(k("ctrl+s"), h("ctrl+s", "save")),
		Back:   b(k("esc"), h("esc", "back")),
	}
}

func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Save, k.Next, k.Toggle, k.Back}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Save, k.Back}, {k.Next, k.Prev, k.Toggle}}
}

// View is the form: each setting with its value and what it does, then
// the outcome of the last step.
func (m Model) View() string {
	st := m.d.Styles
	w := max(40, m.width)
	lines := []string{st.Title.Render("Settings") + st.Faint.Render("  saved to "+m.d.Settings.Paths.Config+" (readable by you only)"), ""}
	keyNote := "no key saved: paste yours; it is checked with the service before it is saved"
	if m.d.Settings.APIKey != "" {
		keyNote = "a key is in use (never shown); paste a new one to replace it, checked with the service first"
	}
	switch m.d.Settings.KeySource {
	case "env":
		keyNote += ". VEOX_API_KEY is set and wins over the file"
	case "flag":
		keyNote += ". --api-key is given and wins over the file"
	}
	lines = append(lines, m.row(fKey, "API key", m.key.View(), keyNote, m.keyErr)...)
	lines = append(lines, m.row(fFolder, "Download folder", m.folder.View(),
		"made if missing; VEOX_DOWNLOAD_DIR or --download-dir win over it; the demo keeps its videos in its own folder", m.folderErr)...)
	lines = append(lines, m.row(fAuto, "Auto-download", m.box(fAuto), "fetch a task's files as soon as it finishes", "")...)
	lines = append(lines, m.row(fBell, "Bell", m.box(fBell), "ring the terminal bell when a task ends", "")...)
	lines = append(lines, m.row(fNotify, "Notifications", m.box(fNotify), "a desktop notification when a task ends", "")...)
	lines = append(lines, m.row(fOnFinish, "On finish", m.finish.View(),
		"a shell command run when a task ends, the task's JSON on stdin (never the key), for at most a minute; empty turns it off", m.finishErr)...)
	lines = append(lines, "")
	switch {
	case m.stage == checking:
		lines = append(lines, st.Running.Render("checking the key with the service (a balance read, free)… esc stops the check"))
	case m.stage == saving:
		lines = append(lines, st.Running.Render("saving…"))
	case m.note != "":
		lines = append(lines, st.Info.Render(format.Wrap(m.note, w)))
	}
	return strings.Join(lines, "\n")
}

// row is a setting: a focus bar (it reads without colour), the label, the
// value, then its note and any problem, wrapped under the value.
func (m Model) row(f fieldID, label, value, note, problem string) []string {
	st := m.d.Styles
	bar, lst := "  ", st.Label
	if f == m.focus {
		bar, lst = "│ ", st.Bold
	}
	vw := max(20, m.width-labelW-4)
	pad := strings.Repeat(" ", labelW+2)
	out := []string{bar + lipgloss.NewStyle().Width(labelW).Render(lst.Render(label)) + value}
	if problem != "" {
		out = append(out, pad+strings.ReplaceAll(st.Error.Render(format.Wrap("✗ "+problem, vw)), "\n", "\n"+pad))
	}
	if note != "" {
		out = append(out, pad+strings.ReplaceAll(st.Faint.Render(format.Wrap(note, vw)), "\n", "\n"+pad))
	}
	return out
}

func (m Model) box(f fieldID) string {
	if m.toggle[f] {
		return "[x] on"
	}
	return "[ ] off"
}

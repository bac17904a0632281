// Package settings is the Settings screen: the API key, the download
// folder, and whether finished tasks download, ring the bell and raise a
// desktop notification. Saving writes the config file (0600); a new key is
// checked with the service's balance call first, and saved unchecked only
// when the check could not be made and the user insists.
package settings

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/keycheck"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// KeyCheck asks the service for the balance with a key: a refusal (401)
// means the key is wrong; any other error that the check could not be made.
type KeyCheck = keycheck.Func

// Deps wire the screen.
type Deps struct {
	Styles   theme.Styles
	Settings config.Settings // as the program runs with them
	Check    KeyCheck        // nil: a key cannot be checked here (the demo)
	Ctx      context.Context
}

// SavedMsg tells the root the config file was written: Settings are the
// values to run with from now on (the toggles apply at once); Later lists
// what takes effect the next time veox starts.
type SavedMsg struct {
	Settings config.Settings
	Later    []string
}

// ClosedMsg: the user left without saving.
type ClosedMsg struct{}

type fieldID int

const (
	fKey fieldID = iota
	fFolder
	fAuto
	fBell
	fNotify
	fOnFinish
	nFields
)

type stage int

const (
	editing stage = iota
	checking
	saving
)

// Model is the Settings screen.
type Model struct {
	d      Deps
	keys   keyMap
	key    textinput.Model
	folder textinput.Model
	finish textinput.Model // onFinish: a shell command run when a task ends
	toggle [nFields]bool   // fAuto, fBell, fNotify
	focus  fieldID
	stage  stage

	keyErr, folderErr string         // beside their fields
	finishErr         string         // beside the onFinish field
	note              string         // the outcome of the last step
	insist            bool           // the key check could not be made: ctrl+s again saves unchecked
	confirmLeave      bool           // esc with unsaved changes: esc again discards them
	gen               int            // tags checks and saves: a stale answer is dropped
	pending           keycheck.Check // the key check under way, if any: esc stops it

	width, height int
}

// New builds the screen on the settings the program runs with.
func New(d Deps) Model {
	if d.Ctx == nil {
		d.Ctx = context.Background()
	}
	k := textinput.New()
	k.EchoMode, k.EchoCharacter = textinput.EchoPassword, '•'
	k.CharLimit = 4000
	k.Prompt = ""
	k.Placeholder = "paste a new key to replace the saved one"
	if d.Settings.APIKey == "" {
		k.Placeholder = "paste your key from kie.ai's API key page"
	}
	f := textinput.New()
	f.CharLimit = 4000
	f.Prompt = ""
	f.SetValue(d.Settings.Paths.Downloads)
	fin := textinput.New()
	fin.CharLimit = 4000
	fin.Prompt = ""
	fin.Placeholder = "off; e.g. jq -r .status >> ~/veox.log"
	fin.SetValue(d.Settings.OnFinish)
	for _, in := range []*textinput.Model{&k, &f, &fin} {
		in.Cursor.SetMode(timer.SteadyCursor)
		in.PromptStyle, in.TextStyle, in.PlaceholderStyle = d.Styles.Value, d.Styles.Value, d.Styles.Faint
		in.Cursor.Style = d.Styles.Cursor
	}
	m := Model{d: d, keys: newKeys(), key: k, folder: f, finish: fin}
	m.toggle[fAuto], m.toggle[fBell], m.toggle[fNotify] = d.Settings.AutoDownload, d.Settings.Bell, d.Settings.Notify
	m.key.Focus()
	return m
}

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	vw := max(20, w-labelW-4)
	m.key.Width, m.folder.Width, m.finish.Width = vw, vw, vw
	return m
}

// Typing: a text field has focus, so its runes are text.
func (m Model) Typing() bool { return m.stage == editing && isText(m.focus) }

// isText: the field is typed in (the others are switches).
func isText(f fieldID) bool { return f == fKey || f == fFolder || f == fOnFinish }

// Capturing: every key belongs to the screen (esc steps back inside it
// when changes are unsaved).
func (m Model) Capturing() bool { return true }

// Busy: a check or a save is under way.
func (m Model) Busy() bool { return m.stage != editing }

// changed: something differs from what the program runs with.
func (m Model) changed() bool {
	s := m.d.Settings
	return m.key.Value() != "" || strings.TrimSpace(m.folder.Value()) != s.Paths.Downloads ||
		m.toggle[fAuto] != s.AutoDownload || m.toggle[fBell] != s.Bell || m.toggle[fNotify] != s.Notify ||
		strings.TrimSpace(m.finish.Value()) != s.OnFinish
}

type savedMsg struct {
	gen    int
	folder string
	err    error
	field  fieldID // the field the error is about, if any
}

// Update handles keys and the answers of the check and the save.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case keycheck.DoneMsg:
		return m.onChecked(msg)
	case savedMsg:
		return m.onSaved(msg)
	case tea.KeyMsg:
		if m.stage == checking && !input.IsText(msg) && key.Matches(msg, m.keys.Back) {
			m.pending.Stop() // its late answer is dropped: nothing is saved
			m.stage, m.gen, m.keyErr = editing, m.gen+1, keycheck.Stopped
			return m, nil
		}
		if m.stage != editing {
			return m, nil // one save at a time
		}
		return m.onKey(msg)
	}
	return m, nil
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	if m.Typing() && input.IsText(msg) {
		return m.edit(input.AsText(msg))
	}
	if !key.Matches(msg, k.Back) {
		m.confirmLeave = false
	}
	switch {
	case key.Matches(msg, k.Back):
		if m.changed() && !m.confirmLeave {
			m.confirmLeave = true
			m.note = "unsaved changes: ctrl+s saves them, esc again leaves without saving"
			return m, nil
		}
		return m, func() tea.Msg { return ClosedMsg{} }
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Next):
		return m.move(+1), nil
	case key.Matches(msg, k.Prev):
		return m.move(-1), nil
	case !isText(m.focus) && key.Matches(msg, k.Toggle):
		m.toggle[m.focus] = !m.toggle[m.focus]
		return m, nil
	case isText(m.focus) && key.Matches(msg, k.Down):
		return m.move(+1), nil
	}
	return m.edit(msg)
}

// edit hands a key to the focused text field; an edit forgets the
// messages about the value as it was.
func (m Model) edit(msg tea.KeyMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.focus {
	case fKey:
		before := m.key.Value()
		m.key, cmd = m.key.Update(msg)
		if m.key.Value() != before {
			m.keyErr, m.insist, m.note = "", false, ""
		}
	case fFolder:
		before := m.folder.Value()
		m.folder, cmd = m.folder.Update(msg)
		if m.folder.Value() != before {
			m.folderErr, m.note = "", ""
		}
	case fOnFinish:
		before := m.finish.Value()
		m.finish, cmd = m.finish.Update(msg)
		if m.finish.Value() != before {
			m.finishErr, m.note = "", ""
		}
	}
	return m, cmd
}

func (m Model) move(step int) Model {
	m.focus = fieldID((int(m.focus) + step + int(nFields)) % int(nFields))
	m.key.Blur()
	m.folder.Blur()
	m.finish.Blur()
	switch m.focus {
	case fKey:
		m.key.Focus()
	case fFolder:
		m.folder.Focus()
	case fOnFinish:
		m.finish.Focus()
	}
	return m
}

// save checks a new key first (unless the user insists after a check that
// could not be made), then writes the file.
func (m Model) save() (Model, tea.Cmd) {
	m.note = ""
	if !m.changed() {
		m.note = "nothing changed"
		return m, nil
	}
	if why := onFinishLine(m.finish.Value()); why != "" {
		m.finishErr = why
		return m.focusOn(fOnFinish), nil
	}
	newKey := strings.TrimSpace(m.key.Value())
	if newKey != "" {
		if why := keycheck.Malformed(newKey); why != "" {
			m.keyErr, m.focus = why, fKey
			return m.move(0), nil
		}
		if !m.insist {
			if m.d.Check == nil {
				m.keyErr, m.insist = "the demo cannot check a key with the service: ctrl+s again saves it unchecked", true
				return m, nil
			}
			m.stage, m.gen = checking, m.gen+1
			var cmd tea.Cmd
			m.pending, cmd = keycheck.Start(m.d.Ctx, m.d.Check, m.gen, newKey)
			return m, cmd
		}
	}
	return m.write()
}

func (m Model) onChecked(msg keycheck.DoneMsg) (Model, tea.Cmd) {
	if msg.Gen != m.gen || m.stage != checking {
		return m, nil
	}
	m.stage = editing
	if msg.Err != nil {
		m.keyErr, m.insist = keycheck.Verdict(msg.Err)
		if m.insist {
			m.keyErr += ". ctrl+s again saves it unchecked"
		}
		return m.focusOn(fKey), nil
	}
	return m.write()
}

func (m Model) focusOn(f fieldID) Model {
	m.focus = f
	return m.move(0)
}

// write saves the file in a command: the folder is made if missing.
func (m Model) write() (Model, tea.Cmd) {
	m.stage, m.gen = saving, m.gen+1
	path, gen := m.d.Settings.Paths.Config, m.gen
	newKey := strings.TrimSpace(m.key.Value())
	folder := strings.TrimSpace(m.folder.Value())
	auto, bell, notify := m.toggle[fAuto], m.toggle[fBell], m.toggle[fNotify]
	finish := strings.TrimSpace(m.finish.Value())
	folderChanged := folder != m.d.Settings.Paths.Downloads
	return m, func() tea.Msg {
		if why := checkOnFinish(finish); why != "" { // runs sh -n: here, not in Update
			return savedMsg{gen: gen, err: errors.New(why), field: fOnFinish}
		}
		dir := folder
		if folderChanged {
			var err error
			if dir, err = makeFolder(folder); err != nil {
				return savedMsg{gen: gen, err: err, field: fFolder}
			}
		}
		f, err := config.Read(path)
		if err != nil {
			return savedMsg{gen: gen, err: err, field: -1}
		}
		if newKey != "" {
			f.APIKey = newKey
		}
		if folderChanged {
			f.DownloadDir = dir
		}
		f.AutoDownload, f.Bell, f.Notify, f.OnFinish = &auto, &bell, &notify, finish
		return savedMsg{gen: gen, folder: dir, err: config.Write(path, f), field: -1}
	}
}

// makeFolder resolves ~ and relative paths and makes the folder.
func makeFolder(p string) (string, error) {
	if p == "" {
		return "", errors.New("give a folder for the videos")
	}
	if rest, ok := strings.CutPrefix(p, "~"); ok && (rest == "" || rest[0] == '/') {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = home + rest
	}
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return "", errors.New("cannot use this folder: " + err.Error())
	}
	return p, nil
}

func (m Model) onSaved(msg savedMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.stage != saving {
		return m, nil
	}
	m.stage = editing
	if msg.err != nil {
		if msg.field == fOnFinish {
			m.finishErr = msg.err.Error()
			return m.focusOn(fOnFinish), nil
		}
		if msg.field == fFolder {
			m.folderErr = msg.err.Error()
			return m.focusOn(fFolder), nil
		}
		m.note = "could not write " + m.d.Settings.Paths.Config + ": " + msg.err.Error()
		return m, nil
	}
	s := m.d.Settings
	var later []string
	if k := strings.TrimSpace(m.key.Value()); k != "" {
		later = append(later, "the new key")
		if s.KeySource == "env" || s.KeySource == "flag" {
			later[0] = "the new key (once VEOX_API_KEY or --api-key no longer sets one)"
		}
	}
	if msg.folder != s.Paths.Downloads {
		later = append(later, "the download folder")
	}
	s.AutoDownload, s.Bell, s.Notify = m.toggle[fAuto], m.toggle[fBell], m.toggle[fNotify]
	s.OnFinish = strings.TrimSpace(m.finish.Value())
	out := SavedMsg{Settings: s, Later: later}
	return m, func() tea.Msg { return out }
}

// KeyMap is the screen's help.
func (m Model) KeyMap() help.KeyMap { return m.keys }

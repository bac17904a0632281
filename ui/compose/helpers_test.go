package compose

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// fixedNow is the fake clock of every test (the UI's shared one): views
// that say "expires in…" must not change from one run to the next.
var fixedNow = uitest.Now

func asciiStyles() theme.Styles { return uitest.Styles() }

// env is a real Service over loopback HTTP against the simulator.
type env struct {
	srv *sim.Server
	svc *tasks.Service
	st  *store.Store
}

func newEnv(t *testing.T, o sim.Options) *env {
	t.Helper()
	srv, err := sim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	st, err := store.Open(filepath.Join(t.TempDir(), "veox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := tasks.New(tasks.Options{
		API:         api.New(api.Options{BaseURL: srv.URL, APIKey: "k"}),
		Downloader:  download.New(download.Options{}),
		Store:       st,
		DownloadDir: t.TempDir(),
	})
	return &env{srv: srv, svc: svc, st: st}
}

func (e *env) deps() Deps {
	return Deps{Service: e.svc, Styles: asciiStyles(), Now: func() time.Time { return fixedNow }, Tick: heldTimers()}
}

// source imports a demo video the way the form's check does.
func (e *env) source(t *testing.T, id string) *store.Task {
	t.Helper()
	src, err := e.svc.CheckSource(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// drive runs a command and every command that follows from feeding its
// messages back, the way the program would (uitest.Pump: in order, timers
// held, never waited for). The messages that are not the composer's own
// (SubmittedMsg, CancelledMsg, …: news for the root) are returned.
func drive(t *testing.T, m Model, cmd tea.Cmd) (Model, []tea.Msg) {
	t.Helper()
	p := &uitest.Pump{Update: func(msg tea.Msg) tea.Cmd {
		var next tea.Cmd
		m, next = m.Update(msg)
		return next
	}}
	p.Run(cmd)
	var out []tea.Msg
	for _, msg := range p.Seen {
		switch msg.(type) {
		case creditsMsg, sourceCheckedMsg, pickerLoadedMsg, editorReadyMsg, editorDoneMsg, submitDoneMsg, recallLoadedMsg:
		default:
			out = append(out, msg)
		}
	}
	return m, out
}

// heldTimers is a timer.Func whose timers wait in a pump no test fires:
// the sending spinner never turns in these tests.
func heldTimers() timer.Func { return (&uitest.Pump{}).Timer }

var keyTypes = map[string]tea.KeyType{
	"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "enter": tea.KeyEnter, "esc": tea.KeyEsc,
	"ctrl+s": tea.KeyCtrlS, "ctrl+r": tea.KeyCtrlR, "ctrl+p": tea.KeyCtrlP, "ctrl+e": tea.KeyCtrlE,
	"left": tea.KeyLeft, "right": tea.KeyRight, "up": tea.KeyUp, "down": tea.KeyDown,
	"backspace": tea.KeyBackspace,
}

func keyMsg(k string) tea.KeyMsg {
	if rest, ok := strings.CutPrefix(k, "alt+"); ok {
		msg := keyMsg(rest)
		msg.Alt = true
		return msg
	}
	if kt, ok := keyTypes[k]; ok {
		return tea.KeyMsg{Type: kt}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys and runs what they start.
func press(t *testing.T, m Model, keys ...string) (Model, []tea.Msg) {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(keyMsg(k))
		var msgs []tea.Msg
		m, msgs = drive(t, m, cmd)
		out = append(out, msgs...)
	}
	return m, out
}

// typeText types a string one rune at a time, as a terminal would.
func typeText(t *testing.T, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		k := string(r)
		if r == '\n' {
			k = "enter"
		}
		m, _ = press(t, m, k)
	}
	return m
}

// golden is the UI's shared golden check (trailing spaces trimmed).
func golden(t *testing.T, name, got string) { uitest.Golden(t, name, got) }

func mustContain(t *testing.T, view string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(view, p) {
			t.Errorf("view lacks %q:\n%s", p, view)
		}
	}
}

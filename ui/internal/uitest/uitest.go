// Package uitest holds what the TUI's tests share: a real service over
// loopback HTTP against the simulator, Ascii styles, a fake clock, the Pump
// that runs commands in order and holds timers until the test fires them,
// and golden files.
package uitest

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/theme"
)

// update rewrites the golden files in testdata (go test ./ui/... -update).
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Now is the fake clock of views: goldens must not change between runs.
var Now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// Clock returns Now.
func Clock() time.Time { return Now }

// Styles are the theme with the Ascii profile, as under NO_COLOR.
func Styles() theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.New(r)
}

// Env is a real Service against the simulator on loopback.
type Env struct {
	Srv   *sim.Server
	Svc   *tasks.Service
	Store *store.Store
	Dir   string
	DB    string // the history file, for tests that search its bytes
}

// NewEnv starts a simulator whose tasks take min..max, a store in a temp
// dir and a service polling at the built-in cadence (5 s, then 15 s, then 30 s
// of the clock given: tests move a fake one, so no test waits for a poll).
func NewEnv(t testing.TB, min, max time.Duration, now func() time.Time) *Env {
	return NewEnvWith(t, sim.Options{MinDuration: min, MaxDuration: max, Seed: 1}, api.Options{},
		download.Options{}, now)
}

// NewEnvWith is NewEnv with the simulator's, the client's and the
// downloader's options in the test's hands (faults, a real-looking key,
// retry budgets). The client's base URL, and its key when the test gives
// none, are filled in to match the simulator.
func NewEnvWith(t testing.TB, so sim.Options, ao api.Options, do download.Options, now func() time.Time) *Env {
	t.Helper()
	srv, err := sim.Start(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	db := filepath.Join(t.TempDir(), "veox.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ao.BaseURL = srv.URL
	if ao.APIKey == "" {
		ao.APIKey = so.APIKey
	}
	if ao.APIKey == "" {
		ao.APIKey = "k"
	}
	dir := t.TempDir()
	svc := tasks.New(tasks.Options{
		API:         api.New(ao),
		Downloader:  download.New(do),
		Store:       st,
		Now:         now,
		DownloadDir: dir,
		NullGrace:   time.Hour,
	})
	return &Env{Srv: srv, Svc: svc, Store: st, Dir: dir, DB: db}
}

// Golden compares got with testdata/name.golden (rewritten with -update).
func Golden(t testing.TB, name, got string) {
	t.Helper()
	got = trimLines(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Key is a key press as the program would deliver it: a named key (enter,
// esc, tab, shift+tab, the arrows, home, end, pgup, pgdown, backspace,
// space, ctrl+a … ctrl+z), alt+ any of them, or else runes (a letter, or
// letters that arrived together).
func Key(s string) tea.KeyMsg {
	if rest, ok := strings.CutPrefix(s, "alt+"); ok && rest != "" {
		k := Key(rest)
		k.Alt = true
		return k
	}
	if t, ok := keyTypes[s]; ok {
		k := tea.KeyMsg{Type: t}
		if t == tea.KeySpace {
			k.Runes = []rune{' '}
		}
		return k
	}
	if len(s) == 6 && strings.HasPrefix(s, "ctrl+") && s[5] >= 'a' && s[5] <= 'z' {
		return tea.KeyMsg{Type: tea.KeyCtrlA + tea.KeyType(s[5]-'a')}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

var keyTypes = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
	"backspace": tea.KeyBackspace, "delete": tea.KeyDelete, "space": tea.KeySpace,
}

// trimLines drops trailing spaces: padding is not what a golden checks, and
// paths of different lengths (temp dirs) would change it.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// Paste is text as Bubble Tea v1 delivers it when it arrives unbracketed
// (tmux paste-buffer without -p, a text expander, dictation, a slow link):
// each run of characters between spaces and control characters is one
// KeyRunes message whose String() is the run, a space is KeySpace, a
// newline enter, a tab tab. It mirrors the program's input reader.
func Paste(text string) []tea.KeyMsg {
	var out []tea.KeyMsg
	var run []rune
	flush := func() {
		if len(run) > 0 {
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: run})
			run = nil
		}
	}
	for _, r := range text {
		switch r {
		case ' ':
			flush()
			out = append(out, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		case '\n', '\r':
			flush()
			out = append(out, tea.KeyMsg{Type: tea.KeyEnter})
		case '\t':
			flush()
			out = append(out, tea.KeyMsg{Type: tea.KeyTab})
		default:
			run = append(run, r)
		}
	}
	flush()
	return out
}

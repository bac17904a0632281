// Package uitest holds what the TUI's tests share: a real service over
// loopback HTTP against the simulator, Ascii styles, a fake clock, a
// command runner that skips timers, and golden files.
package uitest

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
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

// The -update flag is teatest's golden package's when it is linked in
// (it registers the same name); otherwise ours.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

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
// dir and a service polling every 50 ms.
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
		API:          api.New(ao),
		Downloader:   download.New(do),
		Store:        st,
		Now:          now,
		DownloadDir:  dir,
		PollInterval: 50 * time.Millisecond,
		NullGrace:    time.Hour,
	})
	return &Env{Srv: srv, Svc: svc, Store: st, Dir: dir, DB: db}
}

// Model is any screen: Update returns its own type, so tests pass a func.
type Updater func(tea.Msg) tea.Cmd

// Run executes cmd and feeds what it yields to update, round after round,
// like the program would, but skips timers (ticks, blinks, debounces that
// have not fired within wait) so a test never depends on wall time.
// It returns every message seen.
func Run(update Updater, cmd tea.Cmd, wait time.Duration) []tea.Msg {
	var seen []tea.Msg
	queue := []tea.Cmd{cmd}
	for round := 0; round < 12 && len(queue) > 0; round++ {
		msgs := exec(queue, wait)
		queue = nil
		for _, m := range msgs {
			if skip(m) {
				continue
			}
			seen = append(seen, m)
			if c := update(m); c != nil {
				queue = append(queue, c)
			}
		}
	}
	return seen
}

// exec runs commands concurrently, expanding batches, and keeps what comes
// back within wait.
func exec(cmds []tea.Cmd, wait time.Duration) []tea.Msg {
	ch := make(chan tea.Msg, 64)
	n := 0
	var start func(c tea.Cmd)
	start = func(c tea.Cmd) {
		if c == nil {
			return
		}
		n++
		go func() { ch <- c() }()
	}
	for _, c := range cmds {
		start(c)
	}
	var out []tea.Msg
	deadline := time.After(wait)
	for n > 0 {
		select {
		case m := <-ch:
			n--
			if b, ok := m.(tea.BatchMsg); ok {
				for _, c := range b {
					start(c)
				}
				continue
			}
			if m != nil {
				out = append(out, m)
			}
		case <-deadline:
			return out
		}
	}
	return out
}

// skip drops the messages of timers: frames of spinners and blinking
// cursors, ticks of pollers and progress bars.
func skip(m tea.Msg) bool {
	name := strings.ToLower(reflect.TypeOf(m).String())
	return strings.Contains(name, "tick") || strings.Contains(name, "blink") || strings.Contains(name, "sequencemsg")
}

// Golden compares got with testdata/name.golden (rewritten with -update).
func Golden(t testing.TB, name, got string) {
	t.Helper()
	got = trimLines(got)
	path := filepath.Join("testdata", name+".golden")
	if updating() {
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

// Key is a key press as the program would deliver it.
func Key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
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

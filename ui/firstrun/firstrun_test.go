package firstrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

const secret = "sk-test-4f9d0c2b7ae1"

type screen struct{ m Model }

func (s *screen) update(msg tea.Msg) tea.Cmd {
	next, cmd := s.m.Update(msg)
	s.m = next.(Model)
	return cmd
}

// press runs a key and what it leads to; quit reports whether the program
// would end.
func (s *screen) press(k string) (quit bool) {
	msg := tea.Msg(uitest.Key(k))
	if k == "ctrl+d" {
		msg = tea.KeyMsg{Type: tea.KeyCtrlD}
	}
	p := &uitest.Pump{Update: s.update}
	p.Send(msg)
	for _, msg := range p.Seen {
		if _, ok := msg.(tea.QuitMsg); ok {
			quit = true
		}
	}
	return quit
}

// typ types text as one burst of runes, as a paste arrives.
func (s *screen) typ(text string) { s.press(text) }

func newScreen(t *testing.T, save Save) (*screen, string) {
	path := filepath.Join(t.TempDir(), "veox", "config.json")
	if save == nil {
		save = func(k string) error { return config.SaveAPIKey(path, k) }
	}
	return &screen{m: New(path, uitest.Styles(), save)}, path
}

func TestKeyIsMaskedAndSavedReadableByTheUserOnly(t *testing.T) {
	s, path := newScreen(t, nil)
	s.typ(secret)
	if v := s.m.View(); strings.Contains(v, secret) || strings.Contains(v, secret[:6]) {
		t.Fatalf("the key shows while typed:\n%s", v)
	}
	if !strings.Contains(s.m.View(), "•••") {
		t.Errorf("nothing shows that the key was typed:\n%s", s.m.View())
	}
	if !s.press("enter") {
		t.Fatal("saving did not end the screen")
	}
	if got := s.m.Outcome(); got != (Outcome{Key: secret}) {
		t.Errorf("outcome %+v", got)
	}
	if strings.Contains(s.m.View(), secret) {
		t.Error("the key shows after saving")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", info.Mode().Perm())
	}
	f, err := config.Read(path)
	if err != nil || f.APIKey != secret {
		t.Errorf("config holds %q (%v)", f.APIKey, err)
	}
}

func TestDChoosesTheDemoOnlyWhileTheFieldIsEmpty(t *testing.T) {
	s, _ := newScreen(t, nil)
	if !s.press("d") || !s.m.Outcome().Demo {
		t.Fatalf("d on an empty field: outcome %+v", s.m.Outcome())
	}
	s, _ = newScreen(t, nil)
	s.typ("abc")
	if s.press("d") || s.m.Outcome().Demo {
		t.Error("a d inside a key started the demo")
	}
	if s.m.input.Value() != "abcd" {
		t.Errorf("field holds %q, want abcd", s.m.input.Value())
	}
	if !s.press("ctrl+d") || !s.m.Outcome().Demo {
		t.Error("ctrl+d does not choose the demo while typing")
	}
}

func TestEscAndCtrlCQuitWithNothingChosen(t *testing.T) {
	for _, k := range []string{"esc", "ctrl+c"} {
		s, path := newScreen(t, nil)
		s.typ("abc")
		if !s.press(k) {
			t.Errorf("%s did not quit", k)
		}
		if got := s.m.Outcome(); got != (Outcome{}) {
			t.Errorf("%s: outcome %+v, want none", k, got)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a config was written (%v)", k, err)
		}
	}
}

func TestEmptyOrSpacedKeyIsRefusedWithAMessage(t *testing.T) {
	saved := false
	s, _ := newScreen(t, func(string) error { saved = true; return nil })
	if s.press("enter") {
		t.Fatal("an empty key ended the screen")
	}
	if v := s.m.View(); !strings.Contains(v, "nothing to save yet") {
		t.Errorf("no message for an empty key:\n%s", v)
	}
	s.typ("ab cd")
	s.press("enter")
	if v := s.m.View(); !strings.Contains(v, "without spaces") {
		t.Errorf("no message for a key with a space:\n%s", v)
	}
	if saved {
		t.Error("a refused key was saved")
	}
}

func TestSaveFailureIsShownAndTheScreenStays(t *testing.T) {
	s, _ := newScreen(t, func(string) error { return errors.New("permission denied") })
	s.typ(secret)
	if s.press("enter") {
		t.Fatal("the screen ended although the key was not saved")
	}
	v := s.m.View()
	if !strings.Contains(v, "could not save the key: permission denied") || strings.Contains(v, secret) {
		t.Errorf("view:\n%s", v)
	}
}

func TestFooterComesFromTheBindings(t *testing.T) {
	s, _ := newScreen(t, nil)
	if v := s.m.View(); !strings.Contains(v, "enter save · d demo · esc quit") {
		t.Errorf("footer:\n%s", v)
	}
}

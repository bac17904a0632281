package firstrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/sim"
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
	return s.send(uitest.Key(k))
}

// typ types text as one burst of runes, as a paste arrives.
func (s *screen) typ(text string) { s.press(text) }

// send delivers one message and what it leads to; quit as press.
func (s *screen) send(msg tea.Msg) (quit bool) {
	p := &uitest.Pump{Update: s.update}
	p.Send(msg)
	for _, msg := range p.Seen {
		if _, ok := msg.(tea.QuitMsg); ok {
			quit = true
		}
	}
	return quit
}

// newScreen is the screen saving to a temp config, checking keys with a
// simulator that takes only secret.
func newScreen(t *testing.T, save Save) (*screen, string) {
	t.Helper()
	srv, err := sim.Start(sim.Options{APIKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return newScreenChecking(t, save, checkWith(srv.URL))
}

func checkWith(base string) Check {
	return func(ctx context.Context, key string) (float64, error) {
		return api.New(api.Options{BaseURL: base, APIKey: key, MaxAttempts: 1}).Credit(ctx)
	}
}

func newScreenChecking(t *testing.T, save Save, check Check) (*screen, string) {
	path := filepath.Join(t.TempDir(), "veox", "config.json")
	if save == nil {
		save = func(k string) error { return config.SaveAPIKey(path, k) }
	}
	return &screen{m: New(Deps{Path: path, Styles: uitest.Styles(), Save: save, Check: check})}, path
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
	if got := s.m.Outcome(); got != (Outcome{Key: secret, Checked: true}) {
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

// Every letter is the key being typed, d included; the demo is ctrl+d.
func TestDIsALetterOfTheKeyAndCtrlDTheDemo(t *testing.T) {
	s, _ := newScreen(t, nil)
	if s.press("d") || s.m.Outcome().Demo {
		t.Fatal("d on an empty field started the demo")
	}
	s.typ("abc")
	if s.m.input.Value() != "dabc" {
		t.Errorf("field holds %q, want dabc", s.m.input.Value())
	}
	if !s.press("ctrl+d") || !s.m.Outcome().Demo {
		t.Error("ctrl+d does not choose the demo while typing")
	}
}

// Pasted words that name keys are the key being typed, nothing else.
func TestKeyWordsPastedAreTheKey(t *testing.T) {
	s, path := newScreen(t, nil)
	for _, k := range uitest.Paste("esc q enter ctrl+c ctrl+d end left") {
		if quit := s.send(k); quit {
			t.Fatalf("%q ended the screen", k)
		}
	}
	if got := s.m.input.Value(); got != "esc q enter ctrl+c ctrl+d end left" {
		t.Errorf("the field holds %q", got)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something was saved: %v", err)
	}
}

// A key the service refuses is never saved, and the screen says so.
func TestRefusedKeyIsNotSaved(t *testing.T) {
	s, path := newScreen(t, nil)
	s.typ("sk-wrong-key-0000")
	if s.press("enter") {
		t.Fatal("a refused key ended the screen")
	}
	if v := s.m.View(); !strings.Contains(v, "refused this key") || !strings.Contains(v, "not saved") {
		t.Errorf("no message for a refused key:\n%s", v)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused key was saved: %v", err)
	}
	if s.press("ctrl+s") {
		t.Error("ctrl+s saved a key the service refused")
	}
}

// Offline, the key cannot be checked: enter tries again, and ctrl+s saves
// it unchecked only when the user insists.
func TestUncheckedKeyIsSavedOnlyIfTheUserInsists(t *testing.T) {
	s, path := newScreenChecking(t, nil, checkWith("http://127.0.0.1:1"))
	s.typ(secret)
	if s.press("enter") {
		t.Fatal("an unchecked key ended the screen")
	}
	if v := s.m.View(); !strings.Contains(v, "could not check the key") || !strings.Contains(v, "ctrl+s save it unchecked") {
		t.Fatalf("no way offered to save it anyway:\n%s", v)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("saved before the user insisted: %v", err)
	}
	if !s.press("ctrl+s") {
		t.Fatal("ctrl+s did not save the unchecked key")
	}
	if got := s.m.Outcome(); got != (Outcome{Key: secret}) {
		t.Errorf("outcome %+v, want the key, unchecked", got)
	}
	if f, err := config.Read(path); err != nil || f.APIKey != secret {
		t.Errorf("config holds %q (%v)", f.APIKey, err)
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
	if v := s.m.View(); !strings.Contains(v, "nothing to check yet") {
		t.Errorf("no message for an empty key:\n%s", v)
	}
	s.typ("ab")
	s.press("space")
	s.typ("cd")
	s.press("enter")
	if v := s.m.View(); !strings.Contains(v, "has no spaces") {
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
	if v := s.m.View(); !strings.Contains(v, "enter check and save · ctrl+d demo · esc quit") {
		t.Errorf("footer:\n%s", v)
	}
}

// A check that hangs (a slow network: up to 30 s with retries) can be
// stopped with esc, which leaves the screen typing with nothing saved;
// veox does not quit. Its late answer is dropped, and text pasted while it
// runs is never a key ("esc" in it does not quit either).
func TestEscStopsACheckUnderWay(t *testing.T) {
	hang := func(ctx context.Context, _ string) (float64, error) { <-ctx.Done(); return 0, ctx.Err() }
	s, path := newScreenChecking(t, nil, hang)
	s.typ(secret)
	next, check := s.m.Update(uitest.Key("enter")) // the check starts; its command is held
	s.m = next.(Model)
	if v := s.m.View(); !strings.Contains(v, "checking the key") || !strings.Contains(v, "esc stop the check") {
		t.Fatalf("no sign of the check and how to stop it:\n%s", v)
	}
	if s.press("up left end esc q") {
		t.Fatal("text pasted during the check quit the screen")
	}
	if s.press("esc") {
		t.Fatal("esc during the check quit veox instead of stopping the check")
	}
	if v := s.m.View(); !strings.Contains(v, "check stopped") || !strings.Contains(v, "esc quit") {
		t.Fatalf("the screen does not say the check stopped:\n%s", v)
	}
	if s.send(check()) { // the cancelled check answers late
		t.Fatal("the stopped check's answer ended the screen")
	}
	if v := s.m.View(); strings.Contains(v, "could not check") {
		t.Errorf("the stopped check's answer was shown:\n%s", v)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key was saved: %v", err)
	}
	if s.press("ctrl+s") {
		t.Error("ctrl+s saved a key whose check was stopped")
	}
}

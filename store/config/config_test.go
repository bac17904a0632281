package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestPrecedenceFlagEnvFile(t *testing.T) {
	home := t.TempDir()
	if err := Write(filepath.Join(home, "config.json"), File{APIKey: "file-key", BaseURL: "https://file.example", PollInterval: "30s"}); err != nil {
		t.Fatal(err)
	}
	s, err := Load(Overrides{Home: home}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.APIKey != "file-key" || s.KeySource != "config" || s.BaseURL != "https://file.example" || s.PollInterval != 30*time.Second {
		t.Fatalf("file values not used: %+v", s)
	}
	s, _ = Load(Overrides{Home: home}, env(map[string]string{"VEOX_API_KEY": "env-key", "VEOX_POLL_INTERVAL": "2s"}))
	if s.APIKey != "env-key" || s.KeySource != "env" || s.PollInterval != 2*time.Second {
		t.Fatalf("env does not override file: %+v", s)
	}
	s, _ = Load(Overrides{Home: home, APIKey: "flag-key"}, env(map[string]string{"VEOX_API_KEY": "env-key"}))
	if s.APIKey != "flag-key" || s.KeySource != "flag" {
		t.Fatalf("flag does not override env: %+v", s)
	}
}

func TestDefaultsAndHome(t *testing.T) {
	home := t.TempDir()
	s, err := Load(Overrides{}, env(map[string]string{"VEOX_HOME": home}))
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseURL != DefaultBaseURL || !s.AutoDownload || !s.Bell || s.PollInterval != 0 {
		t.Fatalf("defaults wrong: %+v", s)
	}
	if s.Paths.DB != filepath.Join(home, "history.db") || s.Paths.Config != filepath.Join(home, "config.json") {
		t.Fatalf("home not honoured: %+v", s.Paths)
	}
	d := s.Paths.ForDemo()
	if d.DB == s.Paths.DB || d.Downloads == s.Paths.Downloads {
		t.Fatalf("demo shares files with the real history: %+v", d)
	}
}

func TestBadValuesSayWhatToDo(t *testing.T) {
	home := t.TempDir()
	if _, err := Load(Overrides{Home: home, PollInterval: "soon"}, env(nil)); err == nil {
		t.Fatal("bad poll interval accepted")
	}
	if _, err := Load(Overrides{Home: home, BaseURL: "api.kie.ai"}, env(nil)); err == nil {
		t.Fatal("base URL without scheme accepted")
	}
	if s, err := Load(Overrides{Home: home, PollInterval: "7"}, env(nil)); err != nil || s.PollInterval != 7*time.Second {
		t.Fatalf("bare seconds: %v %v", s.PollInterval, err)
	}
	os.WriteFile(filepath.Join(home, "config.json"), []byte("{nope"), 0o600)
	if _, err := Load(Overrides{Home: home}, env(nil)); err == nil {
		t.Fatal("broken config file accepted silently")
	}
}

func TestSaveAPIKeyIsPrivateAndKeepsOtherSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	if err := Write(path, File{BaseURL: "http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	if err := SaveAPIKey(path, "  sk-123 \n"); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil || f.APIKey != "sk-123" || f.BaseURL != "http://127.0.0.1:1" {
		t.Fatalf("got %+v, %v", f, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v, want 0600", st.Mode().Perm())
	}
}

// Issue 9.12: a key with a trailing CR or LF is trimmed; control
// characters inside are refused with a message that names where the key
// came from and never the key itself.
func TestKeyIsTrimmedAndControlCharactersRefused(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{"sk-abc\r\n", "sk-abc\n", "  sk-abc\t"} {
		s, err := Load(Overrides{Home: home}, env(map[string]string{"VEOX_API_KEY": k}))
		if err != nil || s.APIKey != "sk-abc" {
			t.Errorf("%q: %q, %v", k, s.APIKey, err)
		}
	}
	for _, k := range []string{"sk-a\x1b[2Jbc", "sk-a\rbc", "sk-a bc", "sk-a\x00bc"} {
		_, err := Load(Overrides{Home: home, APIKey: k}, env(nil))
		if err == nil || !strings.Contains(err.Error(), "--api-key") || strings.Contains(err.Error(), k) {
			t.Errorf("%q: %v", k, err)
		}
	}
	if err := Write(filepath.Join(home, "config.json"), File{APIKey: "sk-a\u0085bc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Overrides{Home: home}, env(nil)); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("config file key: %v", err)
	}
}

// Issue 9.12: VEOX_POLL_INTERVAL=1ns meant about 200 polls a second with
// the user's key. Below 1 s is refused, from the flag, the environment and
// the config file alike; a simulator (--demo, a loopback base URL) may be
// polled faster.
func TestPollIntervalBelowOneSecondRefused(t *testing.T) {
	home := t.TempDir()
	for _, v := range []string{"1ns", "999ms", "0.5s"} {
		if _, err := Load(Overrides{Home: home, PollInterval: v}, env(nil)); err == nil || !strings.Contains(err.Error(), "below 1s") {
			t.Errorf("flag %q: %v", v, err)
		}
		if _, err := Load(Overrides{Home: home}, env(map[string]string{"VEOX_POLL_INTERVAL": v})); err == nil || !strings.Contains(err.Error(), "VEOX_POLL_INTERVAL") {
			t.Errorf("env %q: %v", v, err)
		}
	}
	if err := Write(filepath.Join(home, "config.json"), File{PollInterval: "100ms"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Overrides{Home: home}, env(nil)); err == nil || !strings.Contains(err.Error(), "pollInterval") {
		t.Errorf("config file: %v", err)
	}
	if s, err := Load(Overrides{Home: home, PollInterval: "1s"}, env(nil)); err != nil || s.PollInterval != time.Second {
		t.Errorf("1s: %v %v", s.PollInterval, err)
	}
	if s, err := Load(Overrides{Home: home, Simulator: true}, env(nil)); err != nil || s.PollInterval != 100*time.Millisecond {
		t.Errorf("demo: %v %v", s.PollInterval, err)
	}
	for _, base := range []string{"http://127.0.0.1:8790", "http://localhost:1", "http://[::1]:2"} {
		if s, err := Load(Overrides{Home: home, BaseURL: base}, env(nil)); err != nil || s.PollInterval != 100*time.Millisecond {
			t.Errorf("%s: %v %v", base, s.PollInterval, err)
		}
	}
	if _, err := Load(Overrides{Home: home, Simulator: true, PollInterval: "1ns"}, env(nil)); err == nil {
		t.Error("1ns accepted even for the simulator")
	}
}

// Issue 18.4: sidecars are on unless the config file turns them off.
func TestSidecarsOnByDefaultOffByConfig(t *testing.T) {
	home := t.TempDir()
	s, err := Load(Overrides{Home: home}, env(nil))
	if err != nil || !s.Sidecars {
		t.Fatalf("default: %v %+v", err, s.Sidecars)
	}
	off := false
	if err := Write(filepath.Join(home, "config.json"), File{Sidecars: &off}); err != nil {
		t.Fatal(err)
	}
	if s, err = Load(Overrides{Home: home}, env(nil)); err != nil || s.Sidecars {
		t.Fatalf("\"sidecars\": false not honoured: %v %+v", err, s.Sidecars)
	}
	b, _ := os.ReadFile(filepath.Join(home, "config.json"))
	if !strings.Contains(string(b), `"sidecars": false`) && !strings.Contains(string(b), `"sidecars":false`) {
		t.Errorf("config file: %s", b)
	}
}

// The TUI takes the mouse unless the config file says "mouse": false, which
// gives the terminal's own text selection back.
func TestMouseOnUnlessTurnedOff(t *testing.T) {
	home := t.TempDir()
	s, err := Load(Overrides{Home: home}, env(nil))
	if err != nil || !s.Mouse {
		t.Fatalf("mouse off by default (%v): %+v", err, s)
	}
	off := false
	if err := Write(filepath.Join(home, "config.json"), File{Mouse: &off}); err != nil {
		t.Fatal(err)
	}
	if s, _ = Load(Overrides{Home: home}, env(nil)); s.Mouse {
		t.Fatal(`"mouse": false in the config file left the mouse on`)
	}
}

// A shell command saved from Settings reads in the file as it was typed:
// json's HTML escaping wrote "cat \u003e\u003e log" for "cat >> log".
func TestWriteKeepsShellCommandsReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	cmd := `jq -r .status >> ~/veox.log && echo "<done>"`
	if err := Write(path, File{OnFinish: cmd}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `jq -r .status >> ~/veox.log && echo \"<done>\"`) {
		t.Fatalf("the file holds %s", b)
	}
	if f, err := Read(path); err != nil || f.OnFinish != cmd {
		t.Fatalf("read back %q (%v)", f.OnFinish, err)
	}
}

package config

import (
	"os"
	"path/filepath"
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

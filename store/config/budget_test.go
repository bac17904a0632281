package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The budget keys (issue 14): numbers of credits in the config file, the
// environment over them, off when absent, and a bad value says which
// setting and what to give.
func TestBudgetKeys(t *testing.T) {
	home := t.TempDir()
	s, err := Load(Overrides{Home: home}, env(nil))
	if err != nil || s.DailyLimit != 0 || s.ConfirmAbove != 0 {
		t.Fatalf("absent keys are not off: %+v %v", s, err)
	}
	if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"dailyLimit": 1000, "confirmAbove": 200.5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err = Load(Overrides{Home: home}, env(nil)); err != nil || s.DailyLimit != 1000 || s.ConfirmAbove != 200.5 {
		t.Fatalf("config file: %+v %v", s, err)
	}
	if s, err = Load(Overrides{Home: home}, env(map[string]string{"VEOX_DAILY_LIMIT": " 300 ", "VEOX_CONFIRM_ABOVE": "0"})); err != nil ||
		s.DailyLimit != 300 || s.ConfirmAbove != 0 {
		t.Fatalf("the environment does not win: %+v %v", s, err)
	}
	for _, bad := range []map[string]string{{"VEOX_DAILY_LIMIT": "lots"}, {"VEOX_CONFIRM_ABOVE": "-5"}, {"VEOX_DAILY_LIMIT": "NaN"}} {
		_, err := Load(Overrides{Home: home}, env(bad))
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%v: %v (want a refusal naming %s)", bad, err, k)
			}
		}
	}
	os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"dailyLimit": -1}`), 0o600)
	if _, err := Load(Overrides{Home: home}, env(nil)); err == nil || !strings.Contains(err.Error(), "dailyLimit in the config file") {
		t.Errorf("a negative limit in the file: %v", err)
	}
}

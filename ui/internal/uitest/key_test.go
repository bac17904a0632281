package uitest

import "testing"

// Key names each key as Bubble Tea does, so a test presses the key it says.
func TestKeyNames(t *testing.T) {
	for _, k := range []string{"enter", "esc", "tab", "shift+tab", "up", "down", "left", "right", "home", "end",
		"pgup", "pgdown", "backspace", "ctrl+s", "ctrl+c", "ctrl+l", "ctrl+a", "ctrl+z", "alt+up", "q", "jjj"} {
		if got := Key(k).String(); got != k {
			t.Errorf("Key(%q) is %q", k, got)
		}
	}
}

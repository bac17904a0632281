package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sgrMouse is what a terminal sends for a mouse event in SGR mode (the one
// Bubble Tea turns on): button, 1-based column and row, M press, m release.
func sgrMouse(button, x, y int, press bool) string {
	end := "m"
	if press {
		end = "M"
	}
	return fmt.Sprintf("\x1b[<%d;%d;%d%s", button, x+1, y+1, end)
}

// The built TUI asks the terminal for the mouse, the wheel moves the
// selection and a double click opens Details; "mouse": false in the config
// leaves the terminal's mouse alone (issue 15.1).
func TestTmuxMouse(t *testing.T) {
	t.Parallel()
	x := startTmux(t, t.TempDir(), 120, 36, "--demo")
	x.wait("lighthouse", "forest")
	if flags := strings.TrimSpace(x.run("display", "-p", "-t", "0", "#{mouse_button_flag}#{mouse_sgr_flag}")); flags != "11" {
		t.Fatalf("veox did not turn on the mouse (button, sgr flags %q)", flags)
	}
	x.keys("-l", sgrMouse(65, 10, 5, true)) // wheel down: the second task
	s := x.wait("> ✓ done    import   forest")
	if strings.Contains(s, "> ✓ done    import   lighthou") { // the id column shows "lighthou…"
		t.Fatalf("the wheel left the first row selected:\n%s", s)
	}
	row := 2 + 2 // the third task: two lines of titles, then rows
	x.keys("-l", sgrMouse(0, 20, row, true)+sgrMouse(0, 20, row, false)+sgrMouse(0, 20, row, true)+sgrMouse(0, 20, row, false))
	x.wait("Import veo_task_demo_city", "Prompt")

	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"mouse": false}`), 0o600); err != nil {
		t.Fatal(err)
	}
	y := startTmux(t, home, 120, 36, "--demo")
	y.wait("lighthouse", "forest")
	if flags := strings.TrimSpace(y.run("display", "-p", "-t", "0", "#{mouse_any_flag}")); flags != "0" {
		t.Fatalf(`"mouse": false, yet veox turned the mouse on (flag %q)`, flags)
	}
}

// In the built TUI, two words in reverse order find the task and both are
// highlighted (reverse video) in its row (issue 15.4).
func TestTmuxSearchTwoWordsReversed(t *testing.T) {
	t.Parallel()
	x := startTUI(t, t.TempDir(), 120, 36)
	x.wait("lighthouse", "forest")
	x.keys("/")
	x.keys("-l", "cliff lighthouse")
	x.wait("1 found")
	row := ""
	for _, l := range strings.Split(x.run("capture-pane", "-p", "-e"), "\n") {
		if strings.Contains(l, "rocky") {
			row = l
		}
	}
	for _, w := range []string{"lighthouse on a rocky", "cliff"} {
		word := strings.Fields(w)[0]
		if !regexp.MustCompile("\x1b\\[([0-9]+;)*7(;[0-9]+)*m(\x1b\\[[0-9;]*m)*" + word).MatchString(row) {
			t.Errorf("%q is not highlighted in the row %q", word, row)
		}
	}
}

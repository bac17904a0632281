package main

import (
	"os"
	"testing"
	"time"
)

// Closing the terminal window is how a TUI kept open all day usually ends:
// the hangup ends veox the way q does, so it remembers its place (and
// stops its work in hand cleanly). Before, SIGHUP killed it outright and
// the next start opened at the top.
func TestClosingTheTerminalKeepsThePlace(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	x := startTmux(t, home, 120, 36, "--demo")
	x.wait("lighthouse", "1 of 4")
	x.keys("j", "j")
	x.wait("3 of 4")
	x.run("kill-session") // the terminal closes: veox gets SIGHUP

	placeFile := decode[map[string]string](t, veox(t, home, nil, "--demo", "paths", "--json"))["place"]
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(placeFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s 10 s after the terminal closed", placeFile)
		}
		time.Sleep(50 * time.Millisecond)
	}
	again := startTmux(t, home, 120, 36, "--demo")
	again.wait("3 of 4")
}

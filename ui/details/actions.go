package details

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"

	osc52 "github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"
)

// errNoPlayer says why nothing opened, so the user is not left waiting.
var errNoPlayer = errors.New("no system opener found (xdg-open or open)")

// open starts the system player on the first local file, in a command.
func (m Model) open() tea.Cmd {
	id, t, opener := m.id, m.task, m.deps.Opener
	if len(t.Files) == 0 {
		return func() tea.Msg { return noteMsg{id, "no local file yet: press d to download it"} }
	}
	path := t.Files[0].Path
	if opener == nil {
		opener = systemOpen
	}
	return func() tea.Msg {
		if _, err := os.Stat(path); err != nil {
			return noteMsg{id, "the file is gone from disk: press d to download it again"}
		}
		if err := opener(path); err != nil {
			return noteMsg{id, fmt.Sprintf("could not open it: %v; the file is at %s", err, path)}
		}
		return noteMsg{id, "opened in the system player: " + path}
	}
}

// systemOpen runs xdg-open (or open on macOS) without waiting for the
// player; a goroutine reaps it so no zombie is left.
func systemOpen(path string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		return errNoPlayer
	}
	cmd := exec.Command(bin, path)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		defer func() { _ = recover() }()
		_ = cmd.Wait()
	}()
	return nil
}

// copyURL sends the best result URL to the terminal's clipboard through
// OSC 52, which works over SSH too. Whether the terminal takes it, veox
// cannot see, so it says what it did, not that it worked.
func (m Model) copyURL() tea.Cmd {
	id, out := m.id, m.deps.Output
	urls := m.task.BestURLs()
	if len(urls) == 0 {
		return func() tea.Msg { return noteMsg{id, "the service listed no URL for this task"} }
	}
	url := urls[0]
	return func() tea.Msg {
		if err := writeOSC52(out, url); err != nil {
			return noteMsg{id, "could not send the URL to the terminal: " + err.Error()}
		}
		return noteMsg{id, "sent the URL to the terminal's clipboard (OSC 52); if it is not there, " +
			"the terminal does not allow it (in tmux: set -g set-clipboard on) — the URL is shown above to copy by hand"}
	}
}

func writeOSC52(w io.Writer, text string) error {
	if w == nil {
		w = os.Stdout
	}
	// Plain OSC 52, also inside tmux: tmux takes it itself when
	// set-clipboard is on (its usual setting) and passes it on; wrapped in
	// tmux's passthrough it is dropped by tmux 3.3 and later by default.
	_, err := osc52.New(text).WriteTo(w)
	return err
}

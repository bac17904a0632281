// Package act holds what can be done with one task wherever it is shown
// (the list, Details): play it, open its folder, copy one of its values,
// run it again. Each returns the sentence that says what happened, so the
// screen that asked shows it in its own place (Details' note, the status
// bar); both screens call the same functions, so they never drift.
package act

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	osc52 "github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/request"
)

// Opener hands a file or folder to the system (xdg-open, open); tests
// replace it so no real program starts.
type Opener func(path string) error

// errNoOpener says why nothing opened, so the user is not left waiting.
var errNoOpener = errors.New("no system opener found (xdg-open or open)")

// SystemOpen runs xdg-open (or open on macOS) without waiting for the
// program it starts; a goroutine reaps it so no zombie is left.
func SystemOpen(path string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		return errNoOpener
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

// Play opens the task's first local file in the system player. It touches
// the disk: run it in a command.
func Play(t *store.Task, open Opener) (string, bool) {
	if len(t.Files) == 0 {
		return "no local file yet: press d to download it", true
	}
	path := t.Files[0].Path
	if _, err := os.Stat(path); err != nil {
		return "the file is gone from disk: press d to download it again", true
	}
	if err := or(open)(path); err != nil {
		return fmt.Sprintf("could not open it: %v; the file is at %s", err, path), true
	}
	return "opened in the system player: " + path, false
}

// Folder opens the folder that holds the task's first local file.
func Folder(t *store.Task, open Opener) (string, bool) {
	if len(t.Files) == 0 {
		return "no local file yet: press d to download it", true
	}
	dir := filepath.Dir(t.Files[0].Path)
	if _, err := os.Stat(dir); err != nil {
		return "its folder is gone from disk: " + dir, true
	}
	if err := or(open)(dir); err != nil {
		return fmt.Sprintf("could not open the folder: %v; it is %s", err, dir), true
	}
	return "opened the folder " + dir, false
}

func or(open Opener) Opener {
	if open == nil {
		return SystemOpen
	}
	return open
}

// What names a value of a task that can be copied.
type What string

// The values Copy knows.
const (
	URL    What = "URL"
	Path   What = "file path"
	Prompt What = "prompt"
	Seed   What = "seed"
	ID     What = "id"
)

// Value is the text of a value of t, and why there is none when empty.
func Value(t *store.Task, w What) (text, none string) {
	switch w {
	case URL:
		if urls := t.BestURLs(); len(urls) > 0 {
			return urls[0], ""
		}
		return "", "the service listed no URL for this task"
	case Path:
		if len(t.Files) > 0 {
			return t.Files[0].Path, ""
		}
		return "", "no local file yet: press d to download it"
	case Prompt:
		if t.Request.Prompt != "" {
			return t.Request.Prompt, ""
		}
		return "", "this task has no prompt"
	case Seed:
		if s := seedOf(t); s != 0 {
			return strconv.Itoa(s), ""
		}
		return "", "the service has not said its seed yet"
	}
	if t.TaskID != "" {
		return t.TaskID, ""
	}
	return t.LocalID, ""
}

func seedOf(t *store.Task) int {
	if len(t.Seeds) > 0 {
		return t.Seeds[0]
	}
	return t.Request.Seed
}

// Copy sends a value of t to the terminal's clipboard through OSC 52,
// which works over SSH too. Whether the terminal takes it veox cannot see,
// so it says what it did, not that it worked.
func Copy(out io.Writer, t *store.Task, w What) (string, bool) {
	text, none := Value(t, w)
	if text == "" {
		return none, true
	}
	if err := WriteOSC52(out, text); err != nil {
		return "could not send the " + string(w) + " to the terminal: " + err.Error(), true
	}
	return "sent the " + string(w) + " to the terminal's clipboard (OSC 52); if it is not there, " +
		"the terminal does not allow it (in tmux: set -g set-clipboard on)", false
}

// WriteOSC52 writes text as a plain OSC 52 sequence, also inside tmux:
// tmux takes it itself when set-clipboard is on (its usual setting) and
// passes it on; wrapped in tmux's passthrough it is dropped by tmux 3.3
// and later by default.
func WriteOSC52(w io.Writer, text string) error {
	if w == nil {
		w = os.Stdout
	}
	_, err := osc52.New(text).WriteTo(w)
	return err
}

// Again is "run again with a new seed": an extension is run again from
// its parent (nil when not in the history), anything else is generated
// anew; the composer opens filled from t, for the user to review.
func Again(t, parent *store.Task) tea.Msg {
	if t.Kind == store.KindExtend {
		if parent != nil {
			return request.Extend{Source: parent, Again: t}
		}
		return request.Flash{Text: "the source of this extension is not in the history; extend it by id with N", Err: true}
	}
	return request.Generate{Again: t}
}

// AgainCmd is Again for a screen that has not read t's chain: it reads
// the parent from the history in the command.
func AgainCmd(s *store.Store, t store.Task) tea.Cmd {
	return func() tea.Msg {
		var parent *store.Task
		if t.Kind == store.KindExtend {
			if chain, err := s.Chain(t.LocalID); err == nil && len(chain) >= 2 {
				parent = &chain[len(chain)-2]
			}
		}
		return Again(&t, parent)
	}
}

package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/gen2brain/beeep"

	"github.com/veox/veox/store"
)

// focus is what the terminal last said about its focus. Terminals that do
// not report it leave it unknown, and veox then notifies as if the user
// were away (as it did before it asked).
type focus int

const (
	focusUnknown focus = iota
	focusIn
	focusOut
)

// onFinishTimeout bounds the onFinish command: a hook that hangs must not
// pile up one process per ended task.
const onFinishTimeout = time.Minute

// tellEnd is what a task's end sets off besides the status bar: the
// onFinish command, always; a notification (Settings.Notify) only while
// the user is not looking at this terminal.
func (m Model) tellEnd(t *store.Task, title, text string) []tea.Cmd {
	var cmds []tea.Cmd
	if m.o.Settings.OnFinish != "" {
		cmds = append(cmds, onFinishCmd(m.ctx, m.o.Settings.OnFinish, *t))
	}
	if m.o.Settings.Notify && m.focus != focusIn {
		cmds = append(cmds, notifyCmd(m.o.notifier(), title, text))
	}
	return cmds
}

// systemNotifier raises a desktop notification through beeep, or, where
// the desktop is another machine's (over SSH) or beeep fails, asks the
// terminal to show one (OSC 777 or OSC 9); inside tmux, which drops those
// by default, and when all else fails, it rings the bell.
func systemNotifier(out io.Writer, getenv func(string) string) func(title, message string) error {
	if out == nil {
		out = os.Stdout
	}
	return func(title, message string) error {
		remote := getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != ""
		if !remote && beeep.Notify(title, message, "") == nil {
			return nil
		}
		_, err := io.WriteString(out, terminalNotification(getenv, title, message))
		return err
	}
}

// terminalNotification is the sequence that asks this terminal for a
// notification: OSC 9 for the terminals that read it (iTerm2, WezTerm,
// Windows Terminal, kitty), OSC 777 for the others (foot, ghostty, urxvt,
// Konsole, VTE); the bell inside tmux or screen. The text is ours, and
// stripped of anything that could end the sequence early.
func terminalNotification(getenv func(string) string, title, message string) string {
	if getenv("TMUX") != "" || strings.HasPrefix(getenv("TERM"), "screen") {
		return "\a"
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == ';' {
				return ' '
			}
			return r
		}, ansi.Strip(s))
	}
	prog := getenv("TERM_PROGRAM")
	if slices.Contains([]string{"iTerm.app", "WezTerm", "vscode"}, prog) || getenv("WT_SESSION") != "" || getenv("KITTY_WINDOW_ID") != "" {
		return "\x1b]9;" + clean(title+": "+message) + "\a"
	}
	return "\x1b]777;notify;" + clean(title) + ";" + clean(message) + "\a"
}

// onFinishDoneMsg is the outcome of the onFinish command.
type onFinishDoneMsg struct {
	id  string
	err error
}

// onFinishCmd runs the user's command through the shell with the task's
// JSON (the history's record, which never holds the key) on stdin, and
// without VEOX_API_KEY in its environment.
func onFinishCmd(ctx context.Context, command string, t store.Task) tea.Cmd {
	return func() tea.Msg {
		body, err := json.Marshal(t)
		if err != nil {
			return onFinishDoneMsg{t.LocalID, err}
		}
		ctx, cancel := context.WithTimeout(ctx, onFinishTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", command)
		cmd.Stdin = bytes.NewReader(append(body, '\n'))
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "VEOX_API_KEY=") })
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
			if line != "" {
				err = fmt.Errorf("%w: %s", err, ansi.Strip(line))
			}
			return onFinishDoneMsg{t.LocalID, err}
		}
		return onFinishDoneMsg{t.LocalID, nil}
	}
}

// onFinishDone says when the onFinish command failed, with how to fix it.
func (m Model) onFinishDone(msg onFinishDoneMsg) (Model, tea.Cmd) {
	if msg.err == nil {
		return m, nil
	}
	m.o.logger().Warn("onFinish failed", "task", msg.id, "err", msg.err)
	return m.flash("the onFinish command failed ("+msg.err.Error()+"); fix or remove onFinish in "+m.o.Settings.Paths.Config, true)
}

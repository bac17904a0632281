package compose

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// The prompt goes to the user's editor through a temp file: long prompts
// are easier to write there, and tea.ExecProcess hands it the terminal.

type editorReadyMsg struct {
	inst uint64
	gen  int
	path string
	err  error
}

type editorDoneMsg struct {
	inst uint64
	gen  int
	text string
	err  error
}

// openEditor writes the prompt to a temp file in a command (I/O stays out
// of Update); editorReadyMsg then starts the editor.
func (m Model) openEditor() (Model, tea.Cmd) {
	m.editorGen++
	inst, gen, text := m.inst, m.editorGen, m.get(fPrompt)
	return m, func() tea.Msg {
		f, err := os.CreateTemp("", "veox-prompt-*.txt")
		if err != nil {
			return editorReadyMsg{inst: inst, gen: gen, err: err}
		}
		_, werr := f.WriteString(text)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(f.Name())
		}
		return editorReadyMsg{inst: inst, gen: gen, path: f.Name(), err: werr}
	}
}

func (m Model) onEditorReady(msg editorReadyMsg) (Model, tea.Cmd) {
	if msg.inst != m.inst || msg.gen != m.editorGen {
		return m, nil
	}
	if msg.err != nil {
		m.formErr = "could not prepare the prompt for the editor: " + msg.err.Error()
		return m, nil
	}
	cmd, err := editorCommand(os.Getenv("EDITOR"), msg.path, exec.LookPath)
	if err != nil {
		_ = os.Remove(msg.path)
		m.formErr = err.Error()
		return m, nil
	}
	return m, tea.ExecProcess(cmd, readBack(msg.inst, msg.gen, msg.path))
}

// EditorCommand is the user's editor on path: $EDITOR (which may carry
// arguments), else vi, else nano. The story editor opens it too.
func EditorCommand(editor, path string) (*exec.Cmd, error) {
	return editorCommand(editor, path, exec.LookPath)
}

// editorCommand builds the editor's command: $EDITOR (which may carry
// arguments, such as "code -w"), else vi, else nano.
func editorCommand(editor, path string, lookPath func(string) (string, error)) (*exec.Cmd, error) {
	if args := strings.Fields(editor); len(args) > 0 {
		return exec.Command(args[0], append(args[1:], path)...), nil
	}
	for _, name := range []string{"vi", "nano"} {
		if p, err := lookPath(name); err == nil {
			return exec.Command(p, path), nil
		}
	}
	return nil, errors.New("no editor found: set $EDITOR (for example EDITOR=nano)")
}

// readBack runs after the editor exits: it reads the file and removes it.
func readBack(inst uint64, gen int, path string) tea.ExecCallback {
	return func(runErr error) tea.Msg {
		defer os.Remove(path)
		if runErr != nil {
			return editorDoneMsg{inst: inst, gen: gen, err: fmt.Errorf("the editor failed, the prompt is unchanged: %w", runErr)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorDoneMsg{inst: inst, gen: gen, err: fmt.Errorf("could not read the prompt back: %w", err)}
		}
		return editorDoneMsg{inst: inst, gen: gen, text: strings.TrimRight(string(b), "\n")}
	}
}

func (m Model) onEditorDone(msg editorDoneMsg) (Model, tea.Cmd) {
	if msg.inst != m.inst || msg.gen != m.editorGen {
		return m, nil
	}
	if msg.err != nil {
		m.formErr = msg.err.Error()
		return m, nil
	}
	i := m.index(fPrompt)
	m.fields[i].setValue(msg.text)
	delete(m.errs, fPrompt)
	m.formErr = ""
	return m.setFocus(i)
}

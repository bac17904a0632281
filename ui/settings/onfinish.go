package settings

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// checkOnFinish says what is wrong with an onFinish command before it is
// saved, "" when it can run: one line without control characters, shell
// syntax sh accepts (sh -n reads it without running anything), and a
// first word that names a program on PATH unless it is the shell's own
// or shell syntax. Empty turns the hook off and is fine.
func checkOnFinish(command string) string {
	c := strings.TrimSpace(command)
	if c == "" {
		return ""
	}
	if why := onFinishLine(c); why != "" {
		return why
	}
	if why := shellSyntax(c); why != "" {
		return why
	}
	first := strings.Fields(c)[0]
	if strings.ContainsAny(first, "=$`\"'(){}<>|&;*?[]~\\") || shellWords()[first] {
		return "" // an assignment, an expansion, a builtin: sh decides
	}
	if _, err := exec.LookPath(first); err != nil {
		if strings.Contains(first, "/") {
			return first + " is not a program veox can run (missing, or not executable)"
		}
		return "no program " + first + " on PATH: give its full path, or check the name"
	}
	return ""
}

// onFinishLine is the check that needs no program: one line, no control
// characters (a pasted escape sequence would run as part of it).
func onFinishLine(command string) string {
	if strings.IndexFunc(strings.TrimSpace(command), unicode.IsControl) >= 0 {
		return "one line, without control characters: put a longer script in a file and give its path"
	}
	return ""
}

// shellSyntax runs sh -n, which parses the command without running it.
func shellSyntax(c string) string {
	sh, err := exec.LookPath("sh")
	if err != nil {
		return "" // nothing to check with; the hook would fail and say so
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-n", "-c", c)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if cmd.Run() == nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
	if line == "" {
		line = "sh cannot read it"
	}
	return "not a command sh can run: " + ansi.Strip(line)
}

// shellWords are the sh builtins and keywords a command may start with.
func shellWords() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("! . : [ alias bg break cd command continue echo eval exec exit export false fg for " +
		"getopts hash if jobs kill printf pwd read readonly return set shift test times trap true type ulimit umask " +
		"unalias unset wait while until case") {
		m[w] = true
	}
	return m
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A pseudo-terminal whose other end the test holds: it never answers a
// query unless the test does, like CI runners, ssh -tt and editors'
// terminals.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	closed        chan struct{}
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 120})
	p := &pty{master: m, slave: s, closed: make(chan struct{})}
	go p.read()
	t.Cleanup(func() { m.Close(); s.Close() })
	return p
}

func (p *pty) read() {
	defer close(p.closed)
	buf := make([]byte, 4096)
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.out.Write(buf[:n])
		p.mu.Unlock()
		if err != nil {
			return // EIO once the last process on the terminal has gone
		}
	}
}

// drain reads what is left once every process on the terminal is gone.
func (p *pty) drain() string {
	p.slave.Close()
	<-p.closed
	return p.output()
}

func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs veox with the terminal as its controlling terminal, in the
// foreground, as a shell would.
func (p *pty) start(t *testing.T, home string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := veoxCmd(args...)
	cmd.Env = append(cmd.Env, "VEOX_HOME="+home, "VEOX_DOWNLOAD_DIR="+home+"/videos", "VEOX_API_KEY=",
		"TERM=xterm-256color", "CI=", "COLORFGBG=")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd
}

// waitOutput waits until the terminal shows want.
func (p *pty) waitOutput(t *testing.T, want string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%q on the terminal (so far %q)", want, tail(p.output())), func() bool {
		return strings.Contains(p.output(), want)
	})
}

func tail(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

const (
	queryBackground = "\x1b]11;?"
	queryCursor     = "\x1b[6n"
)

// TestHeadlessCommandsNeverQueryTheTerminal: in a terminal that never
// answers, a headless command writes no colour or cursor query and so has
// nothing to wait for. Bubble Tea v1's package init used to send both and
// wait 5 s for every command, --help included.
func TestHeadlessCommandsNeverQueryTheTerminal(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	for _, args := range [][]string{{"paths"}, {"--help"}, {"--demo", "list"}, {"--demo", "status", demoSource}} {
		p := openPTY(t)
		cmd := p.start(t, home, args...)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("veox %v: %v\n%s", args, err, p.output())
			}
		case <-time.After(4 * time.Second): // termenv waits 5 s for an answer
			t.Fatalf("veox %v is still running in a terminal that does not answer: %q", args, tail(p.output()))
		}
		out := p.drain()
		if strings.Contains(out, queryBackground) || strings.Contains(out, queryCursor) {
			t.Fatalf("veox %v queried the terminal: %q", args, tail(out))
		}
		if !strings.Contains(out, "veox") && !strings.Contains(out, "lighthouse") {
			t.Fatalf("veox %v printed nothing recognisable: %q", args, out)
		}
	}
}

// TestTUIAsksForTheBackgroundOnceBeforeItStarts: the TUI is the one face
// that needs the background, and asks for it once, before its first frame.
func TestTUIAsksForTheBackgroundOnceBeforeItStarts(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	cmd := p.start(t, t.TempDir(), "--demo")
	p.waitOutput(t, queryBackground)
	// A light terminal answers: the colour, then the cursor position that
	// tells termenv the answer is complete.
	if _, err := p.master.WriteString("\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[1;1R"); err != nil {
		t.Fatal(err)
	}
	p.waitOutput(t, "lighthouse")
	if _, err := p.master.WriteString("\x03"); err != nil { // ctrl+c quits the program
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the TUI did not end cleanly on ctrl+c: %v", err)
	}
	if n := strings.Count(p.output(), queryBackground); n != 1 {
		t.Fatalf("the TUI asked for the background %d times, want once", n)
	}
}

// TestWaitLineOnTheTerminalOnly: while waiting, one line on stderr (a
// terminal) shows the status and the time so far, redrawn in place; stdout
// (piped) gets only the result.
func TestWaitLineOnTheTerminalOnly(t *testing.T) {
	t.Parallel()
	r := newKillRig(t)
	long := oneJSON[taskOut](t, r.run(t, "generate", "--prompt", "a long one", "--json"))
	p := openPTY(t)
	cmd := veoxCmd("wait", long.TaskID, "--json")
	cmd.Env = append(cmd.Env, "VEOX_HOME="+r.home, "VEOX_DOWNLOAD_DIR="+r.videos(), "VEOX_POLL_INTERVAL=50ms", "TERM=xterm")
	cmd.Env = append(cmd.Env, r.env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, p.slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	p.waitOutput(t, "running")
	r.clock.Advance(2 * time.Minute) // the service finishes it
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wait: %v\n%s", err, p.output())
	}
	line := p.drain()
	if !strings.Contains(line, "\r\x1b[K● running") || !strings.Contains(line, "Ctrl+C stops watching") || strings.Contains(line, "\n") {
		t.Fatalf("the terminal should show one line redrawn in place: %q", line)
	}
	if !strings.HasSuffix(line, "\r\x1b[K") {
		t.Fatalf("the line is not cleared at the end: %q", line)
	}
	if got := oneJSON[taskOut](t, run{stdout: out.String()}); got.Status != "succeeded" {
		t.Fatalf("stdout: %q", out.String())
	}
}

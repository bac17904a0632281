package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmux drives the built TUI inside a tmux server of its own (its own
// socket), the way a person pastes into it: set-buffer and paste-buffer
// without -p deliver the text unbracketed, as text expanders, dictation and
// slow links do. The test waits on what the pane shows, never longer than
// a deadline.
type tmux struct {
	t      *testing.T
	socket string
}

// needTmux skips a test that drives the binary in tmux, before it does
// any work, when tmux is not installed or -short is set.
func needTmux(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("drives the binary in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
}

func startTmux(t *testing.T, home string, w, h int, args ...string) *tmux {
	t.Helper()
	needTmux(t)
	x := &tmux{t: t, socket: fmt.Sprintf("veox-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("env %s VEOX_HOME=%s VEOX_DOWNLOAD_DIR=%s/videos VEOX_API_KEY= VEOX_DEMO_DURATION=1h NO_COLOR=1 TERM=xterm-256color",
		asVeox, home, home)
	x.run("-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), env+" "+exe+" "+strings.Join(args, " "))
	x.stopAtCleanup()
	return x
}

// stopAtCleanup ends the tmux server when the test ends, and waits for the
// veox in its pane to be gone: the server's end only hangs it up, and a
// veox still writing its home while the test's TempDir is removed made the
// removal fail ("directory not empty").
func (x *tmux) stopAtCleanup() {
	pid, _ := strconv.Atoi(strings.TrimSpace(x.run("display-message", "-p", "-t", "0", "#{pane_pid}")))
	x.t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", x.socket, "kill-server").Run()
		deadline := time.Now().Add(10 * time.Second)
		for d := time.Millisecond; pid > 0 && running(pid); d = min(2*d, 50*time.Millisecond) {
			if time.Now().After(deadline) {
				x.t.Errorf("veox (pid %d) still runs 10 s after its tmux server ended", pid)
				return
			}
			time.Sleep(d)
		}
	})
}

// running: the process exists and has not exited (a zombie has closed
// its files; nobody may be there to reap it).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: exists is all we can tell
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.run("capture-pane", "-p") }

// wait returns the screen once it holds every part, or fails after 10 s.
func (x *tmux) wait(parts ...string) string {
	x.t.Helper()
	return x.waitFor(10*time.Second, parts...)
}

// waitFor returns the screen once it holds every part, or fails after d.
// It looks again soon, then less often (each look is a tmux process, and
// on a loaded machine the looks slowed what they waited for).
func (x *tmux) waitFor(d time.Duration, parts ...string) string {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 80*time.Millisecond) {
		out, err := exec.Command("tmux", "-L", x.socket, "capture-pane", "-p").CombinedOutput()
		if err != nil {
			if exec.Command("tmux", "-L", x.socket, "has-session").Run() != nil {
				x.t.Fatalf("veox exited while the test waited for %q", parts)
			}
			x.t.Fatalf("tmux capture-pane: %v\n%s", err, out)
		}
		s := string(out)
		missing := ""
		for _, p := range parts {
			if !strings.Contains(s, p) {
				missing = p
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the screen never showed %q:\n%s", missing, s)
		}
		time.Sleep(pause)
	}
}

func (x *tmux) keys(keys ...string) { x.run(append([]string{"send-keys", "-t", "0"}, keys...)...) }

func (x *tmux) paste(text string) {
	x.run("set-buffer", "--", text)
	x.run("paste-buffer", "-t", "0")
}

// waitGone waits for veox to exit (its session closes with it).
func (x *tmux) waitGone() {
	x.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-L", x.socket, "has-session").Run() == nil {
		if time.Now().After(deadline) {
			x.t.Fatalf("veox did not exit:\n%s", x.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Words that name keys, pasted unbracketed into the prompt, stay text and
// the composer stays open (issue 12.1).
func TestTmuxPastedKeyWordsStayText(t *testing.T) {
	t.Parallel()
	x := startTmux(t, t.TempDir(), 120, 36, "--demo")
	x.wait("lighthouse", "extend")
	x.keys("n")
	x.wait("Extend a video")
	x.paste("The camera tilts up, then pans left to reveal the end of the road; a sign reads esc now. q ? y enter tab ctrl+c")
	s := x.wait("pans left to reveal the end of the road", "esc now.", "ctrl+c")
	if !strings.Contains(s, "Extend a video") || strings.Contains(s, "Review before spending") {
		t.Fatalf("the paste moved the composer:\n%s", s)
	}
}

// At 40×10 on the review step no key but ctrl+c does anything and nothing
// is sent (issue 12.2).
func TestTmuxSmallScreenIgnoresKeys(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	x := startTmux(t, home, 120, 36, "--demo")
	x.wait("lighthouse", "extend")
	x.keys("n")
	x.wait("Extend a video")
	x.keys("-l", "the keeper climbs the stairs")
	x.wait("the keeper climbs the stairs")
	x.keys("C-s")
	x.wait("Review before spending")
	x.run("resize-window", "-t", "0", "-x", "40", "-y", "10")
	x.wait("veox needs")
	x.keys("y", "Enter", "n", "Escape", "?", "q", "g")
	x.paste("yes")
	time.Sleep(300 * time.Millisecond) // the keys have no visible effect to wait for: give them time to be read
	x.run("resize-window", "-t", "0", "-x", "120", "-y", "36")
	x.wait("Review before spending", "the keeper climbs the stairs")
	x.keys("C-c")
	x.waitGone()
	list := decode[[]taskOut](t, veox(t, home, nil, "--demo", "list", "--json"))
	for _, tk := range list {
		if tk.Kind == "extend" {
			t.Fatalf("an extension was created from behind the small screen: %+v", tk)
		}
	}
}

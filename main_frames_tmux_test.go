package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// framesHome is a demo home with the forest source (SMPTE bars) and an
// extension of it downloaded, the extension first in the list.
func framesHome(t *testing.T) (home, extID string) {
	t.Helper()
	home = t.TempDir()
	src := veox(t, home, nil, "--demo", "download", "veo_task_demo_forest", "--json")
	r := veox(t, home, nil, "--demo", "extend", "--task", "veo_task_demo_forest", "--prompt", "the deer runs off",
		"--wait", "--download", "--json")
	if src.code != 0 || r.code != 0 {
		t.Fatalf("download exit %d, extend exit %d: %s %s", src.code, r.code, src.stderr, r.stderr)
	}
	return home, decode[taskOut](t, r).TaskID
}

// startTUI runs the built TUI in a tmux server of its own with the given
// environment (colours on, unlike startTmux's).
func startTUI(t *testing.T, home string, w, h int, env ...string) *tmux {
	t.Helper()
	needTmux(t)
	x := &tmux{t: t, socket: fmt.Sprintf("veox-frames-%d-%d", os.Getpid(), time.Now().UnixNano())}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{asVeox, "VEOX_HOME=" + home, "VEOX_DOWNLOAD_DIR=" + home + "/videos", "VEOX_API_KEY=",
		"VEOX_DEMO_DURATION=1h", "TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR="}
	cmd := "env -u NO_COLOR " + shellQuote(append(base, env...)...) + " " + exe + " --demo"
	x.run("-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmd)
	x.stopAtCleanup()
	return x
}

func shellQuote(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// Details of an extension at 120×36 in tmux shows the seam in half-blocks:
// the left picture's top carries the source's SMPTE bars, in order.
func TestTmuxDetailsShowsTheSeam(t *testing.T) {
	needTmux(t)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not on PATH: this test decodes real frames (CI installs it; here: sudo apt install ffmpeg)")
	}
	t.Parallel()
	home, ext := framesHome(t)
	x := startTUI(t, home, 120, 36)
	x.wait(ext[:8], "forest")
	x.keys("Enter")
	// Decoding four frames on a loaded machine can take longer than the usual 10 s.
	s := x.waitFor(60*time.Second, "Seam", "the source's last frame", "first new frame · 8.0 s")
	lines := strings.Split(s, "\n")
	top := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "Seam") {
			top = i + 1
			break
		}
	}
	if top < 0 || !strings.Contains(lines[top], "▀▀▀▀") {
		t.Fatalf("no half-blocks under the seam's title:\n%s", s)
	}
	cells := playBack(x.run("capture-pane", "-e", "-p"))
	row := cells[top+3] // a quarter of the way down a 12-row picture: in the bars
	width := 0
	for width+2 < len(row) && row[2+width].ch == "▀" {
		width++
	}
	if width < 20 {
		t.Fatalf("the left picture is %d cells wide", width)
	}
	bars := [][3]int{{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0}, {191, 0, 191}, {191, 0, 0}, {0, 0, 191}}
	for i, want := range bars {
		c := row[2+(2*i+1)*width/14]
		if !near3(c.fg, want, 30) || !near3(c.bg, want, 30) {
			t.Errorf("bar %d shows %v over %v, want about %v", i, c.fg, c.bg, want)
		}
	}
}

// Without ffmpeg on PATH, Details of an extension says once how to get it
// and everything else is there; keys work as before.
func TestTmuxDetailsWithoutFFmpeg(t *testing.T) {
	needTmux(t)
	t.Parallel()
	home, ext := framesHome(t)
	empty := t.TempDir()
	x := startTUI(t, home, 120, 36, "PATH="+empty)
	x.wait(ext[:8], "forest")
	x.keys("Enter")
	s := x.wait("Frames  need ffmpeg: ", "install ffmpeg", "Parameters", "Timeline")
	if n := len(regexp.MustCompile(`(?m)^.*ffmpeg.*$`).FindAllString(s, -1)); n != 1 {
		t.Errorf("%d lines name ffmpeg, want one:\n%s", n, s)
	}
	if strings.Contains(s, "▀") {
		t.Errorf("pictures drawn without ffmpeg:\n%s", s)
	}
	x.keys("Escape")
	x.wait("STATUS", "forest")
}

// Keys are answered while frames decode, and moving on kills the
// decoding: an ffmpeg that never finishes holds Details at "decoding…";
// esc goes back at once, the cursor moves, and no ffmpeg is left.
func TestTmuxKeysAnsweredWhileDecoding(t *testing.T) {
	needTmux(t)
	t.Parallel()
	home, ext := framesHome(t)
	bin := t.TempDir()
	pids := filepath.Join(t.TempDir(), "pids")
	script := "#!/bin/sh\necho $$ >> " + pids + "\nexec sleep 1000\n"
	if err := os.WriteFile(filepath.Join(bin, "ffmpeg"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	x := startTUI(t, home, 120, 36, "PATH="+bin+":"+os.Getenv("PATH"))
	x.wait(ext[:8], "forest")
	x.keys("Enter")
	x.wait("Seam", "decoding…")
	started := waitPids(t, pids, 2) // the seam and the first|last rows
	x.keys("Escape")
	x.wait("STATUS", "> ✓ done    extend")
	x.keys("Down")
	x.wait("> ✓ done    import   lighthou") // the id column shows "lighthou…"
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range started {
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("ffmpeg %d still runs after the user left Details", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// waitPids waits for n pids in the file the fake ffmpeg writes.
func waitPids(t *testing.T, path string, n int) []int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		var pids []int
		for _, f := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(f); err == nil {
				pids = append(pids, p)
			}
		}
		if len(pids) >= n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d ffmpeg started", len(pids), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cellOf is a character cell as tmux shows it.
type cellOf struct {
	ch     string
	fg, bg [3]int
}

var sgrSeq = regexp.MustCompile(`^\x1b\[([0-9;]*)m`)

// playBack reads capture-pane -e output into cells with their 24-bit
// colours (what the test needs of SGR).
func playBack(s string) [][]cellOf {
	var rows [][]cellOf
	for _, line := range strings.Split(s, "\n") {
		var row []cellOf
		var fg, bg [3]int
		for line != "" {
			if m := sgrSeq.FindStringSubmatch(line); m != nil {
				ps := strings.Split(m[1], ";")
				for i := 0; i < len(ps); i++ {
					switch {
					case ps[i] == "0" || ps[i] == "":
						fg, bg = [3]int{}, [3]int{}
					case (ps[i] == "38" || ps[i] == "48") && i+4 < len(ps) && ps[i+1] == "2":
						var c [3]int
						for k := range 3 {
							c[k], _ = strconv.Atoi(ps[i+2+k])
						}
						if ps[i] == "38" {
							fg = c
						} else {
							bg = c
						}
						i += 4
					}
				}
				line = line[len(m[0]):]
				continue
			}
			r := []rune(line)[0]
			row = append(row, cellOf{string(r), fg, bg})
			line = line[len(string(r)):]
		}
		rows = append(rows, row)
	}
	return rows
}

func near3(a, b [3]int, tol int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

package frames

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veox/veox/assets"
)

// fakeFFmpeg is a shell script standing in for ffmpeg; the clips stay
// real, since the file is inspected before ffmpeg runs.
func fakeFFmpeg(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func fakeExtractor(t *testing.T, ffmpeg string, timeout time.Duration) *Extractor {
	return New(Config{Dir: t.TempDir(), FFmpeg: ffmpeg, Timeout: timeout,
		LookPath: func(p string) (string, error) { return p, nil }})
}

// When the user moves on, the context ends and ffmpeg dies with it: the
// call returns at once and no process is left behind.
func TestMovingOnKillsFFmpeg(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	fifo := filepath.Join(t.TempDir(), "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no fifo here:", err)
	}
	// It says its pid, then decodes forever.
	bin := fakeFFmpeg(t, "echo $$ > "+fifo+"\nexec sleep 1000")
	e := fakeExtractor(t, bin, time.Hour)
	f := clip(t, assets.Source8B)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Frame(ctx, Video{Path: f.Path}, Last(), Preview)
		done <- err
	}()
	r, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(r).ReadString('\n')
	r.Close()
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("pid %q: %v", line, err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Frame after the user moved on: %v, want context.Canceled", err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("ffmpeg (pid %d) still runs after the user moved on", pid)
	}
}

// A stuck ffmpeg is killed at the timeout, with a reason.
func TestStuckFFmpegTimesOut(t *testing.T) {
	t.Parallel()
	e := fakeExtractor(t, fakeFFmpeg(t, "exec sleep 1000"), 20*time.Millisecond)
	f := clip(t, assets.Source8B)
	_, err := e.Frame(context.Background(), Video{Path: f.Path}, First(), Preview)
	if err == nil || !strings.Contains(err.Error(), "took more than") {
		t.Fatalf("a stuck ffmpeg: %v, want a timeout", err)
	}
}

// Endless output is read no further than a second's worth of frames.
func TestEndlessOutputIsCut(t *testing.T) {
	t.Parallel()
	e := fakeExtractor(t, fakeFFmpeg(t, "exec cat /dev/zero"), time.Hour)
	f := clip(t, assets.Source8B)
	_, err := e.Frame(context.Background(), Video{Path: f.Path}, Last(), Size{W: 16, H: 16})
	if err == nil || !strings.Contains(err.Error(), "more than 600 frames") {
		t.Fatalf("endless output: %v, want it cut", err)
	}
	// One frame asked, one read: the rest is not waited for.
	img, err := e.Frame(context.Background(), Video{Path: f.Path}, First(), Size{W: 16, H: 16})
	if err != nil || img.Bounds().Dx() != 16 || img.Bounds().Dy() != 9 {
		t.Fatalf("first of endless output: %v %v", img, err)
	}
}

// What ffmpeg says reaches the user cleaned of escape sequences, its last
// line only, and bounded however much it says.
func TestFFmpegsWordsAreCleaned(t *testing.T) {
	t.Parallel()
	script := "head -c 100000 /dev/zero | tr '\\0' x >&2\nprintf '\\n\\033]52;c;cHduZWQ=\\007bad \\033[31mred\\033[0m input\\n' >&2\nexit 1"
	e := fakeExtractor(t, fakeFFmpeg(t, script), time.Hour)
	f := clip(t, assets.Source8B)
	_, err := e.Frame(context.Background(), Video{Path: f.Path}, First(), Preview)
	if err == nil {
		t.Fatal("no error from a failing ffmpeg")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\x07") || !strings.Contains(msg, "bad") || strings.Contains(msg, "xxxx") || len(msg) > 500 {
		t.Errorf("message %q: want ffmpeg's last line, cleaned", msg)
	}
}

func TestParseAt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"first": "first", "LAST": "last", "8": "8.000 s", "7.5s": "7.500 s", "0": "first"} {
		at, err := ParseAt(in)
		if err != nil || at.String() != want {
			t.Errorf("ParseAt(%q) = %v, %v; want %s", in, at, err, want)
		}
	}
	for _, bad := range []string{"", "seam", "-1", "NaN", "1e9", "8 s x"} {
		if _, err := ParseAt(bad); err == nil {
			t.Errorf("ParseAt(%q) passed", bad)
		}
	}
}

func TestSizeFit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ box, in, want [2]int }{
		{[2]int{480, 480}, [2]int{1280, 720}, [2]int{480, 270}},
		{[2]int{480, 480}, [2]int{720, 1280}, [2]int{270, 480}},
		{[2]int{480, 480}, [2]int{320, 180}, [2]int{320, 180}}, // never enlarged
		{[2]int{0, 0}, [2]int{3840, 2160}, [2]int{3840, 2160}},
		{[2]int{10, 10}, [2]int{10000, 1}, [2]int{10, 1}},
	} {
		w, h := Size{W: c.box[0], H: c.box[1]}.fit(c.in[0], c.in[1])
		if [2]int{w, h} != c.want {
			t.Errorf("%v in %v = %dx%d, want %v", c.in, c.box, w, h, c.want)
		}
	}
}

func TestStripTimes(t *testing.T) {
	t.Parallel()
	var got []string
	for _, at := range StripTimes(15*time.Second, 4) {
		got = append(got, at.String())
	}
	if strings.Join(got, ", ") != "first, 5.000 s, 10.000 s, last" {
		t.Errorf("strip of 15 s in 4: %v", got)
	}
}

// Past its bound the cache loses the frames of the videos looked at least
// recently, whole folders at a time; the one just written stays.
func TestPruneDropsTheLeastRecentlySeen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(sum string, age int, size int) string {
		p := filepath.Join(dir, sum[:2], sum)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "last-480x480.png"), make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(age) * time.Hour)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldest := mk(strings.Repeat("a", 64), 0, 400)
	spare := mk(strings.Repeat("b", 64), 1, 400) // just written, though older than the next
	recent := mk(strings.Repeat("c", 64), 2, 400)
	middle := mk(strings.Repeat("d", 64), 1, 400)
	prune(dir, 900, spare)
	for p, want := range map[string]bool{oldest: false, middle: false, spare: true, recent: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s kept: %v, want %v", filepath.Base(p)[:1], err == nil, want)
		}
	}
}

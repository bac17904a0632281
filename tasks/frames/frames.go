// Package frames takes still frames out of the videos veox downloaded: the
// first and last frame of a video, both sides of an extension's seam, a
// strip across a video. ffmpeg decodes them when it is on PATH, as yazi, lf
// and ranger do for their previews; veox works without it and says how to
// get it.
//
// Each frame is decoded once: it is kept under the state folder, keyed by
// the video's SHA-256, which frame and the size, so a video downloaded
// again, moved or shown at another width costs nothing more. Both faces
// use this package: the TUI from its commands (never from Update), and
// 'veox frames'. Every ffmpeg run is bounded in time and output, and dies
// with the context it was started for (the user moved on).
package frames

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Config sets up an Extractor; ui/cli builds it from the paths.
type Config struct {
	// Dir is the cache folder (under the state folder).
	Dir string
	// FFmpeg is the program to run; "" looks "ffmpeg" up on PATH, again at
	// each use until found, so one installed while veox runs is picked up.
	FFmpeg string
	// LookPath finds a program on PATH; nil is exec.LookPath.
	LookPath func(string) (string, error)
	// Timeout bounds one ffmpeg run; 0 is DefaultTimeout.
	Timeout time.Duration
	// Parallel is how many ffmpeg may run at once; 0 is 2 (veox shares
	// the machine with the user's other work).
	Parallel int
	// MaxBytes bounds the cache; 0 is DefaultMaxBytes. Past it, the frames
	// of the videos looked at least recently are removed.
	MaxBytes int64
}

// DefaultMaxBytes keeps a few thousand videos' previews and seams.
const DefaultMaxBytes = 512 << 20

// DefaultTimeout bounds one ffmpeg run: decoding a second of a 4K video
// takes a few seconds on a small machine; a run that takes this long is
// stuck on a broken file.
const DefaultTimeout = 30 * time.Second

// Extractor decodes frames and keeps them. It is safe for concurrent use.
type Extractor struct {
	cfg   Config
	slots chan struct{} // one per ffmpeg allowed to run

	mu     sync.Mutex
	ffmpeg string                // the program once found
	sums   map[fileStamp]string  // SHA-256 of files hashed here, by path, size and time
	infos  map[fileStamp]mp4Info // what Inspect learned of a file
	pruned bool                  // the cache was trimmed by this process
}

// New builds an Extractor. It starts nothing and touches no file.
func New(c Config) *Extractor {
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Parallel <= 0 {
		c.Parallel = 2
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return &Extractor{cfg: c, slots: make(chan struct{}, c.Parallel),
		sums: map[fileStamp]string{}, infos: map[fileStamp]mp4Info{}}
}

// Available reports whether ffmpeg can be run (cached frames show without
// it, but nothing new can be decoded).
func (e *Extractor) Available() bool {
	_, err := e.binary()
	return err == nil
}

// binary is the ffmpeg to run, or the Problem that says how to get it.
func (e *Extractor) binary() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ffmpeg != "" {
		return e.ffmpeg, nil
	}
	name := e.cfg.FFmpeg
	if name == "" {
		name = "ffmpeg"
	}
	path, err := e.cfg.LookPath(name)
	if err != nil {
		return "", &Problem{Reason: "frames need ffmpeg, which is not on PATH",
			Fix: "install it: " + InstallHint() + ", then try again", Err: ErrNoFFmpeg}
	}
	e.ffmpeg = path
	return path, nil
}

// ErrNoFFmpeg is matched (errors.Is) by the Problem of a missing ffmpeg.
var ErrNoFFmpeg = errors.New("ffmpeg is not installed")

// ErrNoFile is matched by the Problem of a video that is not on disk.
var ErrNoFile = errors.New("the video is not on disk")

// Problem is why no frame could be had, with what to do about it.
type Problem struct {
	Reason string // what went wrong, one line
	Fix    string // what to do, one line ("" when nothing helps)
	Err    error  // ErrNoFFmpeg, ErrNoFile or the cause
}

func (p *Problem) Error() string { return p.Reason }
func (p *Problem) Unwrap() error { return p.Err }

// Hint is what to do about it ("" when nothing helps).
func (p *Problem) Hint() string { return p.Fix }

// HintOf is the hint of the Problem in err's chain, "" if none.
func HintOf(err error) string {
	var p *Problem
	if errors.As(err, &p) {
		return p.Fix
	}
	return ""
}

// InstallHint is the command that installs ffmpeg on this system, short
// enough for one line of a screen.
func InstallHint() string {
	switch runtime.GOOS {
	case "darwin":
		return "brew install ffmpeg"
	case "windows":
		return "winget install ffmpeg"
	}
	return "sudo apt install ffmpeg (or your package manager)"
}

// acquire takes one of the slots for an ffmpeg run, or gives up with ctx.
func (e *Extractor) acquire(ctx context.Context) (func(), error) {
	select {
	case e.slots <- struct{}{}:
		return func() { <-e.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

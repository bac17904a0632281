package frames

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/veox/veox/api"
)

// Frame is one frame of a video, scaled into size: from the cache when it
// was decoded before (ffmpeg is then not needed), else decoded by ffmpeg
// and kept.
func (e *Extractor) Frame(ctx context.Context, v Video, at At, size Size) (image.Image, error) {
	sum, st, err := e.identify(ctx, v)
	if err != nil {
		return nil, err
	}
	path := e.cachePath(sum, at, size)
	if img, ok := cached(path); ok {
		return img, nil
	}
	bin, err := e.binary()
	if err != nil {
		return nil, err
	}
	info, err := e.inspect(st)
	if err != nil {
		return nil, err
	}
	if past(info, at) {
		return nil, pastEnd(info, at)
	}
	release, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	img, err := e.decode(ctx, bin, v.Path, info, at, size)
	release()
	if err != nil {
		return nil, err
	}
	e.keep(path, img)
	return img, nil
}

// Frames that may stream out of one run before the last is known: a
// second of video at up to 600 frames a second. More is a broken file.
const maxFramesPerRun = 600

// stderrCap keeps the end of what ffmpeg says: its last line is the reason.
const stderrCap = 4 << 10

// decode runs ffmpeg once. It asks for raw RGB frames of a size fixed in
// advance (from the file's track header), so every frame is exactly
// w·h·3 bytes: nothing to parse, and the output is bounded by the frames
// read. For the last frame it reads what the last second gives and keeps
// the final one, two buffers at a time.
func (e *Extractor) decode(ctx context.Context, bin, path string, info mp4Info, at At, size Size) (image.Image, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	w, h := size.fit(info.w, info.h)
	cmd := exec.CommandContext(ctx, bin, ffmpegArgs(path, info, at, w, h, size == Full)...)
	cmd.WaitDelay = 2 * time.Second // ffmpeg gone, its pipes closed, however it ended
	stderr := &tail{max: stderrCap}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot run ffmpeg: %w", err)
	}
	limit := maxRead(at)
	frame, n, readErr := readLast(out, w*h*3, limit)
	if n >= limit {
		cancel() // what was asked for is here, or more came than a second holds
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, &Problem{Reason: fmt.Sprintf("ffmpeg took more than %v on %s; gave up", e.cfg.Timeout, path), Err: ctx.Err()}
	case n >= limit && limit > 1:
		return nil, &Problem{Reason: fmt.Sprintf("ffmpeg gave more than %d frames for one second of %s; gave up", limit, path)}
	case n < limit && ctx.Err() != nil:
		return nil, ctx.Err() // the caller gave up: the user moved on
	case frame == nil:
		return nil, noFrame(path, info, at, stderr.String(), errors.Join(readErr, waitErr))
	}
	return rgbImage(frame, w, h), nil
}

// maxRead is how many frames a run may give: one, or a second's worth.
func maxRead(at At) int {
	if at.kind == atLast || at.kind == atBefore {
		return maxFramesPerRun
	}
	return 1
}

// ffmpegArgs asks for the frame. -ss before -i seeks to the keyframe
// before the time and decodes from there, so the first frame out is the
// first shown at or after it. -sseof and -ss/-t give the last second
// before the end or before a time. Audio, subtitles and data are not
// read; the video is not rotated, as its track header's size says; frames
// pass as they are (no duplicates to make a constant rate).
func ffmpegArgs(path string, info mp4Info, at At, w, h int, full bool) []string {
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-noautorotate"}
	if !full {
		args = append(args, "-threads", "1") // a preview shares the machine with the TUI
	}
	var window time.Duration
	switch at.kind {
	case atTime:
		args = append(args, "-ss", secs(at.t))
	case atLast:
		args = append(args, "-sseof", "-"+secs(min(time.Second, max(info.video, 100*time.Millisecond))))
	case atBefore:
		start := max(0, at.t-time.Second)
		window = at.t - start
		args = append(args, "-ss", secs(start))
	}
	args = append(args, "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn")
	switch at.kind {
	case atFirst, atTime:
		args = append(args, "-frames:v", "1")
	case atBefore:
		args = append(args, "-t", secs(window))
	}
	return append(args, "-vsync", "passthrough",
		"-vf", fmt.Sprintf("scale=%d:%d:flags=area", w, h),
		"-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1")
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }

// readLast reads frames of size bytes until EOF or limit frames, and
// returns the last whole one and how many there were.
func readLast(r io.Reader, size, limit int) ([]byte, int, error) {
	var last []byte
	cur := make([]byte, size)
	n := 0
	for n < limit {
		if _, err := io.ReadFull(r, cur); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = nil
			}
			return last, n, err
		}
		n++
		if last == nil {
			last = make([]byte, size)
		}
		last, cur = cur, last
	}
	return last, n, nil
}

func rgbImage(rgb []byte, w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i+2 < len(rgb); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = rgb[i], rgb[i+1], rgb[i+2], 0xff
	}
	return img
}

// noFrame explains a run that gave no frame: past the end, or what ffmpeg
// said (cleaned of anything a terminal would act on).
func noFrame(path string, info mp4Info, at At, said string, err error) error {
	if past(info, at) {
		return pastEnd(info, at)
	}
	said = strings.TrimSpace(api.Sanitize(said))
	if i := strings.LastIndexByte(said, '\n'); i >= 0 {
		said = strings.TrimSpace(said[i+1:])
	}
	reason := fmt.Sprintf("ffmpeg gave no %s frame of %s", at, path)
	if said != "" {
		reason += ": " + said
	} else if err != nil {
		reason += ": " + api.Sanitize(err.Error())
	}
	return &Problem{Reason: reason, Err: err}
}

// past: the time asked for is after the video's pictures end (before
// 0 s, there is nothing).
func past(info mp4Info, at At) bool {
	switch at.kind {
	case atTime:
		return info.video > 0 && at.t >= info.video
	case atBefore:
		return at.t <= 0 || (info.video > 0 && at.t > info.video)
	}
	return false
}

func pastEnd(info mp4Info, at At) error {
	where := "at " + at.String()
	if at.kind == atBefore {
		where = at.String()
	}
	return &Problem{Reason: fmt.Sprintf("there is no frame %s: the video is %.3f s long", where, info.video.Seconds())}
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf bytes.Buffer
}

func (t *tail) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if over := t.buf.Len() + len(p) - t.max; over > 0 {
		t.buf.Next(over)
	}
	t.buf.Write(p)
	return n, nil
}

func (t *tail) String() string { return t.buf.String() }

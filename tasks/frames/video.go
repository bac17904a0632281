package frames

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/veox/veox/api/mp4"
	"github.com/veox/veox/store"
)

// Video is a file on disk as the history knows it.
type Video struct {
	Path   string
	SHA256 string // as recorded at download; "" has the file hashed
	Size   int64  // as recorded; a file of another size is hashed again
}

// VideoOf is the task's video on disk: the whole stitched video of an
// extension when it was downloaded, else the first file. ok is false when
// nothing was downloaded.
func VideoOf(t *store.Task) (v Video, ok bool) {
	f, ok := fileOf(t)
	if !ok {
		return Video{}, false
	}
	return Video{Path: f.Path, SHA256: f.SHA256, Size: f.Size}, true
}

func fileOf(t *store.Task) (store.File, bool) {
	if t == nil || len(t.Files) == 0 {
		return store.File{}, false
	}
	for _, f := range t.Files {
		if slices.Contains(t.FullResultURLs, f.URL) {
			return f, true
		}
	}
	return t.Files[0], true
}

// isStitchedFile: the task's file came from its fullResultUrls.
func isStitchedFile(t *store.Task) bool {
	f, ok := fileOf(t)
	return ok && slices.Contains(t.FullResultURLs, f.URL)
}

// fileStamp tells a file apart from what it was when last looked at.
type fileStamp struct {
	path string
	size int64
	mod  time.Time
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, &Problem{Reason: "the video is no longer on disk: " + path,
			Fix: "download it again (d in Details, or 'veox download ID --force')", Err: ErrNoFile}
	}
	if err != nil {
		return fileStamp{}, err
	}
	if !fi.Mode().IsRegular() {
		return fileStamp{}, &Problem{Reason: "not a video file: " + path, Err: ErrNoFile}
	}
	return fileStamp{path: path, size: fi.Size(), mod: fi.ModTime()}, nil
}

// identify is the file's SHA-256, the cache's key. The recorded one is
// trusted while the file keeps its recorded size (hashing a 4K video at
// every look would cost more than decoding a frame); otherwise the file is
// hashed, once per version of it.
func (e *Extractor) identify(ctx context.Context, v Video) (string, fileStamp, error) {
	st, err := stampOf(v.Path)
	if err != nil {
		return "", st, err
	}
	if isSHA256(v.SHA256) && st.size == v.Size {
		return v.SHA256, st, nil
	}
	e.mu.Lock()
	sum, ok := e.sums[st]
	e.mu.Unlock()
	if ok {
		return sum, st, nil
	}
	sum, err = hashFile(ctx, v.Path)
	if err != nil {
		return "", st, err
	}
	e.mu.Lock()
	e.sums[st] = sum
	e.mu.Unlock()
	return sum, st, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hashFile reads the file through SHA-256, a megabyte at a time, and stops
// when ctx ends.
func hashFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// mp4Info is what decoding needs to know of a file.
type mp4Info struct {
	w, h  int
	video time.Duration // how long the pictures last
}

// inspect reads the file's structure (api/mp4): its frame size and the
// length of its video. It is a few milliseconds for a local file, and
// remembered per version of the file.
func (e *Extractor) inspect(st fileStamp) (mp4Info, error) {
	e.mu.Lock()
	info, ok := e.infos[st]
	e.mu.Unlock()
	if ok {
		return info, nil
	}
	f, err := os.Open(st.path)
	if err != nil {
		return mp4Info{}, err
	}
	defer f.Close()
	got, err := mp4.Inspect(f, st.size)
	if err != nil {
		return mp4Info{}, &Problem{Reason: fmt.Sprintf("%s is not a whole video: %v", st.path, err),
			Fix: "download it again (d in Details, or 'veox download ID --force')", Err: err}
	}
	if !got.HasVideo || got.Width <= 0 || got.Height <= 0 {
		return mp4Info{}, &Problem{Reason: st.path + " has no pictures (no video track)", Err: ErrNoFile}
	}
	info = mp4Info{w: got.Width, h: got.Height, video: got.VideoDuration}
	if info.video <= 0 {
		info.video = got.Duration
	}
	e.mu.Lock()
	e.infos[st] = info
	e.mu.Unlock()
	return info, nil
}

// Length is how long the video's pictures last (its video track).
func (e *Extractor) Length(v Video) (time.Duration, error) {
	st, err := stampOf(v.Path)
	if err != nil {
		return 0, err
	}
	info, err := e.inspect(st)
	return info.video, err
}

package download

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// A sidecar is a small description written beside a video in the download
// folder: "<video>.json" ("2026-11-23_<id>_<slug>.mp4.json"). This package
// owns its name and how it reaches the disk; what it says is the caller's
// (tasks/archive). It never touches the video: a sidecar that cannot be
// written leaves the video exactly as it was, verified.

// MaxSidecarBytes bounds what ReadSidecar reads: a description is a few
// kilobytes; anything much larger was not written by veox.
const MaxSidecarBytes = 1 << 20

// SidecarName is the name of video's sidecar: the video's own name with
// ".json" after it, so the two sort together and neither can be mistaken
// for the other (nor for a download's "<video>.part.json").
func SidecarName(video string) string { return video + ".json" }

// IsSidecarName reports whether name is a video's sidecar, and whose.
func IsSidecarName(name string) (video string, ok bool) {
	video, ok = strings.CutSuffix(name, ".json")
	if !ok || !strings.HasSuffix(video, ".mp4") || !plainFileName(name) {
		return "", false
	}
	return video, true
}

// WriteSidecar puts data in video's sidecar inside root, atomically: a
// temporary file of its own (two writers never share one), written,
// fsynced, renamed over the sidecar, and the folder fsynced. A reader
// sees the old description or the new one, never a torn one. An existing
// sidecar with the same bytes is left alone (nothing written, no fsync).
func WriteSidecar(root *os.Root, video string, data []byte) error {
	if root == nil {
		return errors.New("download: no folder for the sidecar")
	}
	name := SidecarName(video)
	if !plainFileName(video) || !plainFileName(name) {
		return fmt.Errorf("download: %q is not a plain file name", video)
	}
	if old, err := ReadSidecar(root, name); err == nil && string(old) == string(data) {
		return nil
	}
	tmp := name + ".tmp-" + strconv.FormatUint(rand.Uint64()>>16, 36)
	if err := writeSynced(root, tmp, data); err != nil {
		_ = root.Remove(tmp)
		return sidecarError(name, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return sidecarError(name, err)
	}
	if err := syncDownloadDir(root); err != nil {
		return sidecarError(name, err)
	}
	return nil
}

func writeSynced(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sidecarError(name string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("writing %s: %w: free some space: %w", name, ErrDiskFull, err)
	}
	return fmt.Errorf("writing %s: %w", name, err)
}

// ReadSidecar reads the sidecar called name inside root (at most
// MaxSidecarBytes; a larger one is refused, not cut).
func ReadSidecar(root *os.Root, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSidecarBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSidecarBytes {
		return nil, fmt.Errorf("%s is larger than a description veox writes (%d bytes at most)", name, MaxSidecarBytes)
	}
	return b, nil
}

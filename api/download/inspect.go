package download

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

// Inspect checks a video already in root as a download's final check does
// (a sound MP4 whose every sample is in the file, with a video track) and
// hashes it: for a file veox finds rather than fetches, e.g. when the
// history is rebuilt from the folder.
func Inspect(root *os.Root, name string) (*Result, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	info, err := verify(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotMP4, name, err)
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, st.Size()), make([]byte, bufSize)); err != nil {
		return nil, err
	}
	return newResult(root, name, st.Size(), h, info, false), nil
}

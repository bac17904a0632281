package frames

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// The cache holds one PNG per frame and size, in a folder per video:
//
//	<Dir>/<sha[:2]>/<sha256>/<which>-<size>.png
//
// A file is written beside its final name and renamed, so a reader sees a
// whole frame or none; one that does not decode is removed and decoded
// again. Nothing else is kept: deleting the folder loses nothing.

func (e *Extractor) cachePath(sum string, at At, size Size) string {
	return filepath.Join(e.cfg.Dir, sum[:2], sum, at.key()+"-"+size.key()+".png")
}

// cached is the frame kept at path, if there is a good one.
func cached(path string) (image.Image, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		os.Remove(path)
		return nil, false
	}
	return img, true
}

// keep writes the frame to the cache. Failing to keep it costs only a
// second decode later, so the caller shows the frame anyway.
func keep(path string, img image.Image) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".frame-*.png")
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	err = enc.Encode(tmp, img)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

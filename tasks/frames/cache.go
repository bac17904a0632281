package frames

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// The cache holds one PNG per frame and size, in a folder per video:
//
//	<Dir>/<sha[:2]>/<sha256>/<which>-<size>.png
//
// A file is written beside its final name and renamed, so a reader sees a
// whole frame or none; one that does not decode is removed and decoded
// again. Nothing else is kept: deleting the folder loses nothing. A video's
// folder is touched when a frame of it is read, and the first frame a
// process writes trims the cache to Config.MaxBytes, the folders looked at
// least recently first.

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
	now := time.Now()
	_ = os.Chtimes(filepath.Dir(path), now, now) // looked at: trimmed last
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

// keep writes a frame and, once per process, trims the cache.
func (e *Extractor) keep(path string, img image.Image) {
	if keep(path, img) != nil {
		return
	}
	e.mu.Lock()
	first := !e.pruned
	e.pruned = true
	e.mu.Unlock()
	if first {
		prune(e.cfg.Dir, e.cfg.MaxBytes, filepath.Dir(path))
	}
}

// prune removes whole video folders, least recently looked at first,
// until the cache holds at most max bytes; spare (the folder just written)
// stays whatever its age.
func prune(dir string, max int64, spare string) {
	type folder struct {
		path string
		mod  time.Time
		size int64
	}
	var folders []folder
	var total int64
	shards, _ := os.ReadDir(dir)
	for _, sh := range shards {
		videos, _ := os.ReadDir(filepath.Join(dir, sh.Name()))
		for _, v := range videos {
			p := filepath.Join(dir, sh.Name(), v.Name())
			info, err := v.Info()
			if err != nil || !v.IsDir() {
				continue
			}
			f := folder{path: p, mod: info.ModTime()}
			files, _ := os.ReadDir(p)
			for _, fe := range files {
				if fi, err := fe.Info(); err == nil {
					f.size += fi.Size()
				}
			}
			folders = append(folders, f)
			total += f.size
		}
	}
	if total <= max {
		return
	}
	sort.Slice(folders, func(i, j int) bool { return folders[i].mod.Before(folders[j].mod) })
	for _, f := range folders {
		if total <= max {
			return
		}
		if f.path == spare {
			continue
		}
		if os.RemoveAll(f.path) == nil {
			total -= f.size
		}
	}
}

package frames

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/veox/veox/store"
)

// extensionStep is what each extension adds to a video (veo-api.md: 8 →
// 15 → 22 s …). It places the seam in a stitched video whose source is not
// on disk to tell its own length.
const extensionStep = 7 * time.Second

// stitchedSlack: a file at least this much longer than its source holds the
// source too (the stitched video), not the new part alone.
const stitchedSlack = 3 * time.Second

// Seam is the check a creator makes after an extension: the source's last
// frame beside the extension's first new frame.
type Seam struct {
	// Before is the source's last frame: from the source's own file, or,
	// when that is not on disk, the stitched video's frame before the
	// seam. Nil when neither is to be had; Missing then says why.
	Before image.Image
	After  image.Image // the extension's first new frame
	// At is where the new part starts in the extension's file: the
	// source's length in a stitched video, 0 in a file of the new part
	// alone.
	At time.Duration
	// Stitched: the extension's file is the whole video, source included.
	Stitched bool
	// FromSource: Before comes from the source's own file.
	FromSource bool
	// Missing says why Before is nil, with what to do (a *Problem).
	Missing error
}

// Seam finds both sides of an extension's seam. parent is the source task
// from the history, nil when it is not there. It fails when the extension
// itself is not on disk or its new part cannot be decoded.
func (e *Extractor) Seam(ctx context.Context, ext, parent *store.Task, size Size) (*Seam, error) {
	if ext == nil || ext.Kind != store.KindExtend {
		return nil, &Problem{Reason: "only an extension has a seam (where its new part begins)"}
	}
	ev, ok := VideoOf(ext)
	if !ok {
		return nil, &Problem{Reason: "the extension is not downloaded yet",
			Fix: "download it (d in Details, or 'veox download " + idOf(ext) + "')", Err: ErrNoFile}
	}
	extLen, err := e.Length(ev)
	if err != nil {
		return nil, err
	}
	s := &Seam{}
	pv, hasSource := VideoOf(parent)
	var srcLen time.Duration
	if hasSource {
		if srcLen, err = e.Length(pv); err != nil {
			hasSource = false
			s.Missing = err
		}
	}
	s.Stitched, s.At = placeSeam(ext, extLen, srcLen)
	if s.After, err = e.Frame(ctx, ev, Time(s.At), size); err != nil {
		return nil, err
	}
	switch {
	case hasSource:
		s.Before, err = e.Frame(ctx, pv, Last(), size)
		s.FromSource = err == nil
	case s.Stitched:
		s.Before, err = e.Frame(ctx, ev, Before(s.At), size)
	default:
		err = s.Missing
		if err == nil {
			err = sourceMissing(ext, parent)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.Before, s.Missing = nil, err
	} else {
		s.Missing = nil
	}
	return s, nil
}

// placeSeam decides whether the extension's file is the stitched video and
// where its new part starts. With the source's length known, the file's
// own length tells; without it, where the file came from does
// (fullResultUrls), and the seam is a step before its end.
func placeSeam(ext *store.Task, extLen, srcLen time.Duration) (stitched bool, at time.Duration) {
	if srcLen > 0 {
		if extLen >= srcLen+stitchedSlack {
			return true, srcLen
		}
		return false, 0
	}
	if isStitchedFile(ext) && extLen > extensionStep+stitchedSlack {
		return true, extLen - extensionStep
	}
	return false, 0
}

func sourceMissing(ext, parent *store.Task) error {
	if parent == nil {
		return &Problem{Reason: "its source " + ext.ParentID + " is not in the history",
			Fix: "add it with 'veox import " + ext.ParentID + "' and download it", Err: ErrNoFile}
	}
	return &Problem{Reason: fmt.Sprintf("its source %s is not downloaded", idOf(parent)),
		Fix: "download the source (d on it, or 'veox download " + idOf(parent) + "')", Err: ErrNoFile}
}

// idOf is the id a user types for a task: the service's, else veox's own.
func idOf(t *store.Task) string {
	if t.TaskID != "" {
		return t.TaskID
	}
	return t.LocalID
}

// Strip is n frames across a video, first to last, with their times: a
// glance at how it moves.
func (e *Extractor) Strip(ctx context.Context, v Video, n int, size Size) ([]image.Image, []At, error) {
	length, err := e.Length(v)
	if err != nil {
		return nil, nil, err
	}
	ats := StripTimes(length, n)
	imgs := make([]image.Image, len(ats))
	for i, at := range ats {
		if imgs[i], err = e.Frame(ctx, v, at, size); err != nil {
			return nil, nil, err
		}
	}
	return imgs, ats, nil
}

// StripTimes are n frames spread over a video of the given length: the
// first, the last, and the others evenly between.
func StripTimes(length time.Duration, n int) []At {
	n = max(n, 1)
	if n == 1 {
		return []At{First()}
	}
	ats := []At{First()}
	for i := 1; i < n-1; i++ {
		ats = append(ats, Time(length*time.Duration(i)/time.Duration(n-1)))
	}
	return append(ats, Last())
}

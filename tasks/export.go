package tasks

import (
	"bufio"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// ExportCounts is what an export wrote.
type ExportCounts struct {
	Tasks, Stories, Kept int
	// Skipped records of the history could not be read ('veox doctor'
	// names them) and are not in the export.
	Skipped int
}

// errSinceReached ends the walk at the first task older than --since.
var errSinceReached = errors.New("older than asked")

// Export writes the history to w as export lines (tasks/archive): a first
// line, every task created at or after since (all when since is zero),
// newest first, the stories (those changed since), the kept marks, and a
// last line with the counts, which tells a whole export from a cut one. It
// streams: the history is read a batch at a time in short units of work,
// encoded on every core and written through one buffer, so memory stays
// the same however long the history, and other veox keep working.
func (s *Service) Export(ctx context.Context, w io.Writer, since time.Time, by string) (ExportCounts, error) {
	var n ExportCounts
	buf := bufio.NewWriterSize(w, 64<<10)
	line := func(b []byte, err error) error {
		if err != nil {
			return err
		}
		buf.Write(b)
		return buf.WriteByte('\n')
	}
	if err := line(archive.ExportLine(s.now().UTC(), by, since)); err != nil {
		return n, err
	}
	var enc BatchEncoder
	skipped, err := s.store.Walk(store.Query{}, func(batch []store.Task) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		keep := batch
		for i := range batch {
			if !since.IsZero() && batch[i].CreatedAt.Before(since) {
				keep = batch[:i]
				break
			}
		}
		err := enc.Encode(keep, taskLine, func(b []byte) error { return line(b, nil) })
		if err != nil {
			return err
		}
		n.Tasks += len(keep)
		if len(keep) < len(batch) {
			return errSinceReached
		}
		return nil
	})
	n.Skipped = skipped
	if err != nil && !errors.Is(err, errSinceReached) {
		return n, err
	}
	if err := s.exportStories(since, line, &n); err != nil {
		return n, err
	}
	if err := line(archive.EndLine(n.Tasks, n.Stories, n.Kept)); err != nil {
		return n, err
	}
	return n, buf.Flush()
}

// exportStories writes the stories and the kept marks (both few).
func (s *Service) exportStories(since time.Time, line func([]byte, error) error, n *ExportCounts) error {
	stories, err := s.store.Stories()
	if err != nil {
		return err
	}
	for i := range stories {
		if since.IsZero() || !stories[i].UpdatedAt.Before(since) {
			if err := line(archive.StoryLine(&stories[i])); err != nil {
				return err
			}
			n.Stories++
		}
	}
	kept, err := s.store.Kept()
	if err != nil {
		return err
	}
	for _, parent := range slices.Sorted(maps.Keys(kept)) {
		if err := line(archive.KeptLine(parent, kept[parent])); err != nil {
			return err
		}
		n.Kept++
	}
	return nil
}

// taskLine appends t's export line.
func taskLine(dst []byte, t *store.Task) ([]byte, error) {
	b, err := archive.TaskLine(t)
	return append(dst, b...), err
}

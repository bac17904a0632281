package tasks

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// maxLineBytes bounds one line of an export. A task is a few kilobytes; a
// longer line is reported and passed over, never read whole.
const maxLineBytes = 4 << 20

// ErrNotExport: what was given to import is not an export (its first
// line is not a veox object). Nothing was written.
var ErrNotExport = errors.New("not a veox export")

// ImportLines reads an export ('veox export', or sidecars put one per line)
// and adds to the history what it lacks: tasks (by local or service id: a
// task already there is left as it is), stories and kept marks. Lines of
// kinds or fields this veox does not know are passed over; a line it
// cannot read is reported and the rest still read. It streams, a batch of
// tasks per write transaction, each batch parents first, so memory stays
// the same however long the export. A story that was running where it was
// exported comes in stopped: nothing is sent until the user starts it
// here, so one story never runs on two machines at once.
func (s *Service) ImportLines(ctx context.Context, r io.Reader) (*ImportReport, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	im := &lineImport{s: s, rep: &ImportReport{}}
	in := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(in)
		if errors.Is(err, errLineTooLong) {
			im.rep.problem(fmt.Sprintf("line %d", n), fmt.Sprintf("is longer than %d bytes, more than any task: passed over", maxLineBytes))
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return im.rep, err
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if ferr := im.line(ctx, n, line); ferr != nil {
				return im.rep, ferr
			}
		}
		if err != nil { // EOF
			break
		}
	}
	return im.rep, im.finish()
}

// lineImport is one ImportLines run.
type lineImport struct {
	s       *Service
	rep     *ImportReport
	seen    bool // a veox object was read
	batch   []store.Task
	stories []*store.Story
	kept    []*archive.Kept
	end     *archive.End
	nStory  int
	nKept   int
}

func (im *lineImport) line(ctx context.Context, n int, line []byte) error {
	where := fmt.Sprintf("line %d", n)
	h, err := archive.KindOf(line)
	if err != nil {
		if !im.seen {
			return fmt.Errorf("%w: its first line is %s", ErrNotExport, whatItIs(err))
		}
		im.rep.problem(where, "is "+whatItIs(err)+": passed over")
		return nil
	}
	im.seen = true
	switch h.Veox {
	case archive.KindExport:
	case archive.KindTask:
		im.rep.Lines++
		t, err := archive.DecodeTask(line)
		if err == nil {
			err = checkOutsideTask(t.Task)
		}
		if err != nil {
			im.rep.problem(where, "is a task veox cannot read ("+api.Sanitize(err.Error())+"): passed over")
			return nil
		}
		im.s.homeFiles(t.Task)
		im.batch = append(im.batch, *t.Task)
		if len(im.batch) >= importBatch {
			return im.flush(ctx)
		}
	case archive.KindStory:
		im.nStory++
		st, err := archive.DecodeStory(line)
		if err != nil {
			im.rep.problem(where, "is a story veox cannot read ("+api.Sanitize(err.Error())+"): passed over")
			return nil
		}
		im.stories = append(im.stories, st)
	case archive.KindKept:
		im.nKept++
		k, err := archive.DecodeKept(line)
		if err != nil {
			im.rep.problem(where, "is a kept mark veox cannot read: passed over")
			return nil
		}
		im.kept = append(im.kept, k)
	case archive.KindEnd:
		if im.end, err = archive.DecodeEnd(line); err != nil {
			im.rep.problem(where, "is an export's last line veox cannot read")
		}
	default:
		im.rep.note(where, fmt.Sprintf("is a %q object, which this veox does not know (a later veox wrote it): passed over", api.Sanitize(h.Veox)))
	}
	return nil
}

func whatItIs(err error) string {
	if errors.Is(err, archive.ErrNotVeox) {
		return "JSON, but not an object veox wrote"
	}
	return "not JSON"
}

// flush adds the batch the history lacks.
func (im *lineImport) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(im.batch) == 0 {
		return nil
	}
	_, err := im.s.addBatch(im.batch, im.rep)
	im.batch = im.batch[:0]
	return err
}

// finish writes the last batch, the stories and the kept marks, and says
// whether the export was whole.
func (im *lineImport) finish() error {
	if !im.seen {
		return fmt.Errorf("%w: it is empty", ErrNotExport)
	}
	if err := im.flush(context.Background()); err != nil {
		return err
	}
	for _, st := range im.stories {
		added, err := im.s.addStory(st)
		if err != nil {
			return err
		}
		if added {
			im.rep.Stories++
		}
	}
	have, err := im.s.store.Kept()
	if err != nil {
		return err
	}
	for _, k := range im.kept {
		if have[k.ParentTaskID] != "" {
			continue
		}
		if err := im.s.store.SetKept(k.ParentTaskID, k.ChildLocalID); err != nil {
			return err
		}
		have[k.ParentTaskID] = k.ChildLocalID
		im.rep.Kept++
	}
	e := im.end
	im.rep.Ended = e != nil && e.Tasks == im.rep.Lines && e.Stories == im.nStory && e.Kept == im.nKept
	return nil
}

// addStory adds a story the history lacks. One that was running comes in
// stopped, so it never runs on two machines at once.
func (s *Service) addStory(st *store.Story) (bool, error) {
	if _, err := s.store.GetStory(st.ID); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrStoryNotFound) {
		return false, err
	}
	if st.Status == store.StoryRunning {
		reason := "imported from an export while it was running there: nothing is sent until you start it here"
		st.Status, st.Reason = store.StoryStopped, reason
		st.Log(s.now(), store.StoryStopped, reason)
	}
	return true, s.store.PutStory(st)
}

// errLineTooLong: a line ran past maxLineBytes (the rest of it was read
// and dropped).
var errLineTooLong = errors.New("line too long")

// readLine reads one line without its newline, at most maxLineBytes of it.
func readLine(in *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := in.ReadSlice('\n')
		if len(line)+len(chunk) > maxLineBytes+1 {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = in.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), err
	}
}

// homeFiles points the files of a task from an export at this machine's
// copies: a file not where the export says, but in the download folder
// under its own name and size (the videos folder was copied along), is
// recorded there. The others keep the path recorded ('veox doctor' lists
// them as missing); veox never writes beside a path outside its folders.
func (s *Service) homeFiles(t *store.Task) {
	for i := range t.Files {
		f := &t.Files[i]
		if st, err := os.Lstat(f.Path); err == nil && filepath.IsAbs(f.Path) && st.Mode().IsRegular() && st.Size() == f.Size {
			continue
		}
		name := filepath.Base(filepath.FromSlash(strings.ReplaceAll(f.Path, `\`, "/")))
		if s.dir == "" || !strings.HasSuffix(name, ".mp4") || strings.HasPrefix(name, ".") {
			continue
		}
		here := filepath.Join(s.dir, name)
		if st, err := os.Lstat(here); err == nil && st.Mode().IsRegular() && st.Size() == f.Size {
			f.Path = here
		}
	}
}

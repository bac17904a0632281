package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks/archive"
)

// checkSidecars compares the videos that describe themselves with the
// history: when the history was set aside (deleted, moved, repaired into
// a fresh file) or the videos came from another machine, tasks the
// sidecars describe are missing from it, and 'veox import --from-folder'
// puts them back. Doctor only reads: the sidecars, and the history if it
// exists.
func (d *doctor) checkSidecars() {
	dir := d.paths.Downloads
	root, err := os.OpenRoot(dir)
	if err != nil {
		return // no folder yet: the videos check says so
	}
	defer root.Close()
	found, _, err := archive.Scan(root)
	if err != nil {
		return
	}
	var ids []string
	for _, f := range found {
		if f.Sidecar == "" {
			continue
		}
		b, err := download.ReadSidecar(root, f.Sidecar)
		if err != nil {
			continue
		}
		if t, err := archive.DecodeTask(b); err == nil {
			ids = append(ids, sidecarKey(t))
		}
	}
	if len(ids) == 0 {
		return
	}
	missing, held, err := d.notInHistory(ids)
	if err != nil {
		return // the history check has said what is wrong with it
	}
	c := doctorCheck{Name: "sidecars", Status: checkOK,
		Summary: fmt.Sprintf("%d video(s) in %s describe their tasks; the history holds every one", len(ids), dir),
		Data:    map[string]any{"described": len(ids), "missing": missing, "folder": dir}}
	fix := []string{"veox import --from-folder " + shellQuote(dir) + "   (adds what is missing, never a task twice; safe to run again)"}
	switch {
	case missing == 0:
	case held == 0 || d.setAside():
		c.Status, c.Fix = checkAction, fix
		c.Summary = fmt.Sprintf("%d of the %d video(s) in %s describe tasks the history does not hold: the history was set aside", missing, len(ids), dir)
	default:
		c.Status, c.Fix = checkNote, fix
		c.Summary = fmt.Sprintf("%d of the %d video(s) in %s describe tasks the history does not hold (removed with 'veox rm --force', or the videos came from elsewhere)", missing, len(ids), dir)
	}
	d.rep.add(c)
}

// setAside: 'veox doctor --repair' moved a damaged history aside, beside
// the one in use.
func (d *doctor) setAside() bool {
	m, _ := filepath.Glob(d.paths.DB + ".broken-*")
	return len(m) > 0
}

func sidecarKey(t *archive.Task) string {
	if t.TaskID != "" {
		return t.TaskID
	}
	return t.LocalID
}

// notInHistory counts the ids the history does not hold (all of them when
// there is no history), and how many tasks it holds.
func (d *doctor) notInHistory(ids []string) (missing, held int, err error) {
	if _, err := os.Stat(d.paths.DB); errors.Is(err, fs.ErrNotExist) {
		return len(ids), 0, nil
	}
	st, err := store.Open(d.paths.DB, store.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	known, err := st.Resolve(ids)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		if _, ok := known[id]; !ok {
			missing++
		}
	}
	held, _, err = st.Count()
	return missing, held, err
}

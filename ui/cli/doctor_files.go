package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/veox/veox/ui/format"
)

// lowSpace is the free space below which doctor asks for room: a few
// stitched clips, or one 4K file, would fill it.
const lowSpace = 500 << 20

type partJSON struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// checkDownloads looks at the download folder: there, writable, room left,
// and .part files a cut download left behind.
func (d *doctor) checkDownloads() {
	dir := d.paths.Downloads
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.rep.add(missingFolderCheck(dir))
		return
	case err != nil:
		d.rep.add(doctorCheck{Name: "videos", Status: checkAction, Summary: fmt.Sprintf("cannot look at %s: %v", dir, err)})
		return
	case !info.IsDir():
		d.rep.add(doctorCheck{Name: "videos", Status: checkAction, Summary: dir + " is not a folder",
			Fix: []string{"move it away, or choose another folder with --download-dir or VEOX_DOWNLOAD_DIR"}})
		return
	}
	d.rep.add(folderCheck(dir))
	if parts := partFiles(dir); len(parts) > 0 {
		d.rep.add(partsCheck(dir, parts))
	}
}

// missingFolderCheck: veox creates the folder at the first download, so
// what matters is whether it could.
func missingFolderCheck(dir string) doctorCheck {
	parent := existingParent(dir)
	if err := tryWrite(parent); err != nil {
		return doctorCheck{Name: "videos", Status: checkAction,
			Summary: fmt.Sprintf("%s does not exist and cannot be created in %s: %v", dir, parent, err),
			Fix:     []string{"choose a writable folder with --download-dir or VEOX_DOWNLOAD_DIR"}}
	}
	return doctorCheck{Name: "videos", Status: checkNote,
		Summary: dir + " does not exist yet: veox creates it at the first download"}
}

func existingParent(dir string) string {
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			return p
		}
	}
}

func tryWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".veox-doctor-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func folderCheck(dir string) doctorCheck {
	c := doctorCheck{Name: "videos", Status: checkOK}
	if err := tryWrite(dir); err != nil {
		c.Status, c.Summary = checkAction, fmt.Sprintf("%s is not writable: %v", dir, err)
		c.Fix = []string{"fix its permissions, or choose another folder with --download-dir or VEOX_DOWNLOAD_DIR"}
		return c
	}
	free, ok := freeSpace(dir)
	c.Data = map[string]any{"path": dir, "freeBytes": free}
	switch {
	case !ok:
		c.Summary = dir + " is writable (free space unknown on this system)"
	case free < lowSpace:
		c.Status = checkAction
		c.Summary = fmt.Sprintf("%s is writable but only %s is free", dir, format.Size(int64(free)))
		c.Fix = []string{"make room: a full disk stops downloads (their .part files are kept and resume later)"}
	default:
		c.Summary = fmt.Sprintf("%s is writable, %s free", dir, format.Size(int64(free)))
	}
	return c
}

// partFiles lists the partial downloads in the folder (not their .part.json
// sidecars).
func partFiles(dir string) []partJSON {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var parts []partJSON
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		if info, err := e.Info(); err == nil {
			parts = append(parts, partJSON{e.Name(), info.Size()})
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Name < parts[j].Name })
	return parts
}

func partsCheck(dir string, parts []partJSON) doctorCheck {
	var total int64
	c := doctorCheck{Name: "partials", Status: checkNote, Data: parts}
	for _, p := range parts {
		total += p.Size
		c.Details = append(c.Details, fmt.Sprintf("%s  %s", p.Name, format.Size(p.Size)))
	}
	c.Summary = fmt.Sprintf("%d unfinished download(s) in %s, %s so far: they resume from there on the next download", len(parts), dir, format.Size(total))
	c.Fix = []string{"veox download ID (or open veox) fetches only the rest"}
	return c
}

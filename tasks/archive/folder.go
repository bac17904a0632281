package archive

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/veox/veox/api/download"
)

// Found is one video in a folder, with its sidecar when it has one.
type Found struct {
	Video   string // slash-separated path inside the folder; "" for a sidecar whose video is gone
	Sidecar string // its sidecar's path, "" when it has none
	Size    int64
}

// Scan lists the videos (*.mp4) and sidecars in root and its subfolders
// (people sort their videos), sorted by path. Hidden folders, partial
// downloads and symbolic links are passed over; everything is read
// through root, so nothing outside the folder is ever touched. A folder
// that cannot be read is passed over and listed in skipped.
func Scan(root *os.Root) (found []Found, skipped []string, err error) {
	videos := map[string]*Found{}
	sidecars := map[string]string{} // video path -> sidecar path
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			skipped = append(skipped, p)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		switch {
		case d.IsDir():
			if p != "." && strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
		case !d.Type().IsRegular():
		case strings.HasSuffix(name, ".mp4") && !strings.HasPrefix(name, "."):
			info, err := d.Info()
			if err != nil {
				skipped = append(skipped, p)
				return nil
			}
			videos[p] = &Found{Video: p, Size: info.Size()}
		default:
			if video, ok := download.IsSidecarName(name); ok {
				sidecars[path.Join(path.Dir(p), video)] = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, skipped, err
	}
	for v, sc := range sidecars {
		if f, ok := videos[v]; ok {
			f.Sidecar = sc
		} else {
			found = append(found, Found{Sidecar: sc})
		}
	}
	for _, f := range videos {
		found = append(found, *f)
	}
	slices.SortFunc(found, func(a, b Found) int { return strings.Compare(a.key(), b.key()) })
	return found, skipped, nil
}

func (f Found) key() string {
	if f.Video != "" {
		return f.Video
	}
	return strings.TrimSuffix(f.Sidecar, ".json")
}

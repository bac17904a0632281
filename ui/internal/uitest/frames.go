package uitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/store"
)

// NeedFFmpeg skips a test that decodes real frames when ffmpeg is not on
// PATH; CI installs it (.ci/run), so there such tests always run.
func NeedFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not on PATH: this test decodes real frames (CI installs it; here: sudo apt install ffmpeg)")
	}
}

// ClipFile writes an embedded clip to a temp file and describes it as a
// downloaded file of a task (no SHA-256: the frames service hashes it).
func ClipFile(t testing.TB, name string) store.File {
	t.Helper()
	b, err := assets.Clip(name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return store.File{Path: p, Size: int64(len(b)), URL: "https://files.example/" + name, DownloadedAt: Now}
}

// Cell is a character as a 24-bit terminal shows it.
type Cell struct {
	Ch     string
	FG, BG [3]uint8
}

var sgrRE = regexp.MustCompile(`^\x1b\[([0-9;]*)m`)

// Cells plays a view back into rows of cells with their 24-bit colours
// (other SGR parameters reset nothing but 0 does), so a test can look at
// the pixels of a half-block picture where the screen shows it.
func Cells(view string) [][]Cell {
	var rows [][]Cell
	for _, line := range strings.Split(view, "\n") {
		var row []Cell
		var fg, bg [3]uint8
		for line != "" {
			if m := sgrRE.FindStringSubmatch(line); m != nil {
				ps := strings.Split(m[1], ";")
				for i := 0; i < len(ps); i++ {
					switch {
					case ps[i] == "0" || ps[i] == "":
						fg, bg = [3]uint8{}, [3]uint8{}
					case (ps[i] == "38" || ps[i] == "48") && i+4 < len(ps) && ps[i+1] == "2":
						var c [3]uint8
						for k := range 3 {
							v, _ := strconv.Atoi(ps[i+2+k])
							c[k] = uint8(v)
						}
						if ps[i] == "38" {
							fg = c
						} else {
							bg = c
						}
						i += 4
					}
				}
				line = line[len(m[0]):]
				continue
			}
			r := []rune(line)[0]
			row = append(row, Cell{string(r), fg, bg})
			line = line[len(string(r)):]
		}
		rows = append(rows, row)
	}
	return rows
}

// Near tells whether two colours are within tol in every channel.
func Near(a, b [3]uint8, tol int) bool {
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

// SMPTEBars are the seven 75 % bars across the top of the forest clip
// (assets.Source8B), left to right.
var SMPTEBars = [][3]uint8{{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0}, {191, 0, 191}, {191, 0, 0}, {0, 0, 191}}

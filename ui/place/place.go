// Package place remembers where the user was in the TUI (the view, the
// search and the selected task) so that the next start opens there. It is a
// convenience: a missing or damaged file is simply no place.
package place

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/veox/veox/store/config"
)

// Place is what the file holds.
type Place struct {
	View  string    `json:"view"`            // "running", "all" or "failed"
	Query string    `json:"query,omitempty"` // the search shown, "" = none
	ID    string    `json:"id,omitempty"`    // the selected task's local id
	At    time.Time `json:"at,omitempty"`    // its creation time: the nearest is found when it is gone
}

// maxSize bounds what Load reads: a place is a few hundred bytes, so a
// larger file is not ours.
const maxSize = 64 << 10

// Path is the place file beside the log, in the state folder (each
// history, the demo's too, has its own).
func Path(logPath string) string {
	if logPath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(logPath), "place.json")
}

// Load reads the place; ok is false when there is none or it cannot be
// read, which is never an error worth stopping a start for.
func Load(path string) (Place, bool) {
	var p Place
	if path == "" {
		return p, false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > maxSize {
		return p, false
	}
	if json.Unmarshal(b, &p) != nil {
		return Place{}, false
	}
	return p, true
}

// Save writes the place atomically (a temporary file renamed over it) with
// mode 0600: a search can name what the user works on.
func Save(path string, p Place) error {
	if path == "" {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return config.WritePrivate(path, append(b, '\n'))
}

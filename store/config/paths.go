package config

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/adrg/xdg"
)

// Paths says where veox keeps things. With a home folder everything but the
// videos lives in it; otherwise the XDG base directories are used.
type Paths struct {
	Config    string // config.json
	DB        string // history.db
	Log       string // veox.log
	Downloads string // where result videos go
	Demo      string // the demo's own history, simulator state and log
}

// ResolvePaths computes the paths from a home folder ("" = XDG defaults).
// getenv is consulted directly instead of the xdg package's cached state so
// that tests and --home behave the same in one process.
func ResolvePaths(home string, getenv func(string) string) (Paths, error) {
	userHome, _ := os.UserHomeDir()
	var p Paths
	if home != "" {
		abs, err := filepath.Abs(home)
		if err != nil {
			return p, err
		}
		p = Paths{
			Config: filepath.Join(abs, "config.json"),
			DB:     filepath.Join(abs, "history.db"),
			Log:    filepath.Join(abs, "veox.log"),
			Demo:   filepath.Join(abs, "demo"),
		}
	} else {
		if userHome == "" {
			return p, errors.New("cannot find your home folder: set VEOX_HOME or pass --home")
		}
		data := xdgDir(getenv, "XDG_DATA_HOME", userHome, ".local/share")
		p = Paths{
			Config: filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", userHome, ".config"), "veox", "config.json"),
			DB:     filepath.Join(data, "veox", "history.db"),
			Log:    filepath.Join(xdgDir(getenv, "XDG_STATE_HOME", userHome, ".local/state"), "veox", "veox.log"),
			Demo:   filepath.Join(data, "veox", "demo"),
		}
	}
	p.Downloads = filepath.Join(videosDir(getenv, userHome), "veox")
	return p, nil
}

func xdgDir(getenv func(string) string, env, home, fallback string) string {
	if v := getenv(env); v != "" && filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(home, fallback)
}

// videosDir is the user's Videos folder: XDG_VIDEOS_DIR, else the desktop's
// user-dirs.dirs entry (localised names such as ~/Vidéos), else ~/Videos.
func videosDir(getenv func(string) string, home string) string {
	if v := getenv("XDG_VIDEOS_DIR"); v != "" && filepath.IsAbs(v) {
		return v
	}
	if v := xdg.UserDirs.Videos; v != "" && filepath.IsAbs(v) && v != home {
		return v
	}
	if home == "" {
		return "."
	}
	return filepath.Join(home, "Videos")
}

// ForDemo returns the paths the demo uses: its own history and log, and a
// demo folder beside the real videos, so a demo never mixes with paid work.
func (p Paths) ForDemo() Paths {
	d := p
	d.DB = filepath.Join(p.Demo, "history.db")
	d.Log = filepath.Join(p.Demo, "veox.log")
	d.Downloads = filepath.Join(p.Downloads, "demo")
	return d
}

// SimState is where the demo simulator persists its tasks between runs.
func (p Paths) SimState() string { return filepath.Join(p.Demo, "sim.json") }

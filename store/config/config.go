// Package config resolves veox's settings (flag, then environment, then the
// config file, then defaults) and where its files live.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultBaseURL is the reseller's API.
const DefaultBaseURL = "https://api.kie.ai"

// File is what config.json holds. The API key lives here (0600) and nowhere
// else on disk.
type File struct {
	APIKey       string `json:"apiKey,omitempty"`
	BaseURL      string `json:"baseUrl,omitempty"`
	DownloadDir  string `json:"downloadDir,omitempty"`
	PollInterval string `json:"pollInterval,omitempty"`
	AutoDownload *bool  `json:"autoDownload,omitempty"`
	Bell         *bool  `json:"bell,omitempty"`
	Notify       *bool  `json:"notify,omitempty"` // desktop notifications when a task ends
	// Sidecars: write "<video>.json" beside each downloaded video (default true).
	Sidecars *bool `json:"sidecars,omitempty"`
	// Mouse lets the TUI take the mouse (wheel, clicks); off gives the
	// terminal's own text selection back without holding shift.
	Mouse *bool `json:"mouse,omitempty"`
	// OnFinish is a shell command run when a task ends in the TUI, with
	// the task's JSON on stdin (never the key).
	OnFinish string `json:"onFinish,omitempty"`
	// CallbackListen, when set, makes the TUI receive callBackUrl calls on
	// that address; CallbackSecret is the signing key they must carry.
	CallbackListen string `json:"callbackListen,omitempty"`
	CallbackSecret string `json:"callbackSecret,omitempty"`
	// DailyLimit caps the credits the tasks created in one day may cost
	// (0 or absent: no limit); ConfirmAbove makes a create estimated above
	// it ask first (budget.go).
	DailyLimit   *float64 `json:"dailyLimit,omitempty"`
	ConfirmAbove *float64 `json:"confirmAbove,omitempty"`
}

// Settings are the resolved values the program runs with.
type Settings struct {
	APIKey         string
	BaseURL        string
	PollInterval   time.Duration // 0 = the built-in cadence
	AutoDownload   bool
	Bell           bool
	Notify         bool // desktop notifications when a task ends (off by default)
	Sidecars       bool // a description beside each downloaded video (on by default)
	Mouse          bool // the TUI takes the mouse (on by default)
	OnFinish       string
	Paths          Paths
	CallbackListen string // address for the TUI's callback receiver; "" = none
	CallbackSecret string
	DailyLimit     float64 // credits a day; 0 = no limit
	ConfirmAbove   float64 // a create estimated above this asks first; 0 = never
	// KeySource says where the key came from ("flag", "env", "config", ""),
	// so the first-run screen knows whether saving makes sense.
	KeySource string
}

// Overrides are the command-line flags; empty strings mean "not given".
// Simulator is --demo: the service is the in-process simulator, which may be
// polled faster than the real one.
type Overrides struct {
	APIKey, BaseURL, Home, DownloadDir, PollInterval string
	Simulator                                        bool
}

// Poll interval floors: the service suggests about 30 s, and each poll is a
// call with the user's key; VEOX_POLL_INTERVAL=1ns meant some 200 polls a
// second. A simulator (--demo, or a base URL on this machine) may go faster.
const (
	MinPollInterval          = time.Second
	MinSimulatorPollInterval = 10 * time.Millisecond
)

// Load resolves settings. getenv is os.Getenv in production, a map in tests.
func Load(o Overrides, getenv func(string) string) (Settings, error) {
	home := first(o.Home, getenv("VEOX_HOME"))
	paths, err := ResolvePaths(home, getenv)
	if err != nil {
		return Settings{}, err
	}
	file, err := Read(paths.Config)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{Paths: paths, AutoDownload: true, Bell: true, Sidecars: true, Mouse: true}
	s.APIKey, s.KeySource = pick(o.APIKey, getenv("VEOX_API_KEY"), file.APIKey)
	if s.APIKey, err = cleanKey(s.APIKey, s.KeySource, paths.Config); err != nil {
		return Settings{}, err
	}
	s.BaseURL, _ = pick(o.BaseURL, getenv("VEOX_BASE_URL"), file.BaseURL)
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	if err := checkBaseURL(s.BaseURL); err != nil {
		return Settings{}, err
	}
	if dir, _ := pick(o.DownloadDir, getenv("VEOX_DOWNLOAD_DIR"), file.DownloadDir); dir != "" {
		s.Paths.Downloads = dir
	}
	if s.Paths.Downloads, err = filepath.Abs(s.Paths.Downloads); err != nil {
		return Settings{}, err
	}
	poll, from := pick(o.PollInterval, getenv("VEOX_POLL_INTERVAL"), file.PollInterval)
	floor := MinPollInterval
	if o.Simulator || onThisMachine(s.BaseURL) {
		floor = MinSimulatorPollInterval
	}
	if s.PollInterval, err = parsePoll(poll, sourceName(from, "--poll-interval", "VEOX_POLL_INTERVAL", "pollInterval"), floor); err != nil {
		return Settings{}, err
	}
	s.CallbackListen, _ = pick("", getenv("VEOX_CALLBACK_LISTEN"), file.CallbackListen)
	s.CallbackSecret, _ = pick("", getenv("VEOX_CALLBACK_SECRET"), file.CallbackSecret)
	if s.DailyLimit, err = budgetValue(getenv("VEOX_DAILY_LIMIT"), file.DailyLimit, "VEOX_DAILY_LIMIT", "dailyLimit"); err != nil {
		return Settings{}, err
	}
	if s.ConfirmAbove, err = budgetValue(getenv("VEOX_CONFIRM_ABOVE"), file.ConfirmAbove, "VEOX_CONFIRM_ABOVE", "confirmAbove"); err != nil {
		return Settings{}, err
	}
	if file.AutoDownload != nil {
		s.AutoDownload = *file.AutoDownload
	}
	if file.Bell != nil {
		s.Bell = *file.Bell
	}
	if file.Notify != nil {
		s.Notify = *file.Notify
	}
	if file.Sidecars != nil {
		s.Sidecars = *file.Sidecars
	}
	if file.Mouse != nil {
		s.Mouse = *file.Mouse
	}
	s.OnFinish = strings.TrimSpace(file.OnFinish)
	return s, nil
}

// budgetValue is a number of credits from the environment or the config
// file; absent is 0 (the rule is off).
func budgetValue(env string, file *float64, envName, key string) (float64, error) {
	v, where := 0.0, key+" in the config file"
	switch {
	case strings.TrimSpace(env) != "":
		f, err := strconv.ParseFloat(strings.TrimSpace(env), 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: give a number of credits such as 1000 (0 switches it off)", envName, env)
		}
		v, where = f, envName
	case file != nil:
		v = *file
	}
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is %v: give a number of credits, 0 or more (0 switches it off)", where, v)
	}
	return v, nil
}

func pick(flag, env, file string) (string, string) {
	switch {
	case flag != "":
		return flag, "flag"
	case env != "":
		return env, "env"
	case file != "":
		return file, "config"
	}
	return "", ""
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func parsePoll(s, where string, floor time.Duration) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		// A bare number is read as seconds, the unit people usually mean.
		if n, nerr := strconv.Atoi(s); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("poll interval %q (%s): give a positive Go duration such as 5s or 1m", s, where)
	}
	if d < floor {
		return 0, fmt.Errorf("poll interval %q (%s) is below %s: every poll is a call with your key, and the service suggests about 30s; give %s or more, or leave it unset for veox's own cadence",
			s, where, floor, floor)
	}
	return d, nil
}

// cleanKey trims the blanks a copy and paste or a file's last line leave
// (a key ending in CR or LF made every create "unknown": net/http refused
// the header after the intent was written) and refuses control characters
// or spaces inside, naming where the key came from but never the key.
func cleanKey(key, from, configPath string) (string, error) {
	key = strings.TrimSpace(key)
	for _, r := range key {
		if unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			where := sourceName(from, "--api-key", "VEOX_API_KEY", "apiKey")
			if from == "config" {
				where = "apiKey in " + configPath
			}
			return "", fmt.Errorf("the API key from %s contains control characters or spaces: copy it again from the service's dashboard", where)
		}
	}
	return key, nil
}

// sourceName says where a setting came from, as the user would set it.
func sourceName(from, flag, env, key string) string {
	switch from {
	case "flag":
		return flag
	case "env":
		return env
	case "config":
		return key + " in the config file"
	}
	return "settings"
}

// onThisMachine: a base URL on loopback is a local simulator, not the
// service (the same exception that allows http:// there).
func onThisMachine(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func checkBaseURL(u string) error {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("base URL %q: it must start with https:// (or http:// for a local simulator)", u)
	}
	return nil
}

// Read loads the config file; a missing file is an empty config.
func Read(path string) (File, error) {
	var f File
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("config file %s is not valid JSON (%v): fix or remove it", path, err)
	}
	return f, nil
}

// Write saves the config file atomically with mode 0600, since it may hold
// the API key.
// Shell commands (onFinish) keep their > and & as typed, not as \u003e:
// the file is read and edited by hand.
func Write(path string, f File) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	return WritePrivate(path, b.Bytes())
}

// WritePrivate writes a small file of veox's own atomically (a temporary
// file, synced, renamed over the old one) with mode 0600, creating its
// folder: the config and the TUI's place both go through it.
func WritePrivate(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// SaveAPIKey stores the key in the config file, keeping its other settings.
func SaveAPIKey(path, key string) error {
	f, err := Read(path)
	if err != nil {
		return err
	}
	f.APIKey = strings.TrimSpace(key)
	return Write(path, f)
}

// Package cli holds veox's headless commands (cobra). It is a contract that
// scripts depend on: flags, JSON shapes and exit codes change only with care.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/charmbracelet/log"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks"
)

// Env is everything a command runs with, built once per process from the
// flags, the environment and the config file.
type Env struct {
	Settings config.Settings
	Paths    config.Paths // the effective paths (the demo's own when Demo)
	Demo     bool
	ReadOnly bool // the history cannot be written here (read-only media or --read-only)
	Log      *log.Logger
	Store    *store.Store
	Service  *tasks.Service
	Sim      *sim.Server // the in-process simulator in demo mode
	Version  string
	closers  []func() error
}

// Close releases the store, the simulator and the log file, last opened
// first.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// globals are the persistent flags. They live in the command tree built by
// NewRoot, never at package level.
type globals struct {
	over     config.Overrides
	demo     bool
	readOnly bool
	version  string
	getenv   func(string) string
}

// openEnv resolves settings, opens the log and the history, and builds the
// client (against the in-process simulator in demo mode).
func (g *globals) openEnv(ctx context.Context, needKey bool) (*Env, error) {
	set, err := config.Load(g.over, g.getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	env := &Env{Settings: set, Paths: set.Paths, Demo: g.demo, Version: g.version}
	if g.demo {
		env.Paths = set.Paths.ForDemo()
		if g.over.DownloadDir != "" || g.getenv("VEOX_DOWNLOAD_DIR") != "" {
			env.Paths.Downloads = set.Paths.Downloads // an explicit choice wins, even in the demo
		}
	}
	if err := env.openLog(); err != nil {
		return nil, err
	}
	if err := env.openStore(g.readOnly); err != nil {
		env.Close()
		return nil, err
	}
	if err := env.buildService(ctx, g, needKey); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

func (e *Env) openLog() error {
	if err := os.MkdirAll(filepath.Dir(e.Paths.Log), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(e.Paths.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open the log %s: %w", e.Paths.Log, err)
	}
	e.closers = append(e.closers, f.Close)
	e.Log = log.NewWithOptions(f, log.Options{ReportTimestamp: true, TimeFormat: time.RFC3339})
	return nil
}

// openStore opens the history. Other veox using it do not stand in the way
// (the store holds it only per unit of work); readOnly is the user's choice,
// and a history on read-only media is opened read-only by itself.
func (e *Env) openStore(readOnly bool) error {
	s, err := store.Open(e.Paths.DB, store.Options{ReadOnly: readOnly, Upgrading: e.tellUpgrade})
	if err != nil {
		return err
	}
	e.Store, e.ReadOnly = s, s.ReadOnly()
	e.closers = append(e.closers, s.Close)
	return nil
}

// tellUpgrade says on stderr, before the wait, that the history is being
// rewritten for this veox and where the old file stays.
func (e *Env) tellUpgrade(from, to int, backup string) {
	fmt.Fprintf(os.Stderr, "veox: bringing the history up to this veox's format (v%d to v%d): a few seconds for a long history.\n"+
		"      The file as it was is kept at %s; delete it once this veox suits you.\n", from, to, backup)
}

func (e *Env) buildService(ctx context.Context, g *globals, needKey bool) error {
	base, key := e.Settings.BaseURL, e.Settings.APIKey
	if g.demo {
		srv, err := startDemoSim(e.Paths, g.getenv, e.Log)
		if err != nil {
			return err
		}
		e.Sim = srv
		e.closers = append(e.closers, srv.Close)
		base, key = srv.URL, demoKey
	} else if key == "" && needKey {
		return usageErr(errors.New("no API key: set VEOX_API_KEY, pass --api-key, or run 'veox' once to save one (try everything without a key: veox --demo)"))
	}
	client := api.New(api.Options{BaseURL: base, APIKey: key, Version: e.Version, Logger: e.Log})
	dl := download.New(download.Options{UserAgent: client.UserAgent(), Logger: e.Log})
	e.Service = tasks.New(tasks.Options{API: client, Downloader: dl, Store: e.Store, Logger: e.Log,
		DownloadDir: e.Paths.Downloads, PollInterval: e.Settings.PollInterval, Sidecars: e.Settings.Sidecars,
		Budget: tasks.Budget{DailyLimit: e.Settings.DailyLimit, ConfirmAbove: e.Settings.ConfirmAbove}})
	if g.demo {
		return e.importDemoSources(ctx)
	}
	return nil
}

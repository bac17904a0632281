// Command veox generates and extends Veo 3.1 videos from the terminal.
// main only wires: flags, environment and config → history → client → the
// TUI or a headless command.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui"
	"github.com/veox/veox/ui/cli"
	"github.com/veox/veox/ui/theme"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cli.NewRoot(cli.Wiring{Version: version, Getenv: os.Getenv, RunTUI: runTUI,
		Stdout: os.Stdout, Stderr: os.Stderr})
	code := cli.Execute(ctx, root, os.Args[1:])
	stop()
	os.Exit(code)
}

// runTUI opens the history (read-only when another veox holds it), asks for
// a key on first run, and runs the Bubble Tea program.
func runTUI(ctx context.Context, req cli.TUIRequest) error {
	// The background is detected before the program owns the terminal.
	lipgloss.SetHasDarkBackground(termenv.HasDarkBackground())
	styles := theme.New(lipgloss.DefaultRenderer())
	env, err := openForTUI(ctx, req, req.Demo)
	if err != nil {
		return err
	}
	if !env.Demo && env.Settings.APIKey == "" {
		env.Close()
		first, err := ui.RunFirstRun(ctx, env.Settings.Paths.Config, styles)
		if err != nil || (first.Key == "" && !first.Demo) {
			return err
		}
		if env, err = openForTUI(ctx, req, first.Demo); err != nil {
			return err
		}
	}
	defer env.Close()
	return ui.Run(ctx, ui.Options{Service: env.Service, Settings: env.Settings, Demo: env.Demo,
		ReadOnly: env.ReadOnly, Now: time.Now, Logger: env.Log, Styles: styles})
}

func openForTUI(ctx context.Context, req cli.TUIRequest, demo bool) (*cli.Env, error) {
	env, err := req.Open(ctx, demo, req.ReadOnly)
	if errors.Is(err, store.ErrLocked) && !req.ReadOnly {
		env, err = req.Open(ctx, demo, true)
	}
	return env, err
}

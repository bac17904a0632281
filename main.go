// Command veox generates and extends Veo 3.1 videos from the terminal.
// main only wires: flags, environment and config → history → client → the
// TUI or a headless command.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui"
	"github.com/veox/veox/ui/cli"
	"github.com/veox/veox/ui/hooks"
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
	receiver, err := startHooks(env)
	if err != nil {
		return err
	}
	defer receiver.Stop()
	return ui.Run(ctx, ui.Options{Service: env.Service, Settings: env.Settings, Demo: env.Demo,
		ReadOnly: env.ReadOnly, Now: time.Now, Logger: env.Log, Styles: styles, Hooks: receiver})
}

// startHooks runs the callback receiver when one is configured. A veox that
// only browses (read-only) cannot record what callbacks say, so it leaves
// the address to the veox that writes.
func startHooks(env *cli.Env) (*hooks.Receiver, error) {
	addr := env.Settings.CallbackListen
	if addr == "" || env.ReadOnly {
		return nil, nil
	}
	r, err := hooks.Start(env.Service, addr, env.Settings.CallbackSecret)
	if err != nil {
		return nil, fmt.Errorf("%w (free the port, or unset VEOX_CALLBACK_LISTEN / callbackListen)", err)
	}
	return r, nil
}

func openForTUI(ctx context.Context, req cli.TUIRequest, demo bool) (*cli.Env, error) {
	env, err := req.Open(ctx, demo, req.ReadOnly)
	if errors.Is(err, store.ErrLocked) && !req.ReadOnly {
		env, err = req.Open(ctx, demo, true)
	}
	return env, err
}

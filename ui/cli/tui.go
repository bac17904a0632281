package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui"
	"github.com/veox/veox/ui/callbacks"
	"github.com/veox/veox/ui/picture"
	"github.com/veox/veox/ui/place"
	"github.com/veox/veox/ui/theme"
)

// runTUI is what veox does without a command: open the history (shared
// with any other veox), ask for a key on first run, and run the
// Bubble Tea program. This package is the one place that builds the TUI.
func runTUI(ctx context.Context, g *globals) error {
	styles := tuiStyles()
	env, err := g.openForTUI(ctx, g.demo)
	if err != nil {
		return err
	}
	if !env.Demo && env.Settings.APIKey == "" {
		env.Close()
		first, err := ui.RunFirstRun(ctx, ui.FirstRunOptions{ConfigPath: env.Settings.Paths.Config, Styles: styles,
			CheckKey: keyCheck(env.Settings, g.version)})
		if err != nil || (first.Key == "" && !first.Demo) {
			return err
		}
		if env, err = g.openForTUI(ctx, first.Demo); err != nil {
			return err
		}
	}
	defer env.Close()
	receiver, err := startCallbacks(env)
	if err != nil {
		return err
	}
	defer receiver.Stop()
	return ui.Run(ctx, ui.Options{Service: env.Service, Settings: env.Settings, Demo: env.Demo,
		Place: place.Path(env.Paths.Log), ReadOnly: env.ReadOnly, Now: time.Now, Logger: env.Log, Styles: styles, Callbacks: receiver,
		CheckKey: keyCheck(env.Settings, g.version),
		Frames:   newExtractor(env.Paths), Painter: picture.Painter{Profile: lipgloss.DefaultRenderer().ColorProfile()}})
}

// keyCheck reads the balance with a key against the configured service (a
// free call the service refuses with 401 for a wrong key), so the first-run
// and Settings screens save only a key that works.
func keyCheck(set config.Settings, version string) func(context.Context, string) (float64, error) {
	return func(ctx context.Context, key string) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return api.New(api.Options{BaseURL: set.BaseURL, APIKey: key, Version: version}).Credit(ctx)
	}
}

// tuiStyles detects the terminal's background, once, before the program
// owns the terminal, and builds the styles for it. Only the TUI asks the
// terminal anything; headless commands never do.
func tuiStyles() theme.Styles {
	// Fresh outputs: the ones built during the package inits saw the $CI
	// that package noprobe set, so they would think there is no terminal.
	// termenv also takes a set $CI (CI runners, some shells' profiles) to
	// mean "no terminal" and draws without colour; the TUI knows whether
	// its stdout is one.
	tty := termenv.WithTTY(term.IsTerminal(os.Stdout.Fd()))
	out := termenv.NewOutput(os.Stdout, tty)
	termenv.SetDefaultOutput(out) // bubbles' progress bar renders through it
	r := lipgloss.NewRenderer(os.Stdout, tty)
	r.SetHasDarkBackground(out.HasDarkBackground())
	lipgloss.SetDefaultRenderer(r)
	return theme.New(r)
}

// openForTUI opens the environment for the program. Another veox on the
// same history does not stand in the way: both have full rights.
func (g *globals) openForTUI(ctx context.Context, demo bool) (*Env, error) {
	g2 := *g
	g2.demo = g.demo || demo
	return g2.openEnv(ctx, false)
}

// startCallbacks runs the callback receiver when one is configured. A veox on a
// read-only history cannot record what callbacks say, so it does not listen.
func startCallbacks(env *Env) (*callbacks.Receiver, error) {
	addr := env.Settings.CallbackListen
	if addr == "" || env.ReadOnly {
		return nil, nil
	}
	r, err := callbacks.Start(env.Service, addr, env.Settings.CallbackSecret)
	if err != nil {
		return nil, fmt.Errorf("%w (free the port, or unset VEOX_CALLBACK_LISTEN / callbackListen)", err)
	}
	return r, nil
}

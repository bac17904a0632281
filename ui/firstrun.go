package ui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/firstrun"
	"github.com/veox/veox/ui/theme"
)

// FirstRun is the first-run screen's outcome; both empty means quit.
type FirstRun struct {
	Key  string
	Demo bool
}

// FirstRunOptions wire the first-run screen.
type FirstRunOptions struct {
	ConfigPath string // where the key is saved (0600)
	Styles     theme.Styles
	// CheckKey reads the balance with a key, so a key the service refuses
	// is never saved (nil: saved unchecked).
	CheckKey func(ctx context.Context, key string) (credits float64, err error)
}

// RunFirstRun says where to get a key, takes it masked, checks it with the
// service and saves it to the config file (0600), or starts the demo.
func RunFirstRun(ctx context.Context, o FirstRunOptions) (res FirstRun, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the first-run screen stopped on an internal error: %v", r)
		}
	}()
	save := func(key string) error { return config.SaveAPIKey(o.ConfigPath, key) }
	screen := firstrun.New(firstrun.Deps{Path: o.ConfigPath, Styles: o.Styles, Save: save, Check: o.CheckKey, Ctx: ctx})
	final, err := tea.NewProgram(screen, tea.WithAltScreen(), tea.WithContext(ctx)).Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return FirstRun{}, nil
		}
		return FirstRun{}, err
	}
	out := final.(firstrun.Model).Outcome()
	return FirstRun{Key: out.Key, Demo: out.Demo}, nil
}

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

// RunFirstRun says where to get a key, takes it masked and saves it to the
// config file (0600), or starts the demo.
func RunFirstRun(ctx context.Context, configPath string, st theme.Styles) (res FirstRun, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the first-run screen stopped on an internal error: %v", r)
		}
	}()
	save := func(key string) error { return config.SaveAPIKey(configPath, key) }
	final, err := tea.NewProgram(firstrun.New(configPath, st, save), tea.WithAltScreen(), tea.WithContext(ctx)).Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return FirstRun{}, nil
		}
		return FirstRun{}, err
	}
	out := final.(firstrun.Model).Outcome()
	return FirstRun{Key: out.Key, Demo: out.Demo}, nil
}

// Package ui is veox's Bubble Tea program: the root model that routes
// messages between the screens, runs the poller and the downloads, and
// keeps the status bar.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/log"

	"github.com/gen2brain/beeep"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/tasks/frames"
	"github.com/veox/veox/ui/act"
	"github.com/veox/veox/ui/callbacks"
	"github.com/veox/veox/ui/picture"
	"github.com/veox/veox/ui/place"
	"github.com/veox/veox/ui/settings"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// Options are built in main and passed in; the UI keeps no global state.
type Options struct {
	Service  *tasks.Service
	Settings config.Settings // AutoDownload, Bell, PollInterval, Paths…
	Demo     bool            // show a DEMO badge
	// Place is the file that remembers where the list was (ui/place): the
	// one beside the history's log, so the demo keeps its own. "" = none.
	Place    string
	ReadOnly bool // the history cannot be written (read-only media or --read-only): browse and re-download only
	Now      func() time.Time
	Logger   *log.Logger // to a file, never the terminal
	Styles   theme.Styles
	Input    io.Reader // nil = the terminal
	Output   io.Writer // nil = the terminal
	// Callbacks is the receiver of the service's callbacks that ui/cli
	// started (nil = none); its events refresh and settle tasks like polls.
	Callbacks *callbacks.Receiver
	// Tick starts every timer of the program; nil is tea.Tick. Tests pass
	// uitest.Pump's, which holds timers until the test fires them.
	Tick timer.Func
	// CheckKey asks the service for the balance with a key, so the
	// Settings screen saves only a key the service accepts (nil: keys are
	// saved unchecked, after the user insists).
	CheckKey settings.KeyCheck
	// Notify raises a desktop notification (nil: the system's, through
	// beeep), when Settings.Notify is on and a task ends.
	Notify func(title, message string) error
	// Frames decodes the frames Details and the list's preview show (nil:
	// none are); Painter draws them in the terminal's colours.
	Frames  *frames.Extractor
	Painter picture.Painter
	// Opener hands files and folders to the system player and file
	// manager (nil: xdg-open or open); tests record instead.
	Opener act.Opener
}

// Run runs the program until the user quits or ctx ends. Downloads and
// polls still under way are cancelled on the way out; a .part file resumes
// next time.
func Run(ctx context.Context, o Options) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("veox's screen stopped on an internal error: %v", r)
		}
	}()
	beeep.AppName = "veox" // the name desktop notifications carry; set once, before anything runs
	// The list reads small pieces of the history at every held key: they
	// share one mapping of the file instead of faulting it in afresh each
	// time (store/kept.go). The store's Close, when veox ends, drops it.
	o.Service.Store().KeepMapping()
	collectLessOften()
	m := newModel(ctx, o)
	if w := startWatch(o); w != nil {
		defer w.Close()
		m.watch = w
	}
	final, err := tea.NewProgram(m, programOptions(ctx, o)...).Run()
	savePlace(o, final)
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // interrupted by a signal: a normal way out
	}
	return err
}

// startWatch follows the history from its newest change on, before the
// list's first read (live.go). Without it veox still works, as before: it
// shows what it does itself, and the rest at the next start.
func startWatch(o Options) *store.Watcher {
	st := o.Service.Store()
	seq, err := st.ChangeSeq()
	if err == nil {
		var w *store.Watcher
		if w, err = st.Watch(seq); err == nil {
			return w
		}
	}
	o.logger().Warn("cannot follow other veox's changes", "err", err)
	return nil
}

func programOptions(ctx context.Context, o Options) []tea.ProgramOption {
	// Focus reports tell whether the user is looking: a task that ends
	// then needs no desktop notification (notify.go).
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithReportFocus()}
	if o.Settings.Mouse {
		// Cell motion, not all motion: presses, releases and the wheel,
		// without a message for every move of the pointer.
		opts = append(opts, tea.WithMouseCellMotion())
	}
	if o.Input != nil {
		opts = append(opts, tea.WithInput(o.Input))
	}
	if o.Output != nil {
		opts = append(opts, tea.WithOutput(o.Output))
	}
	return opts
}

// logger is the file logger, or one that discards.
func (o Options) logger() *log.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return log.New(io.Discard)
}

// notifier raises desktop notifications: the one given, or the system's.
func (o Options) notifier() func(title, message string) error {
	if o.Notify != nil {
		return o.Notify
	}
	return systemNotifier(o.Output, os.Getenv)
}

// savePlace keeps where the list was for the next start. A place that
// cannot be written costs only that convenience: it is logged, not shown.
func savePlace(o Options, final tea.Model) {
	m, ok := final.(Model)
	if !ok {
		return
	}
	if err := place.Save(o.Place, m.list.Place()); err != nil {
		o.logger().Warn("cannot remember the list's place", "err", err)
	}
}

// collectLessOften lets the heap grow to three times what is live before
// the garbage collector runs (GOGC=200) instead of twice, unless GOGC is
// set. The screen's live heap is a few megabytes, and a held page key at
// 100,000 tasks brings a page of decoded tasks every few presses:
// collecting that garbage half as often took a held PageDown from 3.65 to
// 2.85 ms of CPU a press (medians of 3 holds of 150 presses, pages of 100
// then), for 3 MB more resident (26 to 29 MB after the hold). Issue 17.
func collectLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

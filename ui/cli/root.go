package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/veox/veox/ui/cli/noprobe"
)

// Wiring is what main hands the command tree.
type Wiring struct {
	Version string
	Getenv  func(string) string // os.Getenv
	Stdout  io.Writer
	Stderr  io.Writer
}

// NewRoot builds the command tree.
func NewRoot(w Wiring) *cobra.Command {
	g := &globals{version: w.Version, getenv: w.Getenv}
	if g.getenv == nil {
		g.getenv = os.Getenv
	}
	root := &cobra.Command{
		Use:   "veox",
		Short: "Generate and extend Veo 3.1 videos from your terminal",
		Long: "veox generates and, above all, extends videos with Google's Veo 3.1 through the kie.ai API.\n" +
			"Run it without a command for the terminal UI; try everything offline with --demo.",
		Version:       w.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), g)
		},
	}
	root.SetUsageTemplate(root.UsageTemplate() + "\n" + exitCodesHelp + "\n")
	root.SetOut(w.Stdout)
	root.SetErr(w.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	f := root.PersistentFlags()
	f.StringVar(&g.over.APIKey, "api-key", "", "API key (env VEOX_API_KEY; prefer the env or the config file: flags show up in ps)")
	f.StringVar(&g.over.BaseURL, "base-url", "", "API base URL (env VEOX_BASE_URL; default https://api.kie.ai)")
	f.StringVar(&g.over.Home, "home", "", "folder for config, history and logs (env VEOX_HOME; default XDG folders)")
	f.StringVar(&g.over.DownloadDir, "download-dir", "", "where videos are saved (env VEOX_DOWNLOAD_DIR; default ~/Videos/veox)")
	f.StringVar(&g.over.PollInterval, "poll-interval", "", "fixed polling cadence such as 10s (env VEOX_POLL_INTERVAL; default 5s, slower after a minute)")
	f.BoolVar(&g.demo, "demo", false, "run against the built-in simulator: no key, no network, a history of its own")
	f.BoolVar(&g.readOnly, "read-only", false, "open the history without writing anything to it")
	// config.Load lets only a simulator be polled faster than once a second.
	root.PersistentPreRun = func(*cobra.Command, []string) { g.over.Simulator = g.demo }

	root.AddCommand(
		extendCmd(g), generateCmd(g), statusCmd(g), waitCmd(g), listCmd(g), downloadCmd(g), importCmd(g),
		upscaleCmd(g), creditsCmd(g), pathsCmd(g), simCmd(g), seedHistoryCmd(g), settleCmd(g),
		dismissCmd(g), rmCmd(g), doctorCmd(g), receiveCmd(g), framesCmd(g), spendCmd(g), exportCmd(g),
	)
	root.AddCommand(storyCmd(g), treeCmd(g))
	return root
}

// Main runs veox with the process's arguments, environment and standard
// streams, and returns the exit code. The first Ctrl-C (or SIGTERM) stops
// the work in hand, which says what it leaves behind (so does a closed
// terminal's hangup); a second Ctrl-C quits at once.
func Main(version string, args []string) int {
	noprobe.Restore()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals()...)
	go func() {
		select {
		case s := <-sigs:
			cancel(interruption{s})
			// The next Ctrl-C or SIGTERM gets the default action: quit
			// now. A hangup stays handled: a closing terminal sends it
			// more than once, and the second must not cut the first's
			// orderly end short.
			signal.Reset(os.Interrupt, syscall.SIGTERM)
		case <-ctx.Done():
		}
	}()
	stop := startProfile(os.Getenv)
	defer stop()
	root := NewRoot(Wiring{Version: version, Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr})
	return Execute(ctx, root, args)
}

// stopSignals are the signals that stop veox the way Ctrl-C does. A closed
// terminal (SIGHUP) is the usual end of a TUI kept open all day: handled,
// it saves the list's place and stops downloads as q would. Unless it was
// ignored when veox started (nohup): handling it then would undo nohup.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// Execute runs the tree and returns the process exit code. Whatever fails,
// a command run with --json leaves exactly one JSON document on stdout:
// the task (or tasks) when there is one, else {"error": {…}}.
func Execute(ctx context.Context, root *cobra.Command, args []string) int {
	out := &countingWriter{w: root.OutOrStdout()}
	root.SetOut(out)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.err == errQuiet {
		return ee.code
	}
	f := classify(err)
	stderr := root.ErrOrStderr()
	switch code, ok := interrupted(ctx); {
	case ok && f.exit != ExitUnknown && f.exit != ExitUsage:
		// Whatever broke did so because it was stopped.
		f.exit, f.kind, f.code, f.hint = code, kindInterrupted, 0, ""
		f.message = "interrupted before it was done"
		fmt.Fprintln(stderr, "veox: interrupted; nothing more was done")
	case isCobraUsage(err):
		f.exit, f.kind = ExitUsage, kindUsage
		report(stderr, err)
		fmt.Fprintln(stderr, "      see 'veox --help'")
	default:
		report(stderr, err)
	}
	if out.n.Load() == 0 && wantsJSON(cmd, args) {
		writeJSON(out, errorDoc(f))
	}
	return f.exit
}

// errQuiet marks an exit code whose story was already told.
var errQuiet = errors.New("")

func quietExit(code int) error { return &exitError{code: code, err: errQuiet} }

// wantsJSON: the command's --json flag, or, when the arguments did not
// parse that far, a --json among them.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd != nil {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
			return f.Value.String() == "true"
		}
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}

// countingWriter tells whether a command printed anything on stdout.
// Several goroutines of a command may write at once ('veox receive'
// prints each callback from the request that brought it), as they may to
// the file behind it, so the count is atomic.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which come back as plain errors.
func isCobraUsage(err error) bool {
	var ee *exitError
	if errors.As(err, &ee) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "unknown shorthand", "invalid argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// withEnv opens the environment for one command and closes it after.
func withEnv(g *globals, needKey bool, fn func(cmd *cobra.Command, env *Env, args []string) error) func(*cobra.Command, []string) error {
	return openWith(g, needKey, false, fn)
}

// withBrowseEnv is withEnv for commands that can do their job without
// writing the history. Another veox never stands in the way any more (the
// store is held per unit of work); the name marks the commands that would
// also work on a read-only history.
func withBrowseEnv(g *globals, needKey bool, fn func(cmd *cobra.Command, env *Env, args []string) error) func(*cobra.Command, []string) error {
	return openWith(g, needKey, true, fn)
}

func openWith(g *globals, needKey, browse bool, fn func(cmd *cobra.Command, env *Env, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		env, err := g.openEnv(cmd.Context(), needKey)
		if err != nil {
			return err
		}
		defer env.Close()
		if _, err := env.Service.Recover(); err != nil {
			return err
		}
		if args, err = resolveArgs(cmd, env.Store, args); err != nil {
			return err
		}
		return fn(cmd, env, args)
	}
}

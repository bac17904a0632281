package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func waitCmd(g *globals) *cobra.Command {
	var wf waitFlags
	var asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "wait ID...",
		Short:       "Watch tasks until they end (after Ctrl-C, or made without --wait); --download fetches the results",
		Long: "Watch tasks until they end. Ctrl-C stops watching; the tasks go on at the service and\n" +
			"'veox wait' picks them up again. With several IDs, --json prints an array in the order given\n" +
			"and the exit code is the first of 130, 3, 4, 5, 1 that applies to any of them.",
		Example: "  veox wait 31b434709b3c9ab7ceedc0259a1b886a --timeout 10m --download\n" +
			"  veox --demo wait veo_task_demo_lighthouse --json",
		Args: cobra.MinimumNArgs(1),
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			if err := wf.check(true); err != nil {
				return err
			}
			ts, err := resolveAll(cmd, env, args)
			if err != nil {
				return err
			}
			outs := wf.watcher(env, cmd.ErrOrStderr()).run(cmd.Context(), ts)
			printOutcomes(cmd.OutOrStdout(), asJSON, outs, len(args) > 1)
			return tellOutcomes(cmd.ErrOrStderr(), outs)
		}),
	}
	wf.bind(cmd, "")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as one JSON object (an array for several IDs)")
	return cmd
}

// resolveAll finds every task before watching any: a bad id is bad input
// and nothing is watched. A task the history does not know yet is asked
// for and recorded, as 'veox status' does.
func resolveAll(cmd *cobra.Command, env *Env, ids []string) ([]*store.Task, error) {
	out := make([]*store.Task, 0, len(ids))
	for _, id := range ids {
		if err := tasks.CheckTaskID(id); err != nil {
			return nil, err
		}
		t, err := env.Store.Get(id)
		if errors.Is(err, store.ErrNotFound) {
			t, err = statusOf(cmd, env, id)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// waitFlags are what every wait shares: how long, and whether to download.
type waitFlags struct {
	wait     bool
	timeout  time.Duration
	download bool
}

// bind adds --timeout and --download; creates (what != "") also get --wait.
func (wf *waitFlags) bind(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	if what != "" {
		f.BoolVar(&wf.wait, "wait", false, "watch the "+what+" until it ends")
	}
	f.DurationVar(&wf.timeout, "timeout", 0, "stop watching after this long (e.g. 10m; exit 4, the task goes on); 0 = no limit")
	f.BoolVar(&wf.download, "download", false, "download the result files when done")
}

func (wf *waitFlags) check(waiting bool) error {
	switch {
	case wf.timeout < 0:
		return usageErr(errors.New("--timeout must be positive, such as 10m"))
	case !waiting && wf.download:
		return usageErr(errors.New("--download needs --wait (or run 'veox download ID' once the task is done)"))
	case !waiting && wf.timeout > 0:
		return usageErr(errors.New("--timeout needs --wait"))
	}
	return nil
}

func (wf *waitFlags) watcher(env *Env, errOut io.Writer) *watcher {
	return &watcher{env: env, timeout: wf.timeout, download: wf.download,
		line: newLiveLine(errOut, tasks.Estimates(env.Store))}
}

// errStillRunning is the cause of a wait that --timeout ended.
var errStillRunning = errors.New("still running")

// watcher follows tasks to their end, each on its own poll cadence, and
// downloads the results of those that succeed when asked to.
type watcher struct {
	env      *Env
	timeout  time.Duration
	download bool
	line     *liveLine
}

// outcome is how one watched task ended for the command: its code, and
// what to tell the user when it is not plain done or failed.
type outcome struct {
	task *store.Task
	code int
	note string
}

func (w *watcher) run(ctx context.Context, ts []*store.Task) []outcome {
	outs := make([]outcome, len(ts))
	w.line.start(ts)
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					outs[i] = outcome{t, ExitLocal, fmt.Sprintf("watching %s stopped on an internal error: %v", format.ID(t), r)}
				}
			}()
			outs[i] = w.one(ctx, i, t)
		}()
	}
	wg.Wait()
	w.line.stop()
	return outs
}

func (w *watcher) one(ctx context.Context, slot int, t *store.Task) outcome {
	wctx, cancel := waitContext(ctx, w.timeout)
	defer cancel()
	nt, err := w.env.Service.Wait(wctx, t.LocalID, func(t *store.Task) { w.line.set(slot, t) })
	if nt != nil {
		t = nt
	}
	w.line.set(slot, t)
	id := format.ID(t)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return outcome{t, ExitInterrupted, fmt.Sprintf("stopped watching %s; it goes on at the service: 'veox wait %s' picks it up", id, id)}
	case errors.Is(context.Cause(wctx), errStillRunning):
		return outcome{t, ExitRunning, fmt.Sprintf("%s is still running after %s; 'veox wait %s' picks it up", id, w.timeout, id)}
	default:
		f := classify(err)
		if f.exit == ExitUnknown {
			return outcome{task: t, code: ExitUnknown} // never confirmed: tellOutcomes says what to do
		}
		// It exists upstream: asking about it failed, nothing else.
		return outcome{t, ExitLocal, fmt.Sprintf("could not follow %s: %s; 'veox wait %s' tries again", id, f.message, id)}
	}
	if code := stateCode(t); code != ExitOK || !w.download {
		return outcome{task: t, code: code}
	}
	w.line.downloading(slot)
	dt, err := w.env.Service.Download(ctx, t.LocalID, false, w.line.progress(slot))
	if dt != nil {
		t = dt
	}
	switch {
	case err == nil:
		return outcome{task: t}
	case ctx.Err() != nil:
		return outcome{t, ExitInterrupted, fmt.Sprintf("stopped downloading %s; 'veox download %s' resumes it", id, id)}
	}
	return outcome{t, ExitLocal, fmt.Sprintf("%s is done but its download failed: %s; 'veox download %s' resumes it", id, classify(err).message, id)}
}

// stateCode is the exit code a task's state gives a command that waits
// for its end.
func stateCode(t *store.Task) int {
	switch t.Status {
	case store.StatusSucceeded:
		return ExitOK
	case store.StatusRunning:
		return ExitRunning
	case store.StatusUnknown, store.StatusSubmitting:
		return ExitUnknown
	}
	return ExitFailed // failed, refused: it ended without a video
}

// exitPriority orders the codes of several tasks: the first that applies
// to any of them is the command's.
var exitPriority = []int{ExitInterrupted, ExitUnknown, ExitRunning, ExitLocal, ExitFailed}

func combined(outs []outcome) int {
	for _, c := range exitPriority {
		for _, o := range outs {
			if o.code == c {
				return c
			}
		}
	}
	return ExitOK
}

// printOutcomes prints the tasks: one object, or an array when several
// were asked for; readable blocks otherwise.
func printOutcomes(w io.Writer, asJSON bool, outs []outcome, many bool) {
	if asJSON {
		if !many {
			writeJSON(w, toJSON(outs[0].task))
			return
		}
		arr := make([]taskJSON, len(outs))
		for i, o := range outs {
			arr[i] = toJSON(o.task)
		}
		writeJSON(w, arr)
		return
	}
	for i, o := range outs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printTask(w, o.task)
	}
}

// tellOutcomes says on stderr what stopped short of done, and gives the
// command its exit code (the story is told: quietly).
func tellOutcomes(errOut io.Writer, outs []outcome) error {
	for _, o := range outs {
		if o.note != "" {
			fmt.Fprintf(errOut, "veox: %s\n", o.note)
		}
		if o.code == ExitUnknown {
			fmt.Fprintf(errOut, "veox: %s may have been created and billed; veox will not resend it: 'veox settle %s TASK_ID' or 'veox dismiss %s'\n",
				o.task.LocalID, o.task.LocalID, o.task.LocalID)
		}
	}
	if code := combined(outs); code != ExitOK {
		return quietExit(code)
	}
	return nil
}

// liveLine is the line 'veox wait', --wait and downloads redraw on a
// terminal (termLine): status, time so far and the usual time
// (format.Timing, as the TUI shows), or the download's progress.
type liveLine struct {
	termLine
	est   map[string]time.Duration
	mu    sync.Mutex
	slots []slot
}

type slot struct {
	task *store.Task
	dl   *downloadProgress
}

func newLiveLine(w io.Writer, est map[string]time.Duration) *liveLine {
	l := &liveLine{est: est}
	l.termLine = newTermLine(w, func(now time.Time) string {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.text(now)
	})
	return l
}

func (l *liveLine) live() bool { return l != nil && l.termLine.live() }

func (l *liveLine) start(ts []*store.Task) {
	if !l.live() {
		return
	}
	l.slots = make([]slot, len(ts))
	for i, t := range ts {
		l.slots[i].task = t
	}
	l.run()
}

func (l *liveLine) set(i int, t *store.Task) {
	if !l.live() {
		return
	}
	l.mu.Lock()
	l.slots[i].task = t
	l.mu.Unlock()
}

func (l *liveLine) downloading(i int) {
	if !l.live() {
		return
	}
	l.mu.Lock()
	l.slots[i].dl = &downloadProgress{}
	l.mu.Unlock()
}

// progress hands the downloader's progress to slot i (nil when silent).
func (l *liveLine) progress(i int) tasks.ProgressFunc {
	if !l.live() {
		return nil
	}
	l.mu.Lock()
	dl := l.slots[i].dl
	l.mu.Unlock()
	return dl.watch
}

// text is the line: one task reads "● running  8s ~22s left · Ctrl+C stops
// watching; the task goes on"; several read "lighthouse ● 8s ~22s left ·
// forest ✓ took 30s".
func (l *liveLine) text(now time.Time) string {
	if len(l.slots) == 1 {
		s := l.slots[0]
		if s.dl != nil {
			return "downloading " + s.dl.String()
		}
		return format.Status(s.task.Status) + "  " + format.Timing(s.task, l.est[s.task.Kind], now) +
			" · Ctrl+C stops watching; the task goes on"
	}
	parts := make([]string, len(l.slots))
	for i, s := range l.slots {
		what := format.Glyph(s.task.Status) + " " + format.Timing(s.task, l.est[s.task.Kind], now)
		if s.dl != nil {
			what = "↓ " + s.dl.String()
		}
		parts[i] = format.Short(format.ID(s.task)) + " " + what
	}
	return strings.Join(parts, " · ")
}

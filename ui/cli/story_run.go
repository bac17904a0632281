package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func storyRunCmd(g *globals) *cobra.Command {
	var wf waitFlags
	var yes, asJSON, over bool
	cmd := &cobra.Command{
		Use:   "run STORY",
		Short: "Review a story once (cost, balance, length), confirm, and run it; resumes a stopped or interrupted one",
		Long: "Shows the whole review — every step, the estimated cost, the balance before and after, the\n" +
			"final length — and asks once (--yes where nobody can be asked). Nothing is sent before. A story\n" +
			"that is running already (veox stopped while it ran) goes on without asking again.\n" +
			"Without --wait the next step is sent and the story goes on while veox runs (the TUI, or a later\n" +
			"'story run --wait'). With --wait it runs to its end: exit 0 done, 1 a step was refused or failed\n" +
			"(the story stopped: 'story edit', then run again), 3 a step's answer never came (settle or\n" +
			"dismiss it first), 4 still running after --timeout, 5 done but a download failed, 130 Ctrl-C.",
		Example: "  veox story run s0q8r… --wait --download\n  veox --demo story run s0q8r… --yes --wait --download --json",
		Args:    cobra.ExactArgs(1),
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			if err := wf.check(wf.wait); err != nil {
				return err
			}
			r := &storyRun{env: env, cmd: cmd, json: asJSON, wf: wf, over: over}
			return r.run(args[0], yes)
		}),
	}
	wf.bind(cmd, "story")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask: start the story once the review finds nothing in the way")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the story as one JSON object on stdout")
	cmd.Flags().BoolVar(&over, "over-budget", false, "start it even if its steps take today past your daily limit (dailyLimit); its steps are then not held to it")
	return cmd
}

// storyRun is one 'veox story run'.
type storyRun struct {
	env  *Env
	cmd  *cobra.Command
	json bool
	wf   waitFlags
	rev  *tasks.StoryReview
	over bool // --over-budget
}

func (r *storyRun) errOut() io.Writer { return r.cmd.ErrOrStderr() }

func (r *storyRun) print(v *tasks.StoryView) { printStory(r.cmd.OutOrStdout(), r.json, v, r.rev) }

func (r *storyRun) run(id string, yes bool) error {
	svc := r.env.Service
	v, err := svc.LoadStory(id)
	if err != nil {
		return storyErr(err)
	}
	if v.Story.Status == store.StoryRunning {
		fmt.Fprintf(r.errOut(), "veox: story %s is running (confirmed before): going on from step %d\n", v.Story.ID, v.Next+1)
	} else if v, err = r.confirm(v, yes); v == nil || err != nil {
		return err
	}
	if !r.wf.wait {
		return r.once(v)
	}
	return r.follow(v)
}

// confirm reviews the story, asks, and starts it. A nil story with a nil
// error means the story was printed and the exit code given already.
func (r *storyRun) confirm(v *tasks.StoryView, yes bool) (*tasks.StoryView, error) {
	svc := r.env.Service
	rev, err := svc.ReviewStory(r.cmd.Context(), v.Story.ID)
	if err != nil {
		return nil, notSent(err)
	}
	r.rev = rev
	fmt.Fprint(r.errOut(), reviewText(rev))
	if !rev.CanStart() && !(r.over && rev.CanStartOverBudget()) {
		r.print(rev.View)
		code := ExitUsage
		switch {
		case rev.View.Next == len(rev.View.Steps):
			code = ExitOK
		case rev.View.Steps[rev.View.Next].State == store.StatusUnknown, rev.View.Steps[rev.View.Next].State == store.StatusSubmitting:
			code = ExitUnknown
		}
		if code != ExitOK {
			fmt.Fprintln(r.errOut(), "veox: the story was not started; nothing was sent")
		}
		return nil, quietExit(code)
	}
	if !yes {
		ok, err := askStory(r.cmd, fmt.Sprintf("Run %d step(s) for about %d credits? [y/N] ", rev.View.StepsToSend(), rev.View.ToSpend))
		if err != nil || !ok {
			r.print(rev.View)
			if err != nil {
				fmt.Fprintf(r.errOut(), "veox: %v\n", err)
			} else {
				fmt.Fprintln(r.errOut(), "veox: not started; nothing was sent")
			}
			return nil, quietExit(ExitUsage)
		}
	}
	v, err = svc.StartStoryWith(v.Story.ID, r.over)
	if err != nil {
		return nil, notSent(err)
	}
	return v, nil
}

// askStory asks on the terminal; where there is none, it says how to go on.
func askStory(cmd *cobra.Command, question string) (bool, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(in.Fd()) {
		return false, errors.New("there is no terminal to ask: read the review above, then run again with --yes to start the story")
	}
	fmt.Fprint(cmd.ErrOrStderr(), question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// reviewText is the review in words: every step still to run, the money,
// the length, what stands in the way.
func reviewText(rev *tasks.StoryReview) string {
	v := rev.View
	var b strings.Builder
	fmt.Fprintf(&b, "Review of story %s, from %s (%s)\n", v.Story.ID, format.ID(sourceOf(v)), lengthWords(v))
	for _, s := range v.Steps {
		mark := "  "
		if s.Editable() {
			mark = "→ " // sent when its turn comes
		}
		fmt.Fprintf(&b, "  %s%d  %-10s %-22s about %3d cr  %s\n", mark, s.N, stepStatus(s.State), stepOptions(s), s.Credits, clip(s.Prompt, 50))
	}
	fmt.Fprintf(&b, "  to spend: about %d credits for %d step(s) (the whole story: %d)\n", v.ToSpend, v.StepsToSend(), v.Estimate)
	if rev.BalanceKnown {
		fmt.Fprintf(&b, "  balance: %s now, about %s after (prices drift: the balance is what to trust)\n",
			format.Credits(rev.Balance), format.Credits(rev.After))
	}
	if t := format.StoryToday(rev); t != "" {
		fmt.Fprintf(&b, "  today: %s\n", t)
	}
	if v.FinalSeconds > 0 {
		fmt.Fprintf(&b, "  final length: %d s (+%d s a step)\n", v.FinalSeconds, tasks.StepSeconds)
	}
	for _, n := range rev.Notes {
		fmt.Fprintf(&b, "  note: %s\n", api.Sanitize(n))
	}
	for _, p := range rev.Problems {
		fmt.Fprintf(&b, "  cannot start: %s\n", api.Sanitize(p))
	}
	return b.String()
}

// once sends the next step and leaves the story running for whichever
// veox runs it next.
func (r *storyRun) once(v *tasks.StoryView) error {
	d, err := r.env.Service.Drive(r.cmd.Context(), v.Story.ID)
	if err != nil {
		r.print(v)
		return localStep(kindLocal, err)
	}
	r.print(d.View)
	switch d.Action {
	case tasks.DriveSent, tasks.DriveWaiting, tasks.DriveBusy:
		if !r.json {
			fmt.Fprintf(r.errOut(), "veox: step %d is on its way; the story goes on while veox runs (the TUI, or 'veox story run %s --wait')\n",
				d.View.Next+1, d.View.Story.ID)
		}
		return nil
	}
	return r.finish(d.View, nil)
}

// follow runs the story to its end (or the timeout), with one live line on
// a terminal's stderr.
func (r *storyRun) follow(v *tasks.StoryView) error {
	ctx := r.cmd.Context()
	wctx, cancel := waitContext(ctx, r.wf.timeout)
	defer cancel()
	line := newStoryLine(r.errOut(), tasks.Estimates(r.env.Store))
	line.run()
	last := v
	nv, err := r.env.Service.RunStory(wctx, v.Story.ID, tasks.RunOptions{
		Download: r.wf.download,
		OnDrive: func(d *tasks.Drive) {
			last = d.View
			line.drive(d)
		},
		OnTask:   line.setTask,
		Progress: line.progress,
		OnFetched: func(t *store.Task, done []tasks.Fetched) {
			line.fetched()
			if !r.json {
				line.clear()
				tellFetched(r.errOut(), done)
			}
		},
	})
	line.stop()
	if nv != nil {
		last = nv
	}
	if fresh, lerr := r.env.Service.LoadStory(v.Story.ID); lerr == nil {
		last = fresh
	}
	r.print(last)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		fmt.Fprintf(r.errOut(), "veox: stopped watching; the story stays running and its step goes on at the service: 'veox story run %s --wait' picks it up\n", v.Story.ID)
		return quietExit(interruptCode(ctx))
	case errors.Is(context.Cause(wctx), errStillRunning):
		fmt.Fprintf(r.errOut(), "veox: the story is still running after %s; 'veox story run %s --wait' picks it up\n", r.wf.timeout, v.Story.ID)
		return quietExit(ExitRunning)
	default:
		return r.finish(last, err)
	}
	return r.finish(last, nil)
}

func interruptCode(ctx context.Context) int {
	code, _ := interrupted(ctx)
	return code
}

// finish gives the exit code of a story that ended or stopped.
func (r *storyRun) finish(v *tasks.StoryView, err error) error {
	out := r.errOut()
	switch v.Story.Status {
	case store.StoryDone:
		if err != nil {
			fmt.Fprintf(out, "veox: %s\n", oneLine(api.Sanitize(err.Error())))
			return quietExit(ExitLocal)
		}
		if film := v.Film(); film != "" && !r.json {
			fmt.Fprintf(out, "veox: the story is done: %s\n", film)
		}
		return nil
	case store.StoryStopped:
		fmt.Fprintf(out, "veox: the story stopped: %s\n", oneLine(api.Sanitize(v.Story.Reason)))
		if v.Next < len(v.Steps) && v.Steps[v.Next].State == store.StatusUnknown {
			return quietExit(ExitUnknown)
		}
		return quietExit(ExitFailed)
	}
	if err != nil {
		return localStep(kindLocal, err)
	}
	return nil
}

// storyLine is the live line of a story run (termLine): "step 2/3 ●
// running 1m ~2m left", or a download's progress.
type storyLine struct {
	termLine
	est  map[string]time.Duration
	mu   sync.Mutex
	step string
	task *store.Task
	dl   *downloadProgress
}

func newStoryLine(w io.Writer, est map[string]time.Duration) *storyLine {
	l := &storyLine{est: est}
	l.termLine = newTermLine(w, l.text)
	return l
}

func (l *storyLine) drive(d *tasks.Drive) {
	if !l.live() || d.Task == nil {
		return
	}
	l.mu.Lock()
	l.step, l.task, l.dl = fmt.Sprintf("story %s step %d/%d", format.Short(d.View.Story.ID), d.View.Next+1, len(d.View.Steps)), d.Task, nil
	l.mu.Unlock()
}

func (l *storyLine) setTask(t *store.Task) {
	if !l.live() {
		return
	}
	l.mu.Lock()
	l.task = t
	l.mu.Unlock()
}

func (l *storyLine) progress(t *store.Task, i int, p *download.Progress) {
	if !l.live() {
		return
	}
	l.mu.Lock()
	if l.dl == nil {
		l.dl = &downloadProgress{}
	}
	dl := l.dl
	l.mu.Unlock()
	dl.watch(t, i, p)
}

func (l *storyLine) fetched() {
	if !l.live() {
		return
	}
	l.mu.Lock()
	l.dl = nil
	l.mu.Unlock()
}

func (l *storyLine) text(now time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.dl != nil:
		return "downloading " + l.dl.String()
	case l.task != nil:
		return l.step + "  " + format.Status(l.task.Status) + "  " + format.Timing(l.task, l.est[l.task.Kind], now) +
			" · Ctrl+C stops watching; the story goes on"
	}
	return ""
}

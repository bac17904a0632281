package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// follow are the flags every create shares.
type follow struct {
	wait, download, json bool
}

func (f *follow) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.wait, "wait", false, "poll until the task ends")
	cmd.Flags().BoolVar(&f.download, "download", false, "with --wait: download the result files when done")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the task as one JSON object on stdout")
}

// finish handles what comes after a create: the outcome, the wait, the
// download, and the exit code. The task is printed whatever happened, so a
// script always gets its local id.
func (f *follow) finish(cmd *cobra.Command, env *Env, t *store.Task, err error) error {
	if t == nil {
		return err // nothing was created: validation, source check, read-only
	}
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err != nil {
		f.print(out, t)
		report(errOut, err)
		if errors.Is(err, tasks.ErrUnknownOutcome) {
			fmt.Fprintf(errOut, "      veox will not resend it. Check 'veox credits' or the service's dashboard; then 'veox settle %s TASK_ID' or 'veox dismiss %s'.\n", t.LocalID, t.LocalID)
		}
		return quietExit(ExitCode(err))
	}
	if !f.json {
		fmt.Fprintf(out, "accepted: task %s (local %s), about %d credits\n", t.TaskID, t.LocalID, tasks.EstimateFor(t))
	}
	if f.wait {
		if t, err = f.waitAndFetch(cmd.Context(), out, errOut, env, t); err != nil {
			if t != nil {
				f.print(out, t)
			}
			return err
		}
	}
	f.print(out, t)
	if t.Status == store.StatusFailed {
		return quietExit(ExitFailed)
	}
	return nil
}

func (f *follow) print(w io.Writer, t *store.Task) {
	if f.json {
		writeJSON(w, toJSON(t))
		return
	}
	printTask(w, t)
}

func (f *follow) waitAndFetch(ctx context.Context, out, errOut io.Writer, env *Env, t *store.Task) (*store.Task, error) {
	start := time.Now()
	onChange := func(t *store.Task) {
		if !f.json {
			fmt.Fprintf(out, "%s after %s\n", t.Status, time.Since(start).Round(time.Second))
		}
	}
	if !f.json {
		fmt.Fprintln(out, "waiting for the service (Ctrl+C stops waiting; the task goes on)…")
	}
	t, err := env.Service.Wait(ctx, t.LocalID, onChange)
	if err != nil {
		if errors.Is(err, context.Canceled) && t != nil {
			return t, fmt.Errorf("stopped waiting; task %s goes on at the service: follow it with 'veox status %s'", t.TaskID, t.TaskID)
		}
		return t, err
	}
	if !f.download || t.Status != store.StatusSucceeded {
		return t, nil
	}
	return fetchFiles(ctx, errOut, env, t, false, f.json)
}

// fetchFiles downloads a task's files, showing progress on a terminal.
func fetchFiles(ctx context.Context, errOut io.Writer, env *Env, t *store.Task, force, quiet bool) (*store.Task, error) {
	pr := newProgressPrinter(errOut, !quiet && isTerminal(errOut))
	defer pr.stop()
	return env.Service.Download(ctx, t.LocalID, force, pr.watch)
}

// progressPrinter shows one line of download progress on stderr, redrawn
// twice a second by its own ticker (never per chunk).
type progressPrinter struct {
	w    io.Writer
	mu   sync.Mutex
	cur  *download.Progress
	idx  int
	done chan struct{}
	once sync.Once
}

func newProgressPrinter(w io.Writer, live bool) *progressPrinter {
	p := &progressPrinter{w: w, done: make(chan struct{})}
	if live {
		go p.loop()
	}
	return p
}

func (p *progressPrinter) watch(_ *store.Task, i int, pr *download.Progress) {
	p.mu.Lock()
	p.cur, p.idx = pr, i
	p.mu.Unlock()
}

func (p *progressPrinter) loop() {
	defer func() { _ = recover() }() // a display problem must never kill a download
	tk := time.NewTicker(500 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-p.done:
			fmt.Fprint(p.w, "\r\033[K")
			return
		case <-tk.C:
			p.draw()
		}
	}
}

func (p *progressPrinter) draw() {
	p.mu.Lock()
	cur, idx := p.cur, p.idx
	p.mu.Unlock()
	if cur == nil {
		return
	}
	s := cur.Snapshot()
	line := fmt.Sprintf("file %d: %s", idx+1, format.Transfer(s.Done, s.Total, s.BytesPerSec, s.ETA))
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (p *progressPrinter) stop() { p.once.Do(func() { close(p.done) }) }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func extendCmd(g *globals) *cobra.Command {
	var in tasks.ExtendInput
	var fl follow
	cmd := &cobra.Command{
		Use:   "extend --task ID --prompt TEXT",
		Short: "Extend a finished video (about +7 s); costs credits",
		Example: "  veox extend --task 3f2a… --prompt \"the camera rises over the city\" --seed 12345 --watermark MyBrand --wait --download\n" +
			"  veox --demo extend --task veo_task_demo_lighthouse --prompt \"a storm rolls in\" --wait --download --json",
		Args: cobra.NoArgs,
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, _ []string) error {
			if err := fl.check(); err != nil {
				return err
			}
			if err := warnBeforeExtend(cmd, env, in.Source); err != nil {
				return err
			}
			t, err := env.Service.Extend(cmd.Context(), in)
			return fl.finish(cmd, env, t, err)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Source, "task", "", "the finished task to extend (service task id)")
	f.StringVar(&in.Prompt, "prompt", "", "what happens next (English recommended)")
	f.IntVar(&in.Seed, "seed", 0, "10000–99999; omit for random")
	f.StringVar(&in.Model, "model", "fast", "fast, quality or lite")
	f.StringVar(&in.Watermark, "watermark", "", "text burnt into the video")
	f.StringVar(&in.CallbackURL, "callback", "", "URL the service POSTs the result to")
	fl.bind(cmd)
	return cmd
}

// warnBeforeExtend asks the service about the source first, so a source
// it would refuse is refused here (exit 2, nothing sent) and a warning (a
// 4K version was requested) is on stderr before any money is spent.
func warnBeforeExtend(cmd *cobra.Command, env *Env, source string) error {
	if tasks.CheckTaskID(source) != nil {
		return nil // Extend names every broken rule at once
	}
	src, err := env.Service.CheckSource(cmd.Context(), source)
	if err != nil {
		return err
	}
	if w := env.Service.ExtendWarning(src); w != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "veox: warning: %s\n", w)
	}
	return nil
}

func (f *follow) check() error {
	if f.download && !f.wait {
		return usageErr(errors.New("--download needs --wait (or run 'veox download ID' once the task is done)"))
	}
	return nil
}

func generateCmd(g *globals) *cobra.Command {
	var in tasks.GenerateInput
	var fl follow
	cmd := &cobra.Command{
		Use:   "generate --prompt TEXT",
		Short: "Generate a new video (only videos made through the API can be extended); costs credits",
		Example: "  veox generate --prompt \"a lighthouse at dawn\" --wait --download\n" +
			"  veox generate --type frames --image https://example.com/first.png --prompt \"the door opens\"",
		Args: cobra.NoArgs,
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, _ []string) error {
			if err := fl.check(); err != nil {
				return err
			}
			t, err := env.Service.Generate(cmd.Context(), in)
			return fl.finish(cmd, env, t, err)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Prompt, "prompt", "", "what the video shows (English recommended)")
	f.StringVar(&in.Model, "model", "veo3_fast", "veo3_fast, veo3 (quality) or veo3_lite")
	f.StringVar(&in.Type, "type", "text", "text, frames (1–2 images) or reference (1–3 images, veo3_fast, 8 s)")
	f.StringArrayVar(&in.ImageURLs, "image", nil, "public image URL (repeat for several)")
	f.StringVar(&in.Aspect, "aspect", "16:9", "16:9, 9:16 or Auto")
	f.StringVar(&in.Resolution, "resolution", "720p", "720p, 1080p or 4k (only 720p renders can be extended)")
	f.IntVar(&in.Duration, "duration", 0, "4, 6 or 8 seconds (default 8)")
	f.IntVar(&in.Seed, "seed", 0, "10000–99999; omit for random")
	f.StringVar(&in.Watermark, "watermark", "", "text burnt into the video")
	f.StringVar(&in.CallbackURL, "callback", "", "URL the service POSTs the result to")
	f.BoolVar(&in.Translate, "translate", false, "let the service translate a non-English prompt")
	fl.bind(cmd)
	return cmd
}

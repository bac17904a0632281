package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// follow are the flags every create shares.
type follow struct {
	waitFlags
	json bool
}

func (f *follow) bind(cmd *cobra.Command, what string) {
	f.waitFlags.bind(cmd, what)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the task as one JSON object on stdout")
}

func (f *follow) check() error { return f.waitFlags.check(f.wait) }

// finish handles what comes after a create: the outcome, the wait, the
// download, and the exit code. The task is printed whatever happened, so a
// script always gets its local id.
func (f *follow) finish(cmd *cobra.Command, env *Env, t *store.Task, err error) error {
	if t == nil {
		return notSent(err) // nothing was created: validation, source check, the history
	}
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err != nil {
		f.print(out, t)
		report(errOut, err)
		code := stateCode(t) // refused: 1; no answer: 3
		if code == ExitUnknown {
			fmt.Fprintf(errOut, "      veox will not resend it. Look for the task (a callback settles it; or find its id on the service's dashboard), then 'veox settle %s TASK_ID'. The balance cannot tell: dismiss only what the service's records show does not exist.\n", t.LocalID)
		}
		return quietExit(code)
	}
	if !f.wait {
		if !f.json {
			fmt.Fprintf(out, "accepted: task %s (local %s), about %d credits; 'veox wait %s' follows it\n", t.TaskID, t.LocalID, tasks.EstimateFor(t), t.TaskID)
		}
		f.print(out, t)
		return nil
	}
	outs := f.watcher(env, errOut).run(cmd.Context(), []*store.Task{t})
	printOutcomes(out, f.json, outs, false)
	return tellOutcomes(errOut, outs)
}

func (f *follow) print(w io.Writer, t *store.Task) {
	if f.json {
		writeJSON(w, toJSON(t))
		return
	}
	printTask(w, t)
}

// fetchFiles downloads a task's files, showing progress on a terminal.
func fetchFiles(ctx context.Context, errOut io.Writer, env *Env, t *store.Task, force bool) (*store.Task, []tasks.Fetched, error) {
	line := newLiveLine(errOut, nil)
	line.start([]*store.Task{t})
	defer line.stop()
	line.downloading(0)
	return env.Service.DownloadFiles(ctx, t.LocalID, force, line.progress(0))
}

// tellFetched says what the download did with each file: "saved" only
// for a file it wrote.
func tellFetched(w io.Writer, done []tasks.Fetched) {
	for _, f := range done {
		fmt.Fprintln(w, format.Fetched(f.File, f.Wrote, f.Waited))
		if f.Note != "" {
			fmt.Fprintln(w, "  "+f.Note)
		}
	}
}

// downloadProgress is the progress of the file being fetched, read by the
// live line on its own schedule (never per chunk).
type downloadProgress struct {
	mu  sync.Mutex
	cur *download.Progress
	idx int
}

func (d *downloadProgress) watch(_ *store.Task, i int, p *download.Progress) {
	d.mu.Lock()
	d.cur, d.idx = p, i
	d.mu.Unlock()
}

// String is "file 1: 45%  4.2 MB of 9.1 MB  1.3 MB/s  6s left".
func (d *downloadProgress) String() string {
	d.mu.Lock()
	cur, idx := d.cur, d.idx
	d.mu.Unlock()
	if cur == nil {
		return "starting…"
	}
	s := cur.Snapshot()
	if s.Waiting {
		return fmt.Sprintf("file %d: %s", idx+1, format.Waiting)
	}
	return fmt.Sprintf("file %d: %s", idx+1, format.Transfer(s.Done, s.Total, s.BytesPerSec, s.ETA))
}

// terminalWidth reports whether w is a terminal and how wide it is now.
// It asks the kernel (an ioctl), never the terminal itself.
func terminalWidth(w io.Writer) (func() int, bool) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil, false
	}
	return func() int {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
		return 80
	}, true
}

func extendCmd(g *globals) *cobra.Command {
	var in tasks.ExtendInput
	var fl follow
	var sf spendFlags
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
			var err error
			if in.Source, err = resolveTask(cmd.Context(), env.Store, in.Source); err != nil {
				return notSent(err)
			}
			if err := warnBeforeExtend(cmd, env, in.Source); err != nil {
				return notSent(err)
			}
			if err := sf.approve(cmd, env, float64(tasks.ExtendCost(in.Model)), "extension"); err != nil {
				return err
			}
			in.OverBudget = sf.over
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
	fl.bind(cmd, "extension")
	sf.bind(cmd)
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

func generateCmd(g *globals) *cobra.Command {
	var in tasks.GenerateInput
	var fl follow
	var sf spendFlags
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
			if err := tasks.ValidateGenerate(&in); err != nil {
				return err
			}
			if err := sf.approve(cmd, env, float64(tasks.GenerateCost(in.Model, in.Resolution)), "video"); err != nil {
				return err
			}
			in.OverBudget = sf.over
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
	fl.bind(cmd, "video")
	sf.bind(cmd)
	return cmd
}

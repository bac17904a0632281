package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func statusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "status ID",
		Short:       "Ask the service about a task, record the answer, print it",
		Args:        cobra.ExactArgs(1),
		Long: "Ask the service about a task, record the answer and print it. The exit code says what the\n" +
			"task is: 0 running or done, 1 failed, 3 a create of unknown outcome; 5 when the service\n" +
			"could not be asked (the task is printed as the history knows it).",
		RunE: withBrowseEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			t, err := statusOf(cmd, env, args[0])
			if t == nil {
				return err
			}
			(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
			if err != nil {
				return err // printed as known; the error goes to stderr
			}
			if code := stateCode(t); code != ExitRunning {
				return quietExit(code)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

// statusOf refreshes a task from the history, or imports one the history
// does not know yet (and says so).
func statusOf(cmd *cobra.Command, env *Env, id string) (*store.Task, error) {
	if err := tasks.CheckTaskID(id); err != nil {
		return nil, err
	}
	if _, err := env.Store.Get(id); errors.Is(err, store.ErrNotFound) {
		t, err := env.Service.Import(cmd.Context(), id)
		if err == nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "veox: %s was not in your history; it is now\n", id)
		}
		return t, err
	}
	return env.Service.Refresh(cmd.Context(), id)
}

func validStatus(s string) bool {
	switch s {
	case store.StatusRunning, store.StatusSucceeded, store.StatusFailed, store.StatusUnknown, store.StatusSubmitting, store.StatusRefused:
		return true
	}
	return false
}

func downloadCmd(g *globals) *cobra.Command {
	var asJSON, force bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "download ID",
		Short:       "Download (or download again) a finished task's files, verified",
		Args:        cobra.ExactArgs(1),
		RunE: withBrowseEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			t, err := env.Store.Get(args[0])
			if err != nil {
				if t, err = statusOf(cmd, env, args[0]); err != nil {
					return err
				}
			}
			if t.Status == store.StatusRunning {
				// It may have ended since (veox stopped while it ran): ask.
				if rt, rerr := env.Service.Refresh(cmd.Context(), t.LocalID); rerr == nil {
					t = rt
				}
			}
			if code := stateCode(t); code != ExitOK {
				(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
				fmt.Fprintf(cmd.ErrOrStderr(), "veox: %s is %s: only finished videos have files to download\n", format.ID(t), format.StatusWord(t.Status))
				return quietExit(code)
			}
			t, done, err := fetchFiles(cmd.Context(), cmd.ErrOrStderr(), env, t, force)
			if !asJSON {
				tellFetched(cmd.ErrOrStderr(), done)
			}
			if t != nil {
				(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
			}
			return localStep(kindDownload, err)
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "fetch again even if a verified file is already there")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

func upscaleCmd(g *globals) *cobra.Command {
	var to string
	var fl follow
	var sf spendFlags
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "upscale ID --to 1080p|4k",
		Short:       "Ask for a 1080p or 4K version; a 1080p source can no longer be extended",
		Args:        cobra.ExactArgs(1),
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			if err := fl.check(); err != nil {
				return err
			}
			to = strings.ToLower(to)
			if to == tasks.Upscale1080 || to == tasks.Upscale4K {
				if err := sf.approve(cmd, env, float64(tasks.UpscaleCost(to)), to+" version"); err != nil {
					return err
				}
			}
			t, err := env.Service.UpscaleWith(cmd.Context(), tasks.UpscaleInput{Source: args[0], To: to, OverBudget: sf.over})
			return fl.finish(cmd, env, t, err)
		}),
	}
	cmd.Flags().StringVar(&to, "to", "", fmt.Sprintf("1080p (about %d credits) or 4k (about %d credits)",
		tasks.UpscaleCost(tasks.Upscale1080), tasks.UpscaleCost(tasks.Upscale4K)))
	cmd.MarkFlagRequired("to")
	fl.bind(cmd, "upscale")
	sf.bind(cmd)
	return cmd
}

func creditsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "credits",
		Short: "Show the credit balance",
		Args:  cobra.NoArgs,
		RunE: withBrowseEnv(g, true, func(cmd *cobra.Command, env *Env, _ []string) error {
			b, err := env.Service.ReadBalance(cmd.Context())
			if err != nil {
				return err
			}
			c := b.Credits
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]float64{"credits": c})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s credits (about $%.2f)\n", format.Credits(c), tasks.CreditsToUSD(c))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {\"credits\": N}")
	return cmd
}

func seedHistoryCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "seed-history N",
		Short:  "Fill the demo history with N made-up tasks (for trying veox at scale)",
		Args:   cobra.ExactArgs(1),
		Hidden: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !g.demo {
				return usageErr(errors.New("seed-history fills a history with made-up tasks; run it with --demo so your real history stays clean"))
			}
			var n int
			if _, err := fmt.Sscan(args[0], &n); err != nil || n < 1 || n > 10_000_000 {
				return usageErr(fmt.Errorf("seed-history %q: give a number of tasks from 1 to 10000000", args[0]))
			}
			return withEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
				start := time.Now()
				if err := store.SeedHistory(env.Store, n, time.Now()); err != nil {
					return err
				}
				total, _, _ := env.Store.Count()
				fmt.Fprintf(cmd.OutOrStdout(), "added %d tasks in %s; the demo history now holds %d\n", n, time.Since(start).Round(time.Millisecond), total)
				return nil
			})(cmd, args)
		},
	}
}

// taskAction builds a command that acts on the history and prints the task
// it leaves behind, as text or (with --json) as one object.
func taskAction(g *globals, needKey bool, cmd *cobra.Command, act func(cmd *cobra.Command, env *Env, args []string) (*store.Task, error)) *cobra.Command {
	var asJSON bool
	cmd.RunE = withEnv(g, needKey, func(cmd *cobra.Command, env *Env, args []string) error {
		t, err := act(cmd, env, args)
		if err != nil {
			return err
		}
		(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
		return nil
	})
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

func settleCmd(g *globals) *cobra.Command {
	var force, yes, asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("first"),
		Use:         "settle LOCAL_ID TASK_ID",
		Short:       "Attach the service's task id to a create whose answer never came, after the service confirms it",
		Long: "A create whose answer never arrived is recorded as 'unknown' and never resent.\n" +
			"If you found it on the service (its dashboard, a callback), settle it with its task id.\n" +
			"veox asks the service about TASK_ID first and shows its prompt, model and creation time beside\n" +
			"your create's. It attaches the id when they match and you confirm (--yes where nobody can be\n" +
			"asked). An id the service does not know, or whose prompt differs, is refused (exit 2) and the\n" +
			"create stays unknown, unless --force after you have seen the difference.",
		Args: cobra.ExactArgs(2),
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			if err := mustBeUnknown(env, args[0], "settle"); err != nil {
				return err
			}
			c, err := env.Service.CheckSettle(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			printSettleCheck(errOut, c)
			switch {
			case !c.Matches() && !force:
				fmt.Fprintf(errOut, "veox: not settled: %s. The create stays unknown; check the id, or run again with --force if it is yours all the same.\n",
					strings.Join(c.Problems, "; "))
				return quietExit(ExitUsage)
			case c.Matches() && !yes:
				ok, err := askYes(cmd, fmt.Sprintf("Attach %s to %s? [y/N] ", c.TaskID, c.Local.LocalID))
				if err != nil {
					return usageErr(err)
				}
				if !ok {
					fmt.Fprintln(errOut, "veox: not settled; the create stays unknown")
					return quietExit(ExitUsage)
				}
			}
			settle := env.Service.Settle
			if force {
				settle = env.Service.SettleForce
			}
			t, err := settle(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "attach the id even though the service does not confirm it")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask: attach it when the service confirms it")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

// printSettleCheck sets the service's answer beside the lost create.
func printSettleCheck(w io.Writer, c *tasks.SettleCheck) {
	l := c.Local
	if c.Known {
		fmt.Fprintf(w, "the service's task %s\n  prompt   %s\n  model    %s\n  created  %s\n", c.TaskID,
			clip(c.Prompt, 200), orDash(c.Model), stamp(c.Created))
	}
	fmt.Fprintf(w, "your unknown create %s\n  prompt   %s\n  model    %s\n  sent     %s\n", l.LocalID,
		clip(l.Request.Prompt, 200), orDash(l.Request.Model), stamp(l.CreatedAt))
	if c.Matches() {
		fmt.Fprintln(w, "they match")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return api.Sanitize(s)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// askYes asks on the terminal; where there is none, it says how to go on.
func askYes(cmd *cobra.Command, question string) (bool, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(in.Fd()) {
		return false, errors.New("the service confirms it, and there is no terminal to ask: run again with --yes to attach it")
	}
	fmt.Fprint(cmd.ErrOrStderr(), question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// mustBeUnknown refuses, as bad input (exit 2), to settle or dismiss a
// task whose outcome is known.
func mustBeUnknown(env *Env, localID, what string) error {
	t, err := env.Store.Get(localID)
	if err != nil {
		return err
	}
	if t.Status != store.StatusUnknown {
		return usageErr(fmt.Errorf("%s is %s, not unknown: nothing to %s", localID, format.StatusWord(t.Status), what))
	}
	return nil
}

func dismissCmd(g *globals) *cobra.Command {
	return taskAction(g, false, &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "dismiss LOCAL_ID",
		Short:       "Mark an 'unknown' create as not created, after checking the service",
		Args:        cobra.ExactArgs(1),
	}, func(_ *cobra.Command, env *Env, args []string) (*store.Task, error) {
		if err := mustBeUnknown(env, args[0], "dismiss"); err != nil {
			return nil, err
		}
		return env.Service.Dismiss(args[0])
	})
}

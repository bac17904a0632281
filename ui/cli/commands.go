package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func statusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status ID",
		Short: "Ask the service about a task, record the answer, print it",
		Args:  cobra.ExactArgs(1),
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

func listCmd(g *globals) *cobra.Command {
	var status string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tasks from the local history, newest first",
		Args:  cobra.NoArgs,
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
			q := store.Query{Limit: limit}
			if status != "" {
				if !validStatus(status) {
					return usageErr(fmt.Errorf("--status %q: use running, succeeded, failed, unknown or submitting", status))
				}
				q.Statuses = []string{status}
			}
			if limit < 1 {
				return usageErr(errors.New("--limit must be at least 1"))
			}
			list, _, err := env.Store.List(q)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]taskJSON, len(list))
				for i := range list {
					out[i] = toJSON(&list[i])
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			printTable(cmd, list)
			return nil
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only running, succeeded, failed, unknown or submitting tasks")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many tasks")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func validStatus(s string) bool {
	switch s {
	case store.StatusRunning, store.StatusSucceeded, store.StatusFailed, store.StatusUnknown, store.StatusSubmitting:
		return true
	}
	return false
}

func printTable(cmd *cobra.Command, list []store.Task) {
	if len(list) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "no tasks yet: try 'veox extend --help' (or 'veox --demo')")
		return
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tTASK\tKIND\tCREATED\tSEED\tFILES\tPROMPT")
	for i := range list {
		t := &list[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", format.Status(t.Status), format.ID(t), format.Kind(t),
			format.Stamp(t.CreatedAt), format.Seed(t), format.FileCount(t), clip(t.Request.Prompt, 48))
	}
	tw.Flush()
}

func downloadCmd(g *globals) *cobra.Command {
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "download ID",
		Short: "Download (or download again) a finished task's files, verified",
		Args:  cobra.ExactArgs(1),
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
	cmd := &cobra.Command{
		Use:   "upscale ID --to 1080p|4k",
		Short: "Ask for a 1080p or 4K version; a 1080p source can no longer be extended",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
			if err := fl.check(); err != nil {
				return err
			}
			t, err := env.Service.Upscale(cmd.Context(), args[0], strings.ToLower(to))
			return fl.finish(cmd, env, t, err)
		}),
	}
	cmd.Flags().StringVar(&to, "to", "", fmt.Sprintf("1080p (about %d credits) or 4k (about %d credits)",
		tasks.UpscaleCost(tasks.Upscale1080), tasks.UpscaleCost(tasks.Upscale4K)))
	cmd.MarkFlagRequired("to")
	fl.bind(cmd, "upscale")
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
				return usageErr(fmt.Errorf("N %q: give a number of tasks from 1 to 10000000", args[0]))
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

func importCmd(g *globals) *cobra.Command {
	return taskAction(g, true, &cobra.Command{
		Use:   "import ID",
		Short: "Add a task made elsewhere (e.g. on the web dashboard) to the history",
		Args:  cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, env *Env, args []string) (*store.Task, error) {
		return env.Service.Import(cmd.Context(), args[0])
	})
}

func settleCmd(g *globals) *cobra.Command {
	return taskAction(g, true, &cobra.Command{
		Use:   "settle LOCAL_ID TASK_ID",
		Short: "Attach the service's task id to a create whose answer never came",
		Long: "A create whose answer never arrived is recorded as 'unknown' and never resent.\n" +
			"If you found it on the service (its dashboard, a callback), settle it with its task id: veox looks\n" +
			"the id up first and attaches it only if the service knows it and it was made from this prompt.",
		Args: cobra.ExactArgs(2),
	}, func(cmd *cobra.Command, env *Env, args []string) (*store.Task, error) {
		if err := mustBeUnknown(env, args[0], "settle"); err != nil {
			return nil, err
		}
		return env.Service.Settle(cmd.Context(), args[0], args[1])
	})
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
		Use:   "dismiss LOCAL_ID",
		Short: "Mark an 'unknown' create as not created, after checking the service",
		Args:  cobra.ExactArgs(1),
	}, func(_ *cobra.Command, env *Env, args []string) (*store.Task, error) {
		if err := mustBeUnknown(env, args[0], "dismiss"); err != nil {
			return nil, err
		}
		return env.Service.Dismiss(args[0])
	})
}

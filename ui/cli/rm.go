package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// rmCmd hides entries that stand for nothing: creates the service refused
// and creates the user dismissed. Anything that may exist upstream (and
// was paid for) stays unless --force says otherwise; files are never
// touched.
func rmCmd(g *globals) *cobra.Command {
	var force, asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "rm ID...",
		Short:       "Remove refused and dismissed entries (never created upstream) from the history; never a file",
		Long: "Remove entries that were never created upstream (refused by the service, or dismissed) from\n" +
			"the history. With --force, remove any task's local record: the service keeps the task, and\n" +
			"'veox import ID' brings it back. Downloaded files are never removed.",
		Args: cobra.MinimumNArgs(1),
		RunE: withEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			doomed := make([]*store.Task, 0, len(args))
			for _, id := range args { // every id is checked before anything is removed
				t, err := env.Store.Get(id)
				if err != nil {
					return err
				}
				if why := tasks.WhyKeep(t); why != "" && !force {
					return usageErr(fmt.Errorf("%s is %s: it %s, so veox keeps it (--force removes the local record; the files stay)",
						format.ID(t), format.StatusWord(t.Status), why))
				}
				doomed = append(doomed, t)
			}
			removed := make([]taskJSON, 0, len(doomed))
			for _, t := range doomed {
				if err := env.Store.Delete(t.LocalID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				removed = append(removed, toJSON(t))
				if !asJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "removed %s (local %s)%s\n", format.ID(t), t.LocalID, filesKept(t))
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), removed)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove the local record of any task (never a file)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the removed tasks as a JSON array")
	return cmd
}

func filesKept(t *store.Task) string {
	if len(t.Files) == 0 {
		return ""
	}
	return fmt.Sprintf("; its %d file(s) stay in place", len(t.Files))
}

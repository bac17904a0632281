package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// The TUI shows every id in its short form (format.Short: "f7176c71",
// "lighthouse"), so that is what a creator reads off the screen and types
// into another shell. Commands that name tasks of the history take it as
// well as the whole id, as git takes a short hash: an argument the history
// does not know as a whole id is looked up as a short form or the start of
// a service id; one task found stands for it, several are an error that
// lists them, none leaves the argument as it was (a service id made
// elsewhere, for the commands that import).

// minPrefix is the shortest start of a service id taken for the whole.
const minPrefix = 6

// ambiguousError: a short form that names several tasks.
type ambiguousError struct {
	arg string
	ids []string
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%s could be %d tasks: %s; give more of the id", e.arg, len(e.ids), strings.Join(e.ids, ", "))
}

// resolveTask returns the whole id arg stands for (see above).
func resolveTask(ctx context.Context, st *store.Store, arg string) (string, error) {
	if _, err := st.Get(arg); err == nil || !errors.Is(err, store.ErrNotFound) || !shortForm(arg) {
		return arg, nil
	}
	found, err := st.Find(ctx, store.Find{Words: []string{arg}, Match: func(t *store.Task) bool {
		return names(t, arg)
	}}, 6)
	if err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return arg, nil
	case 1:
		return format.ID(&found[0]), nil
	}
	ids := make([]string, len(found))
	for i := range found {
		ids[i] = format.ID(&found[i])
	}
	return "", usageErr(&ambiguousError{arg: arg, ids: ids})
}

// shortForm: arg could be a short id, not a whole one or a typo of one
// (a whole service id never needs the search).
func shortForm(arg string) bool {
	return len(arg) >= 3 && len(arg) < 32 && tasks.CheckTaskID(arg) == nil
}

// names: t is the task a creator means by arg.
func names(t *store.Task, arg string) bool {
	if arg == format.Short(t.LocalID) || (t.TaskID != "" && arg == format.Short(t.TaskID)) {
		return true
	}
	return len(arg) >= minPrefix && t.TaskID != "" && strings.HasPrefix(t.TaskID, arg)
}

// taskArgsKey is the annotation by which a command says which of its
// arguments name tasks of the history: "all", or "first" (settle's second
// is a service id the history does not know yet).
const taskArgsKey = "veox-task-args"

// taskArgs is the annotation of a command whose arguments (all, or the
// first) name tasks of the history.
func taskArgs(which string) map[string]string { return map[string]string{taskArgsKey: which} }

// resolveArgs resolves the arguments cmd's annotation names.
func resolveArgs(cmd *cobra.Command, st *store.Store, args []string) ([]string, error) {
	n := 0
	switch cmd.Annotations[taskArgsKey] {
	case "all":
		n = len(args)
	case "first":
		n = min(1, len(args))
	}
	out := append([]string(nil), args...)
	for i := range n {
		id, err := resolveTask(cmd.Context(), st, args[i])
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

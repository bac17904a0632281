package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/tree"
)

func treeCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Annotations: taskArgs("all"),
		Use:         "tree ID",
		Short:       "The lineage of a task: the chain it was made from and every video made from it, branches included",
		Long: "Prints the task's ancestors (oldest first), then the task and every descendant as a tree:\n" +
			"kind, id, status, length, seed and the prompt's start. ★ marks the kept line where a chain\n" +
			"branches (the TUI's tree screen sets it with k). Reads the history only.",
		Args: cobra.ExactArgs(1),
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, args []string) error {
			l, err := env.Service.Lineage(args[0])
			if errors.Is(err, store.ErrNotFound) {
				return &exitError{ExitUsage, kindNotFound, fmt.Errorf("%w; 'veox import ID' adds a task made elsewhere", err)}
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), toLineageJSON(l))
			}
			printLineage(cmd.OutOrStdout(), l)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {ancestors, beyond, tree} as JSON")
	return cmd
}

func printLineage(w io.Writer, l *tasks.Lineage) {
	if l.Beyond != "" {
		fmt.Fprintf(w, "made from %s (not in the history)\n", l.Beyond)
	}
	for _, a := range l.Ancestors {
		fmt.Fprintf(w, "%s\n│\n", nodeLine(&tasks.TreeNode{Task: a}, 80))
	}
	for _, r := range tree.Rows(l.Root) {
		fmt.Fprintln(w, r.Prefix+nodeLine(r.Node, max(20, 100-len([]rune(r.Prefix)))))
	}
	if l.Omitted > 0 {
		fmt.Fprintf(w, "… and %d more not shown\n", l.Omitted)
	}
}

// nodeLine is one video in words: "extend 1d0306e8 ✓ done 15 s seed 12345
// a storm rolls in ★".
func nodeLine(n *tasks.TreeNode, promptWidth int) string {
	t := &n.Task
	parts := []string{format.Kind(t), format.Short(format.ID(t)), format.Status(t.Status)}
	if n.Seconds > 0 {
		parts = append(parts, fmt.Sprintf("%d s", n.Seconds))
	}
	if s := format.SeedValue(t); s != 0 {
		parts = append(parts, fmt.Sprintf("seed %d", s))
	}
	line := strings.Join(parts, "  ")
	if n.Kept {
		line += "  ★ kept"
	}
	return line + "  " + clip(t.Request.Prompt, max(10, promptWidth-len([]rune(line))))
}

// lineageJSON is the --json shape of 'veox tree'.
type lineageJSON struct {
	Ancestors []taskJSON `json:"ancestors"` // oldest first, ending with the task's parent
	Beyond    *string    `json:"beyond"`    // the parent id the ancestors stop at when it is not in the history
	Tree      nodeJSON   `json:"tree"`
	Omitted   int        `json:"omitted"` // descendants left out (past 2000)
}

type nodeJSON struct {
	taskJSON
	Seconds  *int       `json:"seconds"` // the video's length; null when not known
	Kept     bool       `json:"kept"`    // the kept line among its siblings
	Children []nodeJSON `json:"children"`
}

func toLineageJSON(l *tasks.Lineage) lineageJSON {
	j := lineageJSON{Ancestors: []taskJSON{}, Tree: toNodeJSON(l.Root), Omitted: l.Omitted}
	for i := range l.Ancestors {
		j.Ancestors = append(j.Ancestors, toJSON(&l.Ancestors[i]))
	}
	if l.Beyond != "" {
		j.Beyond = &l.Beyond
	}
	return j
}

func toNodeJSON(n *tasks.TreeNode) nodeJSON {
	j := nodeJSON{taskJSON: toJSON(&n.Task), Seconds: intPtr(n.Seconds), Kept: n.Kept, Children: []nodeJSON{}}
	for _, c := range n.Children {
		j.Children = append(j.Children, toNodeJSON(c))
	}
	return j
}

// Package tree is the lineage screen: a video, the chain it was made from,
// and every video made from it, branches drawn as a tree. Rows lays the
// tree out for this screen and for 'veox tree'.
package tree

import (
	"github.com/veox/veox/tasks"
)

// Row is one node of the tree, in display order, with the drawing that
// leads to it ("│  ├─ ").
type Row struct {
	Node   *tasks.TreeNode
	Prefix string
	Depth  int
	// Line: the node is on the kept line from the root (every node above
	// it is its parent's kept child), so the chain line follows it.
	Line bool
}

// Rows flattens a tree depth first, oldest child first.
func Rows(root *tasks.TreeNode) []Row {
	var out []Row
	var walk func(n *tasks.TreeNode, lead string, last bool, depth int, line bool)
	walk = func(n *tasks.TreeNode, lead string, last bool, depth int, line bool) {
		prefix := ""
		next := ""
		if depth > 0 {
			prefix = lead + "├─ "
			next = lead + "│  "
			if last {
				prefix = lead + "└─ "
				next = lead + "   "
			}
		}
		out = append(out, Row{Node: n, Prefix: prefix, Depth: depth, Line: line})
		for i, c := range n.Children {
			walk(c, next, i == len(n.Children)-1, depth+1, line && c.Kept)
		}
	}
	walk(root, "", true, 0, true)
	return out
}

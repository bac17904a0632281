package tasks

import (
	"errors"

	"github.com/veox/veox/store"
)

// The lineage of a video: the chain it was made from, and everything made
// from it, branches included ("try two endings from here"). One child of a
// task can be marked as the kept line; the chain line follows the marks.

// MaxTreeNodes bounds a tree read at once: a source extended a thousand
// times in every direction still opens at once; the rest is counted.
const MaxTreeNodes = 2000

// TreeNode is a task and what was made from it, oldest first.
type TreeNode struct {
	Task     store.Task
	Seconds  int  // the video's length, 0 when not known
	Kept     bool // the kept line among its siblings
	Children []*TreeNode
}

// Lineage is a task's ancestors and its tree of descendants.
type Lineage struct {
	// Ancestors run from the oldest in the history to the task's parent.
	Ancestors []store.Task
	// Beyond is the parent id the ancestors stop at when that video is not
	// in the history (made elsewhere, or removed), "" otherwise.
	Beyond string
	Root   *TreeNode
	// Omitted counts descendants left out past MaxTreeNodes.
	Omitted int
}

// Lineage reads a task's lineage from the history.
func (s *Service) Lineage(id string) (*Lineage, error) {
	chain, err := s.store.Chain(id)
	if err != nil {
		return nil, err
	}
	kept, err := s.store.Kept()
	if err != nil {
		return nil, err
	}
	self := chain[len(chain)-1]
	// Chain stops at a parent the history lacks.
	l := &Lineage{Ancestors: chain[:len(chain)-1], Beyond: chain[0].ParentID}
	l.Root = &TreeNode{Task: self, Seconds: s.VideoSeconds(&self)}
	budget := MaxTreeNodes - 1
	err = s.grow(l.Root, kept, map[string]bool{self.LocalID: true}, &budget, &l.Omitted)
	return l, err
}

// grow adds n's descendants, depth first, within budget.
func (s *Service) grow(n *TreeNode, kept map[string]string, seen map[string]bool, budget, omitted *int) error {
	if n.Task.TaskID == "" {
		return nil // never accepted: nothing can be made from it
	}
	kids, err := s.store.Children(n.Task.TaskID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for i := range kids {
		k := kids[i]
		if seen[k.LocalID] {
			continue // only a damaged history loops
		}
		if *budget <= 0 {
			*omitted++
			continue
		}
		*budget--
		seen[k.LocalID] = true
		c := &TreeNode{Task: k, Kept: kept[n.Task.TaskID] == k.LocalID, Seconds: childSeconds(&k, n.Seconds)}
		n.Children = append(n.Children, c)
		if err := s.grow(c, kept, seen, budget, omitted); err != nil {
			return err
		}
	}
	return nil
}

func childSeconds(t *store.Task, parent int) int {
	switch {
	case wholeDuration(t) > 0:
		return int(wholeDuration(t).Seconds() + 0.5)
	case parent == 0:
		return 0
	case t.Kind == store.KindUpscale:
		return parent
	}
	return parent + StepSeconds
}

// KeptLine is what follows t along the kept marks: its kept child, that
// one's kept child, and so on. Where a video has a single child the line
// goes on through it, but only as far as a mark further down leads (empty
// when no mark lies below t), so a plain chain shows no kept line.
func (s *Service) KeptLine(t *store.Task) ([]store.Task, error) {
	kept, err := s.store.Kept()
	if err != nil {
		return nil, err
	}
	return s.KeptLineOf(t, kept)
}

// KeptLineOf is KeptLine with the kept marks already read (store.Family):
// with none, as in most histories, it reads nothing more.
func (s *Service) KeptLineOf(t *store.Task, kept map[string]string) ([]store.Task, error) {
	if len(kept) == 0 {
		return nil, nil
	}
	var line, only []store.Task // only: single children not yet led to a mark
	seen := map[string]bool{t.LocalID: true}
	for cur := t.TaskID; cur != "" && len(line)+len(only) < maxKeptLine; {
		next, marked, err := s.keptNext(kept, cur)
		if err != nil || next == nil || seen[next.LocalID] {
			break // a removed task or a loop ends the line there
		}
		seen[next.LocalID] = true
		only = append(only, *next)
		if marked {
			line, only = append(line, only...), nil
		}
		cur = next.TaskID
	}
	return line, nil
}

// maxKeptLine bounds the walk of a history that loops or runs very deep.
const maxKeptLine = 1000

// keptNext is the child the line goes on to from the video taskID: its
// kept child (marked), else its only child, else none.
func (s *Service) keptNext(kept map[string]string, taskID string) (*store.Task, bool, error) {
	if id := kept[taskID]; id != "" {
		c, err := s.store.Get(id)
		if err != nil {
			return nil, false, err
		}
		return c, true, nil
	}
	kids, err := s.store.Children(taskID)
	if err != nil || len(kids) != 1 {
		return nil, false, err
	}
	return &kids[0], false, nil
}

// Keep marks child as the kept line of its parent (or, when it is kept
// already, clears the mark).
func (s *Service) Keep(childID string) (kept bool, err error) {
	if err := s.writable(); err != nil {
		return false, err
	}
	c, err := s.store.Get(childID)
	if err != nil {
		return false, err
	}
	if c.ParentID == "" {
		return false, &ValidationError{[]FieldError{{"task", "this video was not made from another: it starts its line"}}}
	}
	marks, err := s.store.Kept()
	if err != nil {
		return false, err
	}
	if marks[c.ParentID] == c.LocalID {
		return false, s.store.SetKept(c.ParentID, "")
	}
	return true, s.store.SetKept(c.ParentID, c.LocalID)
}

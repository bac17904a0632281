package tasks

import (
	"cmp"
	"regexp"
	"slices"

	"github.com/veox/veox/store"
)

// ImportReport says what an import from a folder or from an export did.
type ImportReport struct {
	Added    int // tasks written to the history
	Existing int // tasks the history held already (by local or service id)
	Relinked int // of those, tasks whose files now point at the videos found
	Asked    int // of those added, tasks the service described (a video with no sidecar)
	Videos   int // videos found in the folder
	Stories  int // stories added
	Kept     int // kept marks added
	// Problems are what could not be brought back, with why: a run with
	// any is not complete.
	Problems []ImportProblem
	// Notes are worth knowing but lose nothing (a video that differs from
	// its description, a description whose video is gone).
	Notes []ImportProblem
	// Ignored are videos that are not veox's: no sidecar, and not a name
	// veox gives.
	Ignored []string
	// Lines: an export's task lines read. Ended: its last line was read and
	// says as many tasks, stories and kept marks as the lines held; false
	// for an export cut short (or one written by hand, with no last line).
	Lines int
	Ended bool
}

// ImportProblem is one file or line and what became of it.
type ImportProblem struct {
	Where  string // a path (inside the folder) or "line N"
	Reason string
}

func (r *ImportReport) problem(where, reason string) {
	r.Problems = append(r.Problems, ImportProblem{where, reason})
}

func (r *ImportReport) note(where, reason string) {
	r.Notes = append(r.Notes, ImportProblem{where, reason})
}

// localIDShape is what a local id may look like (store.NewLocalID makes
// "l" + 17 base32 characters; the store's intent files are named by it).
var localIDShape = regexp.MustCompile(`^[0-9a-z]{1,64}$`)

// parentsFirst orders tasks so that a task whose parent is among them
// comes after it, whatever order they were found in; otherwise oldest
// first. A history being rebuilt then never holds a child whose parent is
// still to come.
func parentsFirst(list []store.Task) {
	index := make(map[string]int, len(list))
	for i, t := range list {
		if t.TaskID != "" {
			index[t.TaskID] = i
		}
	}
	depth := make([]int, len(list))
	for i := range list {
		d, seen := 0, map[int]bool{i: true}
		for p, ok := index[list[i].ParentID]; ok && !seen[p]; p, ok = index[list[p].ParentID] {
			seen[p] = true
			d++
		}
		depth[i] = d
	}
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(depth[a], depth[b]), list[a].CreatedAt.Compare(list[b].CreatedAt))
	})
	sorted := make([]store.Task, len(list))
	for i, j := range order {
		sorted[i] = list[j]
	}
	copy(list, sorted)
}

// addBatch writes the tasks of a batch the history does not hold, parents
// first, and counts what it did.
func (s *Service) addBatch(batch []store.Task, rep *ImportReport) ([]store.Added, error) {
	parentsFirst(batch)
	for i := range batch {
		if !localIDShape.MatchString(batch[i].LocalID) {
			batch[i].LocalID = s.store.NewLocalID()
		}
	}
	res, err := s.store.AddMissing(batch)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.Added {
			rep.Added++
		} else {
			rep.Existing++
		}
	}
	return res, nil
}

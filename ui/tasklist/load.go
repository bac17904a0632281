package tasklist

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/timer"
)

// PageSize is how many tasks one read of the history brings; more pages
// come as the cursor nears the end, so a history of any size opens at once.
// Each read also costs a unit of work, a message and a frame of its own:
// a held PageDown at 100,000 tasks cost 4.4 ms of CPU a press with pages
// of 100, 3.6 with 200 and 3.3 with 300 (medians of 3 holds); 200 keeps
// the first read at start-up small (issue 17).
const PageSize = 200

// SearchLimit caps search results; the list says when it was reached.
const SearchLimit = 200

// searchDelay is the debounce: a search runs once typing pauses.
const searchDelay = 250 * time.Millisecond

// pageMsg is page index of the history for a view; gen drops pages of a
// view the user has already left. reset makes it the whole window (home).
type pageMsg struct {
	gen, index int
	reset      bool
	// oldest: the view's oldest page (end), the whole window with the
	// cursor on its last row; above: the page just newer than pages[0]
	// (store.Above), read while the top is not known.
	oldest, above bool
	at            bool // the page at the saved place, the whole window (reopen.go)
	from, next    string
	tasks         []store.Task
	err           error
}

type searchTickMsg struct{ gen int }

type searchMsg struct {
	gen   int
	tasks []store.Task
	err   error
}

// chainMsg is the selected task's ancestry and children; id drops answers
// for a row the cursor has left.
type chainMsg struct {
	id       string
	chain    []store.Task
	children []store.Task
	kept     []store.Task
	err      error
}

// estimatesMsg is the mean duration of recent successes per kind.
type estimatesMsg map[string]time.Duration

type countsMsg struct {
	total int
	by    map[string]int
}

func loadPage(s *store.Store, gen, index int, reset bool, q store.Query) tea.Cmd {
	return func() tea.Msg {
		ts, next, err := s.List(q)
		return pageMsg{gen: gen, index: index, reset: reset, from: q.Cursor, next: next, tasks: ts, err: err}
	}
}

func loadOldest(s *store.Store, gen int, q store.Query) tea.Cmd {
	return func() tea.Msg {
		ts, from, err := s.Oldest(q)
		return pageMsg{gen: gen, oldest: true, from: from, tasks: ts, err: err}
	}
}

func loadAbove(s *store.Store, gen int, q store.Query, at string) tea.Cmd {
	return func() tea.Msg {
		ts, from, err := s.Above(q, at)
		return pageMsg{gen: gen, above: true, from: from, next: at, tasks: ts, err: err}
	}
}

func debounce(tick timer.Func, gen int) tea.Cmd {
	return timer.After(tick, searchDelay, func(time.Time) tea.Msg { return searchTickMsg{gen} })
}

// search runs a parsed query over the history's search index (store.Find).
func search(ctx context.Context, s *store.Store, gen int, q query) tea.Cmd {
	return func() tea.Msg {
		if q.none {
			return searchMsg{gen: gen}
		}
		ts, err := s.Find(ctx, q.find, SearchLimit)
		return searchMsg{gen: gen, tasks: ts, err: err}
	}
}

func loadChain(svc *tasks.Service, t store.Task) tea.Cmd {
	s := svc.Store()
	return func() tea.Msg {
		chain, kids, marks, err := s.Family(t.LocalID) // one unit of work: it runs at every move
		if err != nil {
			return chainMsg{id: t.LocalID, err: err}
		}
		kept, err := svc.KeptLineOf(&chain[len(chain)-1], marks) // where branches were marked, the line goes on
		return chainMsg{id: t.LocalID, chain: chain, children: kids, kept: kept, err: err}
	}
}

// loadEstimates reads how long each kind usually runs (tasks.Estimates).
func loadEstimates(s *store.Store) tea.Cmd {
	return func() tea.Msg { return estimatesMsg(tasks.Estimates(s)) }
}

func loadCounts(s *store.Store) tea.Cmd {
	return func() tea.Msg {
		total, by, err := s.Count()
		if err != nil {
			return nil
		}
		return countsMsg{total: total, by: by}
	}
}

package uitest

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// History is a seeded store with a service over the simulator, shared by
// the benchmarks of one test binary: seeding 100,000 tasks takes seconds,
// so each size is built once, and only when a benchmark asks for it.
type History struct {
	Svc   *tasks.Service
	Store *store.Store
	Srv   *sim.Server
	dir   string
}

// histories holds one lazily built History per size for this process (a
// test binary); CloseHistories removes them.
var histories = struct {
	sync.Mutex
	m map[int]*lazyHistory
}{m: map[int]*lazyHistory{}}

type lazyHistory struct {
	once sync.Once
	h    *History
	err  error
}

// SeededHistory returns the process's history of n seeded tasks, building
// it on first use.
func SeededHistory(n int) (*History, error) {
	histories.Lock()
	l, ok := histories.m[n]
	if !ok {
		l = &lazyHistory{}
		histories.m[n] = l
	}
	histories.Unlock()
	l.once.Do(func() { l.h, l.err = NewHistory(n, nil) })
	return l.h, l.err
}

// NewHistory builds a history of n seeded tasks in a temp dir; edit, if
// not nil, may change the tasks before the service sees them. Close it.
func NewHistory(n int, edit func(*store.Store) error) (*History, error) {
	dir, err := os.MkdirTemp("", "veox-bench-")
	if err != nil {
		return nil, err
	}
	h := &History{dir: dir}
	if err := h.open(n, edit); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

func (h *History) open(n int, edit func(*store.Store) error) error {
	var err error
	if h.Srv, err = sim.Start(sim.Options{Seed: 1}); err != nil {
		return err
	}
	if h.Store, err = store.Open(filepath.Join(h.dir, "veox.db"), store.Options{}); err != nil {
		return err
	}
	if err = store.SeedHistory(h.Store, n, Now); err != nil {
		return err
	}
	if edit != nil {
		if err = edit(h.Store); err != nil {
			return err
		}
	}
	h.Svc = tasks.New(tasks.Options{
		API:         api.New(api.Options{BaseURL: h.Srv.URL, APIKey: "k"}),
		Downloader:  download.New(download.Options{}),
		Store:       h.Store,
		Now:         Clock,
		DownloadDir: filepath.Join(h.dir, "videos"),
		NullGrace:   time.Hour,
	})
	return nil
}

// Close stops the simulator, closes the store and removes the files.
func (h *History) Close() {
	if h.Srv != nil {
		h.Srv.Close()
	}
	if h.Store != nil {
		_ = h.Store.Close()
	}
	_ = os.RemoveAll(h.dir)
}

// CloseHistories closes every shared history; call it from TestMain.
func CloseHistories() {
	histories.Lock()
	defer histories.Unlock()
	for n, l := range histories.m {
		if l.h != nil {
			l.h.Close()
		}
		delete(histories.m, n)
	}
}

// SetAll rewrites every task whose status is from to status to (e.g. all
// running to succeeded for an idle history, or the reverse).
func SetAll(s *store.Store, from []string, to string) error {
	ts, _, err := s.List(store.Query{Statuses: from, Limit: 1 << 30})
	if err != nil {
		return err
	}
	for _, t := range ts {
		_, err := s.Update(t.LocalID, func(t *store.Task) error {
			switch {
			case to == store.StatusRunning && t.SubmittedAt.IsZero():
				t.SubmittedAt = t.CreatedAt
			case store.Finished(to):
				t.CompletedAt = Now
			}
			t.SetStatus(to, Now, "")
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

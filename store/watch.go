package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// Watcher follows the history as any veox — this one or another — changes
// it, and delivers what changed as ChangeSets. It runs on file-system
// notifications (inotify, kqueue…): while nobody writes, nothing runs, no
// timer ticks. A change shows within moments of its commit: the time for
// the kernel to tell us, plus one short read of the change log.
//
// Use in a Bubble Tea program (the TUI): start it with the Seq of the
// ChangeSeq call made when the list was first read, and wait for the next
// set in a command, re-issued after each message:
//
//	w, err := st.Watch(seq)
//	…
//	func waitForChange(w *store.Watcher) tea.Cmd {
//		return func() tea.Msg {
//			cs, ok := <-w.Changes()
//			if !ok {
//				return historyWatchEnded{w.Err()} // Close, or the watch failed
//			}
//			return historyChanged(cs)
//		}
//	}
//
// On a ChangeSet, re-read the tasks in IDs with Get (ErrNotFound: it was
// deleted); on Reset, re-read everything shown (the log no longer reached
// back far enough, or the file was replaced by a repair or an upgrade).
// Sets that pile up while the program is busy are merged, so the channel
// never holds more than one and nothing is lost. Close the Watcher when
// done; Changes() is closed then.
type Watcher struct {
	st     *Store
	fsw    *fsnotify.Watcher
	out    chan ChangeSet
	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup

	mu  sync.Mutex
	err error
}

// Watch starts a Watcher that reports the changes after since (a Seq from
// ChangeSeq or a ChangeSet). Changes already made after since come at once.
func (s *Store) Watch(since uint64) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	// The folder, not the file: a repair or an upgrade renames a new file
	// into place, and a watch on the old file would go quiet.
	if err := fsw.Add(filepath.Dir(s.path)); err != nil {
		fsw.Close()
		return nil, err
	}
	w := &Watcher{st: s, fsw: fsw, out: make(chan ChangeSet), done: make(chan struct{})}
	w.wg.Add(1)
	go w.run(since)
	return w, nil
}

// Changes delivers the change sets; it is closed when the Watcher is closed
// or fails (Err says why).
func (w *Watcher) Changes() <-chan ChangeSet { return w.out }

// Err is why Changes was closed: nil after Close.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the Watcher and closes Changes.
func (w *Watcher) Close() error {
	var err error
	w.closed.Do(func() {
		close(w.done)
		err = w.fsw.Close()
		w.wg.Wait()
	})
	return err
}

func (w *Watcher) fail(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

// fileState is what a glance at the file tells without any lock: which
// file the path names and its current transaction. A write always changes
// one of them, so an event that changed neither is skipped without reading
// the history.
type fileState struct {
	info os.FileInfo
	txid uint64
}

func (a fileState) same(b fileState) bool {
	return a.info != nil && b.info != nil && os.SameFile(a.info, b.info) && a.txid == b.txid && a.txid != 0
}

func glance(path string) fileState {
	f, err := os.Open(path)
	if err != nil {
		return fileState{}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fileState{}
	}
	m, err := readMeta(f, info.Size())
	if err != nil {
		return fileState{info: info} // being written, or damaged: read to find out
	}
	return fileState{info: info, txid: m.txid}
}

func (w *Watcher) run(since uint64) {
	defer w.wg.Done()
	defer close(w.out)
	name := filepath.Base(w.st.path)
	var pending *ChangeSet
	last := fileState{}
	check := func() bool {
		now := glance(w.st.path)
		if now.same(last) {
			return true
		}
		cs, err := w.st.Changes(since)
		if errors.Is(err, ErrLocked) {
			return true // a long unit of work: its own event comes when it commits
		}
		if err != nil {
			w.fail(err)
			return false
		}
		if last.info != nil && now.info != nil && !os.SameFile(last.info, now.info) {
			cs.Reset = true // another file under the name: whatever its log says
		}
		last, since = now, cs.Seq
		pending = merge(pending, cs)
		return true
	}
	if !check() {
		return
	}
	for {
		var out chan<- ChangeSet
		var next ChangeSet
		if pending != nil && (pending.Reset || len(pending.IDs) > 0) {
			out, next = w.out, *pending
		}
		select {
		case <-w.done:
			return
		case out <- next:
			pending = nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if filepath.Base(ev.Name) == name && !check() {
				return
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// The kernel dropped events: whatever they were, the
				// change log says what changed.
				if !check() {
					return
				}
				continue
			}
			w.fail(err)
			return
		}
	}
}

// merge folds a newer change set into one not yet delivered.
func merge(pending *ChangeSet, cs ChangeSet) *ChangeSet {
	if pending == nil {
		return &cs
	}
	pending.Seq = cs.Seq
	pending.Reset = pending.Reset || cs.Reset
	seen := map[string]bool{}
	for _, id := range pending.IDs {
		seen[id] = true
	}
	for _, id := range cs.IDs {
		if !seen[id] {
			pending.IDs = append(pending.IDs, id)
		}
	}
	return pending
}

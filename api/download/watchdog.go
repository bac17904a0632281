package download

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// watchSlots is how many checks a stall window is cut into: a stall is
// seen within a quarter of IdleTimeout of the window closing.
const watchSlots = 4

// watchdog abandons an attempt that brings fewer than minProgress bytes in
// any IdleTimeout: a silent host, and a host trickling a byte every few
// seconds, alike. It samples the byte count every IdleTimeout/watchSlots
// and compares it with the sample one window back.
type watchdog struct {
	got    atomic.Int64
	cancel context.CancelCauseFunc
	min    int64
	tick   time.Duration

	mu      sync.Mutex
	marks   []int64 // byte counts at the last watchSlots+1 ticks, oldest first
	timer   *time.Timer
	stopped bool
}

func (d *Downloader) watch(cancel context.CancelCauseFunc, at int64) *watchdog {
	w := &watchdog{cancel: cancel, min: d.minProgress, tick: max(d.idle/watchSlots, time.Millisecond)}
	w.got.Store(at)
	w.marks = []int64{at}
	w.mu.Lock() // check reads timer
	defer w.mu.Unlock()
	w.timer = time.AfterFunc(w.tick, w.check)
	return w
}

// saw records the part's length after a write.
func (w *watchdog) saw(n int64) { w.got.Store(n) }

func (w *watchdog) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.marks = append(w.marks, w.got.Load())
	if len(w.marks) > watchSlots+1 {
		w.marks = w.marks[1:]
	}
	if len(w.marks) == watchSlots+1 && w.marks[watchSlots]-w.marks[0] < w.min {
		w.cancel(errStalled)
		return
	}
	w.timer.Reset(w.tick)
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.timer.Stop()
}

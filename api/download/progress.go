package download

import (
	"sync"
	"sync/atomic"
	"time"
)

// Progress is a download's progress, written by the downloader with
// atomics and read by the UI's tick through Snapshot. No callback runs per
// chunk.
type Progress struct {
	done, total atomic.Int64
	finished    atomic.Bool
	waiting     atomic.Bool // another veox is downloading the file; this one waits

	mu    sync.Mutex // guards the speed estimate, touched only by Snapshot and begin
	start time.Time
	base  int64 // bytes present at start; they say nothing about speed
	lastT time.Time
	lastN int64
	rate  float64 // bytes per second, smoothed
}

// ProgressSnapshot is a consistent-enough view for one frame. Total is 0
// when the size is not known yet.
type ProgressSnapshot struct {
	Done, Total int64
	BytesPerSec float64
	ETA         time.Duration // 0 when unknown
	Finished    bool
	// Waiting: another veox is downloading this file; this download
	// waits for it and then takes its file or goes on from its .part.
	Waiting bool
}

// progressSpeedWindow is how long Snapshot waits between speed samples, so a 10 Hz
// tick does not make the figure jump with every network burst.
const progressSpeedWindow = time.Second

func (p *Progress) begin(now time.Time, done, total int64) {
	if p == nil {
		return
	}
	p.done.Store(done)
	p.setTotal(total)
	p.finished.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start, p.base, p.lastT, p.lastN, p.rate = now, done, now, done, 0
}

func (p *Progress) setWaiting(w bool) {
	if p != nil {
		p.waiting.Store(w)
	}
}

func (p *Progress) set(done int64) {
	if p != nil {
		p.done.Store(done)
	}
}

func (p *Progress) setTotal(total int64) {
	if p != nil {
		p.total.Store(max(total, 0))
	}
}

func (p *Progress) finish(size int64) {
	if p != nil {
		p.done.Store(size)
		p.total.Store(size)
		p.finished.Store(true)
	}
}

// Snapshot reads the counters and updates the speed estimate.
func (p *Progress) Snapshot() ProgressSnapshot { return p.snapshotAt(time.Now()) }

func (p *Progress) snapshotAt(now time.Time) ProgressSnapshot {
	if p == nil {
		return ProgressSnapshot{}
	}
	s := ProgressSnapshot{Done: p.done.Load(), Total: p.total.Load(), Finished: p.finished.Load(), Waiting: p.waiting.Load()}
	if s.Finished {
		return s
	}
	s.BytesPerSec = p.speed(now, s.Done)
	if s.BytesPerSec > 0 && s.Total > s.Done {
		s.ETA = time.Duration(float64(s.Total-s.Done) / s.BytesPerSec * float64(time.Second)).Round(time.Second)
	}
	return s
}

// speed smooths per-window rates; before the first window closes it falls
// back to the average since the start.
func (p *Progress) speed(now time.Time, done int64) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < p.lastN { // the part was reset
		p.lastN, p.lastT, p.base = done, now, done
	}
	if dt := now.Sub(p.lastT); dt >= progressSpeedWindow {
		inst := float64(done-p.lastN) / dt.Seconds()
		if p.rate == 0 {
			p.rate = inst
		} else {
			p.rate = 0.5*p.rate + 0.5*inst
		}
		p.lastT, p.lastN = now, done
	}
	if p.rate > 0 {
		return p.rate
	}
	if dt := now.Sub(p.start); dt >= 100*time.Millisecond && done > p.base {
		return float64(done-p.base) / dt.Seconds()
	}
	return 0
}

package tasks

import (
	"errors"
	"runtime"
	"sync"

	"github.com/veox/veox/store"
)

// BatchEncoder encodes a batch of tasks on every core, for the commands
// that stream a whole history ('veox list --json', exports): each worker
// takes a contiguous share of the batch and appends into a buffer of its
// own, kept for the next batch, so a batch costs no allocation per task.
// Not safe for concurrent use.
type BatchEncoder struct {
	bufs [][]byte
	ends [][]int
}

// Encode encodes each of batch with encode (which appends to dst and may
// be called from several goroutines at once) and hands the results to
// emit in the batch's order. The bytes emit gets are reused by the next
// call. The first error of encode is returned, and nothing is emitted.
func (e *BatchEncoder) Encode(batch []store.Task, encode func(dst []byte, t *store.Task) ([]byte, error), emit func([]byte) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(len(batch)/32, 1))
	for len(e.bufs) < workers {
		e.bufs = append(e.bufs, nil)
		e.ends = append(e.ends, nil)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			buf, ends := e.bufs[w][:0], e.ends[w][:0]
			for i := w * len(batch) / workers; i < (w+1)*len(batch)/workers; i++ {
				var err error
				if buf, err = encode(buf, &batch[i]); err != nil {
					errs[w] = err
					break
				}
				ends = append(ends, len(buf))
			}
			e.bufs[w], e.ends[w] = buf, ends
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for w := range workers {
		start := 0
		for _, end := range e.ends[w] {
			if err := emit(e.bufs[w][start:end]); err != nil {
				return err
			}
			start = end
		}
	}
	return nil
}

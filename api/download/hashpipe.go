package download

import (
	"fmt"
	"hash"
)

// hashBufs is how many bufSize buffers a download cycles through while
// the hasher works behind the reader: 4 × 256 KiB, whatever the file size.
const hashBufs = 4

// hashPipe feeds a hash from its own goroutine.
type hashPipe struct {
	h    hash.Hash
	work chan []byte
	free chan []byte
	done chan struct{}
	// failed is written by run before done closes and read after: the
	// channel orders the two.
	failed error
}

func startHashPipe(h hash.Hash, first []byte) *hashPipe {
	hp := &hashPipe{h: h, work: make(chan []byte, hashBufs), free: make(chan []byte, hashBufs), done: make(chan struct{})}
	hp.free <- first
	for range hashBufs - 1 {
		hp.free <- make([]byte, len(first))
	}
	go hp.run()
	return hp
}

// run hashes chunks in order. A hash.Hash does not panic, but should it,
// the buffers keep coming back so the reader never blocks, and the panic is
// reported by wait.
func (hp *hashPipe) run() {
	defer close(hp.done)
	defer func() {
		if r := recover(); r != nil {
			hp.failed = fmt.Errorf("hashing the download failed: %v", r)
			for b := range hp.work {
				hp.free <- b[:cap(b)]
			}
		}
	}()
	for b := range hp.work {
		hp.h.Write(b)
		hp.free <- b[:cap(b)]
	}
}

func (hp *hashPipe) buffer() []byte { return <-hp.free }
func (hp *hashPipe) give(b []byte)  { hp.free <- b[:cap(b)] }
func (hp *hashPipe) hash(b []byte)  { hp.work <- b }
func (hp *hashPipe) wait() error    { close(hp.work); <-hp.done; return hp.failed }

package store

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Check reads the records and index entries from the leaf pages verify's
// walk reached, with plain reads, instead of through bbolt. At 100,000
// tasks the check through bbolt spent about 40 % of its time mapping the
// file afresh for each unit of work and faulting its pages in; the walk
// already reads every page, so it notes a hash of each leaf page, and a
// pass then reads the leaves again in file order, a chunk (scanChunk) per
// read, and decodes the records, all outside the lock.
//
// The lock is held as Open's walk holds it: the walk, the counters, the
// search pack and the last few leaves of each bucket (hotLeaves) are read
// under one shared lock (a writer waits for it), and that is all. The
// leaves read afterwards are the walk's exactly when their bytes hash as
// the walk's did (a commit of another veox writes only pages free in the
// file the walk saw, so most commits meanwhile touch none of them); a leaf
// that no longer does has been reused by a commit, and the pass is
// dropped and Check starts over. After checkAttempts such
// starts a pass holds the shared lock from the walk on, so the check
// ends; but never past checkHold, half the second a veox waits for the
// lock before its write fails (Options.Timeout): past it the pass lets
// go, and if a leaf it still has to read is reused meanwhile, Check says
// the history is busy (ErrLocked) instead of holding a writer off longer.

// checkAttempts is how many passes Check drops for a change in flight
// before it holds the lock for one.
const checkAttempts = 3

// checkHold is the longest a held pass keeps the shared lock.
const checkHold = 500 * time.Millisecond

// passLock is the shared lock a held pass keeps, until checkHold.
type passLock struct {
	f     *os.File
	held  bool
	until time.Time
}

// expire lets go of the lock once its time is up.
func (l *passLock) expire() {
	if l.held && !time.Now().Before(l.until) {
		l.release()
	}
}

func (l *passLock) release() {
	if l.held {
		l.held = unlockFile(l.f) != nil
	}
}

// hotLeaves is how many of the last leaves of each bucket (in key order)
// are read under the walk's lock: new tasks and the tasks still running,
// which other veox write, sit there, so those pages are the ones most
// likely reused before the pass reads them.
const hotLeaves = 4

// leafRef is a leaf page to read: its id, its bytes with its overflow
// pages, and the bucket it belongs to (an index into checkBuckets).
type leafRef struct {
	id     uint64
	span   uint64
	bucket int
}

// checkBuckets: the tasks first, then the indexes Check compares with
// them, then the search pack.
func checkBuckets() []string { return append(append([]string{bTasks}, indexNames()...), bPack) }

// errChanged: another veox committed while a pass read the file.
var errChanged = errors.New("the history changed while it was read")

// checkPass runs one pass of Check. changed reports a pass dropped for a
// leaf reused by a commit; a held pass is never dropped: a leaf reused
// after it let go of the lock is ErrLocked.
func (s *Store) checkPass(hold bool) (ce *CheckError, changed bool, err error) {
	start := time.Now()
	w, err := s.walkForCheck()
	switch {
	case errors.Is(err, errChanged) && !hold:
		return nil, true, nil
	case errors.Is(err, errChanged):
		return nil, false, s.busyWriting()
	case errors.Is(err, ErrLocked):
		return nil, false, err // busy, not damaged
	case err != nil:
		return &CheckError{Structure: err}, false, nil
	}
	defer w.f.Close()
	lk := &passLock{f: w.f, held: true, until: start.Add(cmp.Or(s.checkHold, checkHold))}
	ce, err = s.checkLeaves(w, lk, func() {
		if !hold {
			lk.release()
		}
		lk.expire()
		if s.checkWalked != nil {
			s.checkWalked(lk.held)
		}
	})
	switch {
	case errors.Is(err, errChanged) && !hold:
		return nil, true, nil
	case errors.Is(err, errChanged):
		return nil, false, s.busyWriting()
	}
	return ce, false, err
}

func (s *Store) busyWriting() error {
	return newUserError(fmt.Sprintf("another veox kept writing to %s while it was checked: run the check again in a moment", s.path), ErrLocked)
}

// walked is what a pass of Check reads under the walk's lock.
type walked struct {
	f      *os.File // open, for the leaves to be read
	r      *treeReport
	scan   *fileScan // with the leaves' hashes
	seed   maphash.Seed
	stored counts // the counters
	edge   []byte // the search pack's edge
	// problem: a search entry below the edge left outside the pack.
	problem error
}

// walkForCheck opens the file, takes the shared lock, walks the whole
// tree as verify does, and reads the counters and the search pack's edge;
// the lock is still held when it returns.
func (s *Store) walkForCheck() (*walked, error) {
	f, err := s.lockShared()
	if err != nil {
		return nil, err
	}
	w := &walked{f: f, seed: maphash.MakeSeed()}
	w.r, w.scan, err = s.walkLocked(f, true, true)
	if err == nil {
		// A unit of work of its own, under the lock this one holds:
		// the counters and the edge as the walk saw the file.
		err = s.view(func(tx *bolt.Tx) error {
			if uint64(tx.ID()) != w.r.meta.txid {
				return errChanged // only where flock holds nobody off (lock_other.go)
			}
			var err error
			if w.stored, err = readCounts(tx); err != nil {
				return err
			}
			w.edge, w.problem = packHead(tx)
			return nil
		})
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// checkLeaves reads the records and index entries on the leaves the walk
// found, decodes the records, and compares what they need with what the
// indexes, counters and search pack hold.
// The hot leaves are read first, under the walk's lock; then unlocked
// runs (it lets go of the lock unless the pass holds it), then the rest.
func (s *Store) checkLeaves(w *walked, lk *passLock, unlocked func()) (*CheckError, error) {
	ce := &CheckError{}
	r, seed := w.r, w.seed
	var h maphash.Hash
	h.SetSeed(seed)
	names := checkBuckets()
	got := make([]indexSum, len(names)) // what each index and the pack hold (got[0] unused)
	pack := len(names) - 1
	badChunk := false
	tallies := make([]checkTally, runtime.GOMAXPROCS(0))
	for i := range tallies {
		tallies[i].init(seed)
	}
	var recs []rawRecord
	// elems takes a leaf's elements: the records to decode, or the index
	// entries to sum.
	elems := func(bucket int, es []leafElem) {
		for _, e := range es {
			v := e.value
			if e.flags&leafIsBucket != 0 {
				v = nil // a cursor gives a nested bucket's key with no value
			}
			switch bucket {
			case 0:
				recs = append(recs, rawRecord{key: e.key, value: v})
			case pack:
				badChunk = sumChunk(w.edge, e.key, v, &h, &got[pack]) || badChunk
			default:
				got[bucket].add(&h, e.key, v)
			}
		}
	}
	// records decodes the records gathered and sums what they need.
	records := func() {
		tallyRecords(recs, tallies)
		clear(recs) // the keys and values point into the read buffer
		recs = recs[:0]
	}
	for i, name := range names {
		elems(i, r.inline[name])
	}
	records()
	page := func(ref leafRef, page []byte) error {
		es, err := leafElems(parsePageHeader(page), page, nil)
		if err != nil {
			return errChanged // hashed as the walk's sound page: cannot be
		}
		elems(ref.bucket, es)
		return nil
	}
	hot, cold := leafRefs(r, w.scan, names)
	err := readLeaves(lk, w.scan, hot, page, records)
	if err == nil {
		unlocked()
		err = readLeaves(lk, w.scan, cold, page, records)
	}
	if err != nil {
		return nil, err
	}
	stored, packed, problem := w.stored, got[pack], w.problem
	if badChunk {
		problem = errBadChunk
	}
	c := newCounts()
	want := map[string]*indexSum{}
	for i, name := range indexNames() {
		want[name] = &indexSum{}
		for _, t := range tallies {
			want[name].n += t.want[i].n
			want[name].sum += t.want[i].sum
		}
	}
	for _, t := range tallies {
		c.Total += t.counts.Total
		for k, n := range t.counts.ByStatus {
			c.ByStatus[k] += n
		}
		ce.Unreadable = append(ce.Unreadable, t.unreadable...)
	}
	if len(ce.Unreadable) > 0 {
		slices.Sort(ce.Unreadable) // in key order, as a cursor gives them
		return ce, nil             // the indexes still hold their entries: Repair rebuilds them all
	}
	if stored.Total != c.Total || !maps.Equal(stored.ByStatus, c.ByStatus) {
		ce.index(fmt.Errorf("counters say %d tasks %v, the history holds %d %v", stored.Total, stored.ByStatus, c.Total, c.ByStatus))
	}
	if problem != nil {
		ce.index(fmt.Errorf("index %q: %w", bPack, problem))
	}
	for i, name := range names[1:pack] {
		g := got[i+1]
		if name == bSearch { // the older entries are in the pack (searchpack.go)
			g.n, g.sum = g.n+packed.n, g.sum+packed.sum
		}
		if g == *want[name] {
			continue
		}
		if g.n != want[name].n {
			ce.index(fmt.Errorf("index %q has %d entries, want %d", name, g.n, want[name].n))
		}
		if err := s.diagnose(ce, name); err != nil {
			return nil, err
		}
	}
	return ce, nil
}

// checkTally is what one core found in the records it decoded: what the
// indexes need (by indexNames position), the counts, the records that do
// not decode.
type checkTally struct {
	want       []indexSum
	counts     counts
	unreadable []string
	h          maphash.Hash
	buf        []byte
	task       Task // reused for each record: only the tally is kept
}

func (t *checkTally) init(seed maphash.Seed) {
	t.want = make([]indexSum, len(indexNames()))
	t.counts = newCounts()
	t.h.SetSeed(seed)
}

func (t *checkTally) add(r *rawRecord) {
	task := decodeIndexFieldsInto(&t.task, r.key, r.value)
	if task == nil {
		t.unreadable = append(t.unreadable, string(r.key))
		return
	}
	t.counts.add(task, +1)
	t.buf = appendIndexEntries(t.buf[:0], task, func(bucket string, k, v []byte) {
		t.want[indexPos(bucket)].add(&t.h, k, v)
	})
}

// indexPos is name's position in indexNames.
func indexPos(name string) int {
	switch name {
	case bTime:
		return 0
	case bSearch:
		return 1
	case bTaskID:
		return 2
	case bActive:
		return 3
	}
	return 4 // bChildren
}

// tallyRecords decodes the records and tallies them on every core.
func tallyRecords(recs []rawRecord, tallies []checkTally) {
	workers := min(len(tallies), max(len(recs)/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				tallies[w].add(&recs[i])
			}
		})
	}
	wg.Wait()
}

// leafRefs lists the leaf pages of the named buckets, in file order: the
// last hotLeaves of each bucket, and the others.
func leafRefs(r *treeReport, scan *fileScan, names []string) (hot, cold []leafRef) {
	ps := uint64(r.meta.pageSize)
	for i, name := range names {
		leaves := r.leaves[name] // in key order
		for j, id := range leaves {
			ref := leafRef{id: id, span: (uint64(scan.pages[id].overflow) + 1) * ps, bucket: i}
			if j >= len(leaves)-hotLeaves {
				hot = append(hot, ref)
			} else {
				cold = append(cold, ref)
			}
		}
	}
	byID := func(a, b leafRef) int { return cmp.Compare(a.id, b.id) }
	slices.SortFunc(hot, byID)
	slices.SortFunc(cold, byID)
	return hot, cold
}

// readGap is the most one read takes in between the pages it is for:
// leaves far apart (the hot ones) are read each on its own.
const readGap = 64 << 10

// readLeaves reads the pages refs name (sorted, not overlapping), up to
// scanChunk bytes a read, without a lock of its own (lk lets go of a held
// one when its time is up). page sees each page whose bytes hash as the
// walk's did (valid until chunk returns); chunk runs after each read.
// errChanged: a page no longer holds what the walk saw.
func readLeaves(lk *passLock, scan *fileScan, refs []leafRef, page func(leafRef, []byte) error, chunk func()) error {
	ps := uint64(scan.m.pageSize)
	var buf []byte
	for i := 0; i < len(refs); {
		start := refs[i].id * ps
		end := start + refs[i].span
		j := i + 1
		for j < len(refs) && refs[j].id*ps+refs[j].span-start <= scanChunk && refs[j].id*ps-end <= readGap {
			end = refs[j].id*ps + refs[j].span
			j++
		}
		buf = slices.Grow(buf[:0], int(end-start))[:end-start]
		lk.expire()
		if _, err := lk.f.ReadAt(buf, int64(start)); err != nil {
			return errChanged // shorter than the walk saw it
		}
		for _, ref := range refs[i:j] {
			off := ref.id*ps - start
			b := buf[off : off+ref.span]
			if maphash.Bytes(scan.seed, b) != scan.sums[ref.id] {
				return errChanged
			}
			if err := page(ref, b); err != nil {
				return err
			}
		}
		chunk()
		i = j
	}
	return nil
}

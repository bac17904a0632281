package store

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
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
// already knows every leaf page of every bucket, so a pass reads them
// again in file order, a chunk (scanChunk) per read, and decodes the
// records outside any lock.
//
// The locks stay as short as verify's: the walk holds a shared lock (a
// writer waits for it, as for Open's walk), then each chunk is read under
// a shared lock of its own, a fraction of a millisecond, and the meta
// page is read under the same lock. bbolt never writes over a page that
// the current meta reaches (a commit writes its pages where the freelist
// says, then a new meta), so while the meta's txid is the walk's, the
// pages read are the walk's. When it is not, another veox committed: the
// pass is dropped and Check starts over. After checkAttempts such starts
// (a veox writing without pause) a pass holds the shared lock from the
// walk on, so the check ends; but never past checkHold, half the second a
// veox waits for the lock before its write fails (Options.Timeout): past
// it the pass lets go, and if a commit lands before it ends, Check says
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
		l.held = unlockFile(l.f) != nil
	}
}

// leafRef is a leaf page to read: its id, its bytes with its overflow
// pages, and the bucket it belongs to (an index into checkBuckets).
type leafRef struct {
	id     uint64
	span   uint64
	bucket int
}

// checkBuckets: the tasks first, then the indexes Check compares with them.
func checkBuckets() []string { return append([]string{bTasks}, indexNames()...) }

// errChanged: another veox committed while a pass read the file.
var errChanged = errors.New("the history changed while it was read")

// checkPass runs one pass of Check. changed reports a pass dropped for a
// commit in flight; a held pass is never dropped: a commit after it let
// go of the lock is ErrLocked.
func (s *Store) checkPass(hold bool) (ce *CheckError, changed bool, err error) {
	start := time.Now()
	f, r, scan, err := s.walkForCheck(hold)
	if errors.Is(err, ErrLocked) {
		return nil, false, err // busy, not damaged
	}
	if err != nil {
		return &CheckError{Structure: err}, false, nil
	}
	defer f.Close()
	lk := &passLock{f: f, held: hold, until: start.Add(cmp.Or(s.checkHold, checkHold))}
	lk.expire()
	if s.checkWalked != nil {
		s.checkWalked(lk.held)
	}
	ce, err = s.checkLeaves(r, scan, lk)
	switch {
	case errors.Is(err, errChanged) && !hold:
		return nil, true, nil
	case errors.Is(err, errChanged):
		return nil, false, newUserError(fmt.Sprintf("another veox kept writing to %s while it was checked: run the check again in a moment", s.path), ErrLocked)
	}
	return ce, false, err
}

// walkForCheck opens the file, takes the shared lock and walks the whole
// tree, as verify does; unless hold is set, the lock is dropped after the
// walk. The file stays open for the leaves to be read.
func (s *Store) walkForCheck(hold bool) (*os.File, *treeReport, *fileScan, error) {
	deadline := time.Now().Add(s.timeout)
	for attempt := 0; ; attempt++ {
		f, err := lockedFile(s.path, os.O_RDONLY, 0, false, false, deadline)
		if errors.Is(err, errReplaced) && attempt < maxReopen {
			continue
		}
		if err != nil {
			return nil, nil, nil, s.openError(err)
		}
		r, scan, err := s.walkLocked(f, true)
		if err == nil && !hold {
			err = unlockFile(f)
		}
		if err != nil {
			f.Close()
			return nil, nil, nil, err
		}
		return f, r, scan, nil
	}
}

// checkLeaves reads the records and index entries on the leaves the walk
// found, decodes the records, and compares what they need with what the
// indexes, counters and search pack hold.
func (s *Store) checkLeaves(r *treeReport, scan *fileScan, lk *passLock) (*CheckError, error) {
	ce := &CheckError{}
	seed := maphash.MakeSeed()
	var h maphash.Hash
	h.SetSeed(seed)
	names := checkBuckets()
	got := make([]indexSum, len(names)) // what each index holds (got[0] unused)
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
			if bucket == 0 {
				recs = append(recs, rawRecord{key: e.key, value: v})
				continue
			}
			got[bucket].add(&h, e.key, v)
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
	err := s.readLeaves(lk, r.meta, leafRefs(r, scan, names), func(ref leafRef, page []byte) error {
		p := parsePageHeader(page)
		if p.id != ref.id || p.flags != flagLeaf {
			return errChanged // cannot be while the txid is the walk's; start over all the same
		}
		es, err := leafElems(p, page, nil)
		if err != nil {
			return errChanged
		}
		elems(ref.bucket, es)
		return nil
	}, records)
	if err != nil {
		return nil, err
	}
	var stored counts
	var packed indexSum
	var problem error
	if err := s.viewFile(func(tx *bolt.Tx, file *os.File) error {
		if uint64(tx.ID()) != r.meta.txid {
			return errChanged
		}
		var err error
		if stored, err = readCounts(tx); err != nil {
			return err
		}
		packed, problem = packSum(tx, file, seed)
		return nil
	}); err != nil {
		return nil, err
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
		ce.index(problem)
	}
	for i, name := range names[1:] {
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

// leafRefs lists the leaf pages of the named buckets, in file order.
func leafRefs(r *treeReport, scan *fileScan, names []string) []leafRef {
	ps := uint64(r.meta.pageSize)
	var refs []leafRef
	for i, name := range names {
		for _, id := range r.leaves[name] {
			refs = append(refs, leafRef{id: id, span: (uint64(scan.pages[id].overflow) + 1) * ps, bucket: i})
		}
	}
	slices.SortFunc(refs, func(a, b leafRef) int { return cmpU64(a.id, b.id) })
	return refs
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// readLeaves reads the pages refs name (sorted, not overlapping), up to
// scanChunk bytes a read, each read under a shared lock of its own unless
// lk is held, with the meta page read under the same lock. page sees each
// page (valid until chunk returns); chunk runs after each read, outside
// the read's own lock. errChanged: the meta's txid is no longer m's.
func (s *Store) readLeaves(lk *passLock, m fileMeta, refs []leafRef, page func(leafRef, []byte) error, chunk func()) error {
	f := lk.f
	ps := uint64(m.pageSize)
	var buf []byte
	for i := 0; i < len(refs); {
		start := refs[i].id * ps
		end := start + refs[i].span
		j := i + 1
		for j < len(refs) && refs[j].id*ps+refs[j].span-start <= scanChunk {
			end = refs[j].id*ps + refs[j].span
			j++
		}
		buf = slices.Grow(buf[:0], int(end-start))[:end-start]
		lk.expire()
		if err := s.readAtTxid(f, buf, int64(start), m.txid, lk.held); err != nil {
			return err
		}
		for _, ref := range refs[i:j] {
			off := ref.id*ps - start
			if err := page(ref, buf[off:off+ref.span]); err != nil {
				return err
			}
		}
		chunk()
		i = j
	}
	if lk.expire(); !lk.held {
		// A repair or an upgrade may have put another file in its place.
		if err := stillAt(f, s.path); err != nil {
			return errChanged
		}
	}
	return nil
}

// readAtTxid reads b at off under a shared lock (unless held already),
// and reports errChanged when the file's meta no longer has txid.
func (s *Store) readAtTxid(f *os.File, b []byte, off int64, txid uint64, held bool) error {
	if !held {
		if err := lockFile(f, false, time.Now().Add(s.timeout)); err != nil {
			return s.openError(err)
		}
		defer unlockFile(f)
	}
	if _, err := f.ReadAt(b, off); err != nil {
		return errChanged // shorter than the walk saw it: it changed
	}
	if m, err := readMeta(f, math.MaxInt64); err != nil || m.txid != txid {
		return errChanged
	}
	return nil
}

package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
)

// bbolt follows the pointers in the file's pages without checking them: a
// child page number out of the file faults, a branch that points back at
// its own ancestor makes a cursor descend forever, and bbolt's own Check
// runs in a goroutine of its own where a fault cannot be caught. So before
// veox lets bbolt near a file, verifyFile walks the whole page tree with
// plain reads and bounds checks: every page reached once, inside the file,
// of a type that belongs there, its elements inside the page; every bucket
// the same; the freelist disjoint from the tree. A file that passes can be
// read by bbolt without faults or endless loops; what is left to go wrong
// is the content of values (a record that does not decode), which the
// store reports per record.
//
// The file is read once, front to back, in large chunks (a tree walk with
// a read per page cost 40,000 system calls at 100,000 tasks); the walk
// then runs on what the scan noted about each page.

// maxDepth bounds the tree's depth: a B+tree of 4 KB pages reaches depth 5
// with billions of keys; more means a loop.
const maxDepth = 32

// scanChunk is how much of the file one read takes.
const scanChunk = 1 << 20

// pageSum is what the scan notes about the page that would start at an id.
// Overflow pages hold no header, so theirs is noise; it matters only if
// something points at them, which the walk reports.
type pageSum struct {
	flags    uint16
	overflow uint32
	ok       bool // the header names this id, the span is inside the file, the elements inside the span
}

// fileScan is the scan's result.
type fileScan struct {
	m     fileMeta
	pages []pageSum
	// sums, when asked for, holds a hash of each sound leaf page's bytes
	// (overflow pages included), by id: Check reads the leaves again
	// without the lock and keeps only pages that still hash the same.
	sums     []uint64
	seed     maphash.Seed
	children map[uint64][]uint64   // branch pages: child ids
	buckets  map[uint64][]leafElem // leaf pages that hold bucket elements: all their elements
}

// leafElem is one key/value of a leaf page.
type leafElem struct {
	flags      uint32
	key, value []byte
}

// scanFile reads every page below the high water mark. visit, if not nil,
// sees every leaf page that looks sound, reached by the tree or not, with
// its elements (valid only during the call): salvage reads records there.
// sums asks for the leaf pages' hashes (fileScan.sums).
func scanFile(r io.ReaderAt, m fileMeta, visit func(id uint64, elems []leafElem), sums bool) (*fileScan, error) {
	s := &fileScan{m: m, pages: make([]pageSum, m.hwm), children: map[uint64][]uint64{}, buckets: map[uint64][]leafElem{}}
	if sums {
		s.sums, s.seed = make([]uint64, m.hwm), maphash.MakeSeed()
	}
	ps := uint64(m.pageSize)
	per := max(uint64(scanChunk)/ps, 1)
	buf := make([]byte, per*ps)
	var elems []leafElem
	for first := uint64(0); first < m.hwm; first += per {
		n := min(per, m.hwm-first)
		chunk := buf[:n*ps]
		if _, err := r.ReadAt(chunk, int64(first*ps)); err != nil {
			return nil, fmt.Errorf("reading pages %d-%d: %w", first, first+n-1, err)
		}
		for i := uint64(0); i < n; i++ {
			id := first + i
			b := chunk[i*ps:]
			p := parsePageHeader(b)
			sum := pageSum{flags: p.flags, overflow: p.overflow}
			if p.id != id || (p.flags != flagBranch && p.flags != flagLeaf) || id+uint64(p.overflow) >= m.hwm {
				s.pages[id] = sum
				continue
			}
			span := (uint64(p.overflow) + 1) * ps
			if i*ps+span <= uint64(len(chunk)) {
				b = chunk[i*ps : i*ps+span]
			} else if b = make([]byte, span); readFull(r, b, int64(id*ps)) != nil {
				s.pages[id] = sum
				continue
			}
			switch p.flags {
			case flagBranch:
				kids, err := branchChildren(p, b)
				sum.ok = err == nil
				if sum.ok {
					s.children[id] = kids
				}
			case flagLeaf:
				var err error
				elems, err = leafElems(p, b, elems[:0])
				sum.ok = err == nil
				if !sum.ok {
					break
				}
				if visit != nil {
					visit(id, elems)
				}
				if sums {
					s.sums[id] = maphash.Bytes(s.seed, b)
				}
				if holdsBucket(elems) {
					s.buckets[id] = cloneElems(elems)
				}
			}
			s.pages[id] = sum
		}
	}
	return s, nil
}

func readFull(r io.ReaderAt, b []byte, off int64) error {
	_, err := r.ReadAt(b, off)
	return err
}

func holdsBucket(elems []leafElem) bool {
	for _, e := range elems {
		if e.flags&leafIsBucket != 0 {
			return true
		}
	}
	return false
}

func cloneElems(elems []leafElem) []leafElem {
	out := make([]leafElem, len(elems))
	for i, e := range elems {
		out[i] = leafElem{flags: e.flags, key: append([]byte(nil), e.key...), value: append([]byte(nil), e.value...)}
	}
	return out
}

// treeReport is what a walk of the file found.
type treeReport struct {
	meta      fileMeta
	problems  []error
	reachable []bool // by page id: part of the live tree (or meta, freelist)
	// leaves lists the leaf pages reached, per top-level bucket.
	leaves map[string][]uint64
	// inline holds the elements of top-level buckets small enough to live
	// inside their parent's page.
	inline map[string][]leafElem
}

func (r *treeReport) problem(format string, args ...any) {
	if len(r.problems) < 50 {
		r.problems = append(r.problems, fmt.Errorf(format, args...))
	}
}

// err is nil for a sound file, else ErrCorrupt with the first problems.
func (r *treeReport) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, errors.Join(r.problems[:min(len(r.problems), 5)]...))
}

func newReport() *treeReport {
	return &treeReport{leaves: map[string][]uint64{}, inline: map[string][]leafElem{}}
}

// verifyReader scans and walks the file; visit and sums are passed to
// scanFile.
func verifyReader(f io.ReaderAt, size int64, visit func(uint64, []leafElem), sums bool) (*treeReport, *fileScan) {
	r := newReport()
	m, err := readMeta(f, size)
	if err != nil {
		r.problem("%v", err)
		return r, nil
	}
	if err := m.check(size); err != nil {
		r.problem("%v", err)
		// A truncated file: walk what is left, for salvage.
		inFile := uint64(size) / uint64(m.pageSize)
		if m.hwm <= inFile || inFile < 3 {
			return r, nil
		}
		m.hwm = inFile
	}
	r.meta = m
	s, err := scanFile(f, m, visit, sums)
	if err != nil {
		r.problem("%v", err)
		return r, nil
	}
	r.reachable = make([]bool, m.hwm)
	r.reachable[0], r.reachable[1] = true, true
	w := &walker{r: r, s: s, f: f}
	free := w.freelist()
	w.bucketPage(m.root, "", 0, true)
	for _, id := range free {
		if r.reachable[id] {
			r.problem("page %d is both free and in use", id)
		}
	}
	return r, s
}

type walker struct {
	r *treeReport
	s *fileScan
	f io.ReaderAt
}

// claim marks a page and its overflow pages as part of the tree; a page
// claimed twice is a loop or a cross-link.
func (w *walker) claim(id uint64, overflow uint32) bool {
	for i := uint64(0); i <= uint64(overflow); i++ {
		if w.r.reachable[id+i] {
			w.r.problem("page %d is used twice (a loop or a cross-link)", id+i)
			return false
		}
	}
	for i := uint64(0); i <= uint64(overflow); i++ {
		w.r.reachable[id+i] = true
	}
	return true
}

// freelist reads the free page ids and marks the freelist's own pages.
func (w *walker) freelist() []uint64 {
	m := w.s.m
	if m.freelist == noFreelist {
		return nil
	}
	p, b, err := readPage(w.f, m, m.freelist, 1<<30)
	if err != nil {
		w.r.problem("freelist: %v", err)
		return nil
	}
	if p.flags != flagFreelist {
		w.r.problem("freelist page %d has type %#x", m.freelist, p.flags)
		return nil
	}
	w.claim(m.freelist, p.overflow)
	ids, err := freelistIDs(p, b, m.pageSize)
	if err != nil {
		w.r.problem("freelist: %v", err)
		return nil
	}
	var ok []uint64
	for _, id := range ids {
		if id < 2 || id >= m.hwm {
			w.r.problem("free page %d outside the file's %d pages", id, m.hwm)
			continue
		}
		ok = append(ok, id)
	}
	return ok
}

// bucketPage walks the tree of one bucket from page id. name is the
// top-level bucket it belongs to; root is true while walking the root
// bucket, whose leaves name the top-level buckets.
func (w *walker) bucketPage(id uint64, name string, depth int, root bool) {
	if depth > maxDepth {
		w.r.problem("page %d: the tree is deeper than %d (a loop)", id, maxDepth)
		return
	}
	if id < 2 || id >= w.s.m.hwm {
		w.r.problem("page %d outside the file's %d pages", id, w.s.m.hwm)
		return
	}
	p := w.s.pages[id]
	if !p.ok {
		w.r.problem("page %d is damaged (type %#x)", id, p.flags)
		return
	}
	if !w.claim(id, p.overflow) {
		return
	}
	switch p.flags {
	case flagBranch:
		for _, c := range w.s.children[id] {
			w.bucketPage(c, name, depth+1, root)
		}
	case flagLeaf:
		if !root {
			w.r.leaves[name] = append(w.r.leaves[name], id)
		}
		w.subBuckets(w.s.buckets[id], name, depth, root)
	}
}

// subBuckets walks the buckets a leaf's elements hold. In the root bucket
// they are the top-level buckets; veox nests none deeper, but a valid
// bbolt file may, so they are walked all the same.
func (w *walker) subBuckets(elems []leafElem, name string, depth int, root bool) {
	for _, e := range elems {
		if e.flags&leafIsBucket == 0 {
			continue
		}
		child := name
		if root {
			child = string(e.key)
		}
		if len(e.value) < bucketHeader {
			w.r.problem("bucket %q: header cut short", e.key)
			continue
		}
		if rootID := binary.NativeEndian.Uint64(e.value); rootID != 0 {
			w.bucketPage(rootID, child, depth+1, false)
			continue
		}
		// An inline bucket: its single leaf page is the rest of the value.
		inl := e.value[bucketHeader:]
		if len(inl) < pageHeaderSize || parsePageHeader(inl).flags != flagLeaf {
			w.r.problem("inline bucket %q is damaged", e.key)
			continue
		}
		sub, err := leafElems(parsePageHeader(inl), inl, nil)
		if err != nil {
			w.r.problem("inline bucket %q: %v", e.key, err)
			continue
		}
		if root {
			w.r.inline[child] = sub
		}
		if depth+1 > maxDepth {
			w.r.problem("bucket %q nested too deep", e.key)
			continue
		}
		w.subBuckets(sub, child, depth+1, false)
	}
}

// branchChildren decodes a branch page's child page ids, checking that
// every element and key lies inside the page.
func branchChildren(p pageHeader, b []byte) ([]uint64, error) {
	n := int(p.count)
	if n == 0 {
		return nil, errors.New("no children")
	}
	if pageHeaderSize+n*branchElemSize > len(b) {
		return nil, fmt.Errorf("%d elements do not fit the page", n)
	}
	ne := binary.NativeEndian
	out := make([]uint64, n)
	for i := range n {
		at := int64(pageHeaderSize + i*branchElemSize)
		pos, ksize := int64(ne.Uint32(b[at:])), int64(ne.Uint32(b[at+4:]))
		if at+pos+ksize > int64(len(b)) {
			return nil, fmt.Errorf("key %d lies outside the page", i)
		}
		out[i] = ne.Uint64(b[at+8:])
	}
	return out, nil
}

// leafElems decodes a leaf page's elements into out (keys and values point
// into b), checking that every element, key and value lies inside b.
func leafElems(p pageHeader, b []byte, out []leafElem) ([]leafElem, error) {
	n := int(p.count)
	if pageHeaderSize+n*leafElemSize > len(b) {
		return nil, fmt.Errorf("%d elements do not fit the page", n)
	}
	ne := binary.NativeEndian
	for i := range n {
		at := int64(pageHeaderSize + i*leafElemSize)
		flags := ne.Uint32(b[at:])
		pos, ksize, vsize := int64(ne.Uint32(b[at+4:])), int64(ne.Uint32(b[at+8:])), int64(ne.Uint32(b[at+12:]))
		start := at + pos
		if start+ksize+vsize > int64(len(b)) {
			return nil, fmt.Errorf("element %d lies outside the page", i)
		}
		out = append(out, leafElem{flags: flags, key: b[start : start+ksize : start+ksize], value: b[start+ksize : start+ksize+vsize : start+ksize+vsize]})
	}
	return out, nil
}

package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's on-disk layout, read here with plain reads so a damaged file is
// judged before bbolt maps it and follows its pointers. Every page starts
// with a 16-byte header: id u64, flags u16, count u16, overflow u32. Pages
// 0 and 1 hold the meta (the one with the higher txid and a good checksum
// is current). Values are in the machine's byte order, as bbolt writes them.
const (
	pageHeaderSize = 16
	metaChecksumAt = 56 // bytes of meta covered by its checksum
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10

	branchElemSize = 16 // pos u32, ksize u32, pgid u64
	leafElemSize   = 16 // flags u32, pos u32, ksize u32, vsize u32
	bucketHeader   = 16 // root u64, sequence u64
	leafIsBucket   = 0x01

	minPageSize = 1024
	maxPageSize = 1 << 16
)

// fileMeta is the current meta page of a bbolt file.
type fileMeta struct {
	pageSize int
	root     uint64 // root bucket's page
	freelist uint64 // freelist page, or noFreelist
	hwm      uint64 // high water mark: pages in use are below it
	txid     uint64
}

// pageHeader is a page's 16-byte header.
type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

func parsePageHeader(b []byte) pageHeader {
	ne := binary.NativeEndian
	return pageHeader{id: ne.Uint64(b), flags: ne.Uint16(b[8:]), count: ne.Uint16(b[10:]), overflow: ne.Uint32(b[12:])}
}

// span is the bytes the page and its overflow pages cover.
func (p pageHeader) span(pageSize int) int64 {
	return (int64(p.overflow) + 1) * int64(pageSize)
}

// parseMeta decodes and validates a meta page (header included).
func parseMeta(b []byte) (fileMeta, bool) {
	if len(b) < pageHeaderSize+metaChecksumAt+8 {
		return fileMeta{}, false
	}
	ne := binary.NativeEndian
	m := b[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	if ne.Uint32(m) != boltMagic || ne.Uint32(m[4:]) != boltVersion || ne.Uint64(m[metaChecksumAt:]) != h.Sum64() {
		return fileMeta{}, false
	}
	ps := int(ne.Uint32(m[8:]))
	if ps < minPageSize || ps > maxPageSize || ps&(ps-1) != 0 {
		return fileMeta{}, false
	}
	return fileMeta{pageSize: ps, root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]),
		hwm: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, true
}

// readMeta finds the current meta page the way bbolt does: the page size
// from meta 0 if it is valid, otherwise by trying the sizes bbolt tries
// for meta 1; then the valid meta with the higher txid.
func readMeta(r io.ReaderAt, size int64) (fileMeta, error) {
	buf := make([]byte, 4096)
	var metas []fileMeta
	if n, _ := r.ReadAt(buf, 0); n == len(buf) {
		if m, ok := parseMeta(buf); ok {
			metas = append(metas, m)
		}
	}
	offsets := []int64{}
	if len(metas) == 1 {
		offsets = append(offsets, int64(metas[0].pageSize))
	} else {
		for ps := int64(minPageSize); ps <= maxPageSize; ps *= 2 {
			offsets = append(offsets, ps)
		}
	}
	for _, off := range offsets {
		if off+int64(len(buf)) > size && off+pageHeaderSize+metaChecksumAt+8 > size {
			break
		}
		n, _ := r.ReadAt(buf, off)
		if m, ok := parseMeta(buf[:n]); ok && int64(m.pageSize) == off {
			metas = append(metas, m)
			break
		}
	}
	if len(metas) == 0 {
		return fileMeta{}, errors.New("no valid header page: not a bbolt database, or its first pages are damaged")
	}
	cur := metas[0]
	for _, m := range metas[1:] {
		if m.txid > cur.txid {
			cur = m
		}
	}
	return cur, nil
}

// preflight checks, with a few small reads, what bbolt takes on trust when
// it maps a file: that the pages the header counts are really in the file
// (a truncated file would fault on first touch), that the root bucket and
// freelist pages are what the header says, and, for a writer, that every
// page the freelist hands out lies inside the file and off the meta pages
// (a bad freelist makes bbolt overwrite live data). An empty file is only
// acceptable to a writer creating the history.
func preflight(f *os.File, exclusive, create bool) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		if exclusive && create {
			return nil
		}
		return fmt.Errorf("%w: the file is empty", ErrCorrupt)
	}
	m, err := readMeta(f, info.Size())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := m.check(info.Size()); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := checkPageAt(f, m, m.root, flagBranch|flagLeaf); err != nil {
		return fmt.Errorf("%w: root bucket: %v", ErrCorrupt, err)
	}
	if m.freelist == noFreelist {
		return nil
	}
	if err := checkFreelist(f, m, exclusive); err != nil {
		return fmt.Errorf("%w: freelist: %v", ErrCorrupt, err)
	}
	return nil
}

// check compares the meta with the file's size.
func (m fileMeta) check(size int64) error {
	ps := uint64(m.pageSize)
	switch {
	case m.hwm < 3 || m.hwm > uint64(size)/ps:
		return fmt.Errorf("the header counts %d pages of %d bytes but the file holds %d bytes (truncated?)", m.hwm, ps, size)
	case m.root < 2 || m.root >= m.hwm:
		return fmt.Errorf("root bucket page %d outside the file's %d pages", m.root, m.hwm)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.hwm):
		return fmt.Errorf("freelist page %d outside the file's %d pages", m.freelist, m.hwm)
	}
	return nil
}

// readPage reads a page's header and up to limit bytes of it (with its
// overflow pages), after checking it lies inside the file.
func readPage(r io.ReaderAt, m fileMeta, id uint64, limit int64) (pageHeader, []byte, error) {
	var hb [pageHeaderSize]byte
	if _, err := r.ReadAt(hb[:], int64(id)*int64(m.pageSize)); err != nil {
		return pageHeader{}, nil, fmt.Errorf("page %d unreadable: %v", id, err)
	}
	p := parsePageHeader(hb[:])
	if p.id != id {
		return p, nil, fmt.Errorf("page %d says it is page %d", id, p.id)
	}
	if id+uint64(p.overflow) >= m.hwm {
		return p, nil, fmt.Errorf("page %d runs %d pages past the end", id, p.overflow)
	}
	n := min(p.span(m.pageSize), limit)
	if n <= pageHeaderSize {
		return p, hb[:], nil
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, int64(id)*int64(m.pageSize)); err != nil {
		return p, nil, fmt.Errorf("page %d unreadable: %v", id, err)
	}
	return p, b, nil
}

func checkPageAt(r io.ReaderAt, m fileMeta, id uint64, flags uint16) error {
	p, _, err := readPage(r, m, id, pageHeaderSize)
	if err != nil {
		return err
	}
	if p.flags&flags == 0 || p.flags&^(flagBranch|flagLeaf|flagMeta|flagFreelist) != 0 {
		return fmt.Errorf("page %d has type %#x", id, p.flags)
	}
	return nil
}

// freelistIDs decodes the ids of a freelist page. A count of 0xFFFF means
// the real count is the first u64 of the page's data.
func freelistIDs(p pageHeader, b []byte, pageSize int) ([]uint64, error) {
	data := b[pageHeaderSize:]
	n := uint64(p.count)
	if p.count == 0xFFFF {
		if len(data) < 8 {
			return nil, errors.New("freelist count cut short")
		}
		n, data = binary.NativeEndian.Uint64(data), data[8:]
	}
	if n > uint64(p.span(pageSize))/8 || n*8 > uint64(len(data)) {
		return nil, fmt.Errorf("freelist claims %d ids, more than its pages hold", n)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = binary.NativeEndian.Uint64(data[8*i:])
	}
	return ids, nil
}

func checkFreelist(r io.ReaderAt, m fileMeta, full bool) error {
	limit := int64(pageHeaderSize + 8)
	if full {
		limit = 1 << 30 // a writer loads it all; so do we
	}
	p, b, err := readPage(r, m, m.freelist, limit)
	if err != nil {
		return err
	}
	if p.flags != flagFreelist {
		return fmt.Errorf("page %d has type %#x, not freelist", m.freelist, p.flags)
	}
	if !full {
		if p.count == 0xFFFF && len(b) >= pageHeaderSize+8 {
			if n := binary.NativeEndian.Uint64(b[pageHeaderSize:]); n > uint64(p.span(m.pageSize))/8 {
				return fmt.Errorf("freelist claims %d ids, more than its pages hold", n)
			}
		}
		return nil
	}
	ids, err := freelistIDs(p, b, m.pageSize)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id < 2 || id >= m.hwm {
			return fmt.Errorf("free page %d outside the file's %d pages", id, m.hwm)
		}
	}
	return nil
}

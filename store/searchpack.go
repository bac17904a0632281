package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"slices"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// The search pack: the search index's older entries again, packed into
// large chunks, so a search of 100,000 prompts reads a few hundred values
// instead of walking 100,000 entries on 5,000 pages.
//
// Why: each unit of work maps the file afresh, and on the machines
// measured faulting a page of that mapping in costs about 10 µs; a search
// walking the per-task search bucket touched 5,000 pages (80 ms of CPU,
// 15 ms of it the walk itself). A chunk's bytes are contiguous in the file
// (bbolt keeps a large value on consecutive pages), so they are read with
// one pread into a reused buffer, at a fraction of the cost of faulting
// them in, and scanned with a bytes.Contains per word: a chunk without
// every word is passed over whole.
//
// The search index is split at an edge (a time key kept in meta): entries
// from the edge up stay one per task in bSearch, where new tasks land and
// change most; the entries below it are moved into the pack, in chunks
// keyed by the time key of their first entry, so the file holds each once.
// A write that changes an entry below the edge (an old task removed,
// settled or imported) edits the chunk that holds it, in the same
// transaction (moveIndexes). Open moves the edge up when the entries
// above it have piled up (sealPack), so a history from before the pack
// gets one when it is first opened for writing. No edge in meta: no pack,
// bSearch holds every entry. 'veox doctor' counts the pack's entries with
// bSearch's (sumChunk); Reindex rebuilds both.

const (
	bPack         = "searchpack" // time key of a chunk's first entry -> entries (appendEntry)
	metaPackEdge  = "searchPackEdge"
	packChunk     = 32 << 10 // bytes a chunk is filled to
	packTail      = 1000     // newest entries left to bSearch alone when sealing
	packTailLimit = 2 * packTail
)

// packLimits are the pack's sizes; tests make them small.
type packLimits struct {
	chunk, tail, tailLimit int
}

func (s *Store) pack() packLimits {
	if s.packSizes != (packLimits{}) {
		return s.packSizes
	}
	return packLimits{packChunk, packTail, packTailLimit}
}

// appendEntry appends one search entry: the time key and the text, each
// after its length.
func appendEntry(dst, key, text []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	dst = binary.AppendUvarint(dst, uint64(len(text)))
	return append(dst, text...)
}

var errBadChunk = errors.New("a search pack chunk does not parse")

// eachEntry calls fn with each entry of a chunk, in key order.
func eachEntry(chunk []byte, fn func(key, text []byte)) error {
	for len(chunk) > 0 {
		var parts [2][]byte
		for i := range parts {
			n, w := binary.Uvarint(chunk)
			if w <= 0 || n > uint64(len(chunk)-w) {
				return errBadChunk
			}
			parts[i], chunk = chunk[w:w+int(n)], chunk[w+int(n):]
		}
		fn(parts[0], parts[1])
	}
	return nil
}

func packEdge(tx *bolt.Tx) []byte {
	meta := tx.Bucket([]byte(bMeta))
	if meta == nil {
		return nil
	}
	return meta.Get([]byte(metaPackEdge))
}

// searchGet is the search entry under k, wherever it lives; nil if none.
func searchGet(tx *bolt.Tx, k []byte) []byte {
	pb := tx.Bucket([]byte(bPack))
	if !packed(packEdge(tx), k) || pb == nil {
		return tx.Bucket([]byte(bSearch)).Get(k)
	}
	var got []byte
	if at := chunkOf(pb, k); at != nil {
		_ = eachEntry(pb.Get(at), func(ek, text []byte) {
			if bytes.Equal(ek, k) {
				got = text
			}
		})
	}
	return got
}

// packed: the entry under key k lives in the pack too.
func packed(edge, k []byte) bool {
	return edge != nil && bytes.Compare(k, edge) < 0
}

// putChunks writes entries (in key order) as chunks of about limit bytes,
// each under its first entry's key.
func putChunks(pb *bolt.Bucket, entries [][2][]byte, limit int) error {
	var chunk, first []byte
	for i, e := range entries {
		if first == nil {
			first = e[0]
		}
		chunk = appendEntry(chunk, e[0], e[1])
		if len(chunk) >= limit || i == len(entries)-1 {
			if err := pb.Put(bytes.Clone(first), chunk); err != nil {
				return err
			}
			chunk, first = nil, nil
		}
	}
	return nil
}

// chunkOf is the key of the chunk that holds, or would take, the entry
// under k: the last chunk starting at or before k, else the first; nil
// when there is none.
func chunkOf(pb *bolt.Bucket, k []byte) []byte {
	c := pb.Cursor()
	at, _ := c.Seek(k)
	if at != nil && bytes.Equal(at, k) {
		return bytes.Clone(at)
	}
	if at == nil {
		at, _ = c.Last()
	} else {
		at, _ = c.Prev()
	}
	if at == nil {
		at, _ = c.First()
	}
	return bytes.Clone(at)
}

// editPacked puts (or, with value nil, deletes) the entry under k, below
// the edge, in the chunk that holds it.
func editPacked(tx *bolt.Tx, k, value []byte, limit int) error {
	pb, err := tx.CreateBucketIfNotExists([]byte(bPack))
	if err != nil {
		return err
	}
	var entries [][2][]byte
	if at := chunkOf(pb, k); at != nil {
		if err := eachEntry(pb.Get(at), func(ek, text []byte) {
			entries = append(entries, [2][]byte{bytes.Clone(ek), bytes.Clone(text)})
		}); err != nil {
			return fmt.Errorf("%w: %v: run 'veox doctor'", ErrCorrupt, err)
		}
		if err := pb.Delete(at); err != nil {
			return err
		}
	}
	i, found := slices.BinarySearchFunc(entries, k, func(e [2][]byte, k []byte) int { return bytes.Compare(e[0], k) })
	switch {
	case value == nil && found:
		entries = slices.Delete(entries, i, i+1)
	case value != nil && found:
		entries[i][1] = bytes.Clone(value)
	case value != nil:
		entries = slices.Insert(entries, i, [2][]byte{bytes.Clone(k), bytes.Clone(value)})
	}
	return putChunks(pb, entries, limit)
}

// tailOver: more than limit entries of bSearch lie at or above the edge.
func tailOver(tx *bolt.Tx, limit int) bool {
	edge := packEdge(tx)
	c := tx.Bucket([]byte(bSearch)).Cursor()
	n := 0
	for k, _ := c.Last(); k != nil && !packed(edge, k); k, _ = c.Prev() {
		if n++; n > limit {
			return true
		}
	}
	return false
}

// packStep is how many entries one transaction of a seal moves: pages
// freed by one are taken again by the next, so moving 100,000 entries
// grows the file by about a step's worth, not by the whole pack.
const packStep = 10_000

// sealPack moves the entries above the edge but the newest p.tail from
// bSearch into new chunks, at most step of them (0: all), and the edge up
// past them. more: there are more to move.
func sealPack(tx *bolt.Tx, p packLimits, step int) (more bool, err error) {
	if !tailOver(tx, p.tailLimit) {
		return false, nil
	}
	sb := bucket(tx, bSearch)
	c := sb.Cursor()
	k, _ := c.Last()
	for range p.tail {
		k, _ = c.Prev()
	}
	target := bytes.Clone(k)
	var entries [][2][]byte
	newEdge := target
	for k, v := c.Seek(append([]byte(nil), packEdge(tx)...)); k != nil && bytes.Compare(k, target) < 0; k, v = c.Next() {
		if step > 0 && len(entries) == step {
			newEdge, more = bytes.Clone(k), true
			break
		}
		entries = append(entries, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
	}
	pb, err := tx.CreateBucketIfNotExists([]byte(bPack))
	if err != nil {
		return false, err
	}
	if err := putChunks(pb, entries, p.chunk); err != nil {
		return false, err
	}
	for _, e := range entries {
		if err := sb.Delete(e[0]); err != nil {
			return false, err
		}
	}
	return more, tx.Bucket([]byte(bMeta)).Put([]byte(metaPackEdge), newEdge)
}

// dropPack empties the pack; its entries are lost, so only for Reindex,
// which rebuilds the whole search index from the tasks.
func dropPack(tx *bolt.Tx) error {
	if tx.Bucket([]byte(bPack)) != nil {
		if err := tx.DeleteBucket([]byte(bPack)); err != nil {
			return err
		}
	}
	return tx.Bucket([]byte(bMeta)).Delete([]byte(metaPackEdge))
}

// maybeSeal seals the pack when the entries above its edge have piled up:
// a look first, so an Open with nothing to do never takes the write lock.
func (s *Store) maybeSeal() error {
	if s.readOnly {
		return nil
	}
	p := s.pack()
	var due bool
	if err := s.view(func(tx *bolt.Tx) error { due = tailOver(tx, p.tailLimit); return nil }); err != nil || !due {
		return err
	}
	for more := true; more; {
		if err := s.update(func(tx *bolt.Tx) error { var err error; more, err = sealPack(tx, p, packStep); return err }); err != nil {
			return err
		}
	}
	return nil
}

// chunkBytes is a chunk's value read with pread from the unit's file into
// buf, instead of through the memory map: the value lies at the same
// offset in the file as in bbolt's mapping of it (bbolt maps the whole
// file read-only from offset 0, and keeps a large value on consecutive
// pages), and no writer can change the file while this unit holds its
// lock. Falls back on the mapped bytes when there is no file or the value
// is not inside the mapping.
func chunkBytes(tx *bolt.Tx, f *os.File, v, buf []byte) ([]byte, []byte) {
	if f == nil || len(v) == 0 {
		return v, buf
	}
	base := tx.DB().Info().Data
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	if p < base || int64(p-base)+int64(len(v)) > tx.Size() {
		return v, buf
	}
	buf = slices.Grow(buf[:0], len(v))[:len(v)]
	if _, err := f.ReadAt(buf, int64(p-base)); err != nil {
		return v, buf
	}
	return buf, buf
}

// eachCandidate calls fn with the time key of every search entry, newest
// first, whose text or local id holds every word, until fn says stop:
// bSearch above the pack's edge, then the pack's chunks.
func eachCandidate(tx *bolt.Tx, f *os.File, words [][]byte, every func() error, fn func(k []byte) (bool, error)) error {
	edge := packEdge(tx)
	c := tx.Bucket([]byte(bSearch)).Cursor()
	n := 0
	for k, v := c.Last(); k != nil && !packed(edge, k); k, v = c.Prev() {
		if n++; n%ctxEvery == 0 {
			if err := every(); err != nil {
				return err
			}
		}
		if len(k) <= 8 || !holdsAll(v, k[8:], words) {
			continue
		}
		if stop, err := fn(k); stop || err != nil {
			return err
		}
	}
	pb := tx.Bucket([]byte(bPack))
	if edge == nil || pb == nil {
		return nil
	}
	var buf []byte
	var keys [][]byte
	pc := pb.Cursor()
	for ck, cv := pc.Last(); ck != nil; ck, cv = pc.Prev() {
		if err := every(); err != nil {
			return err
		}
		var data []byte
		data, buf = chunkBytes(tx, f, cv, buf)
		if !containsAll(data, words) {
			continue // no entry of it can hold them all
		}
		keys = keys[:0]
		if err := eachEntry(data, func(k, text []byte) {
			if len(k) > 8 && holdsAll(text, k[8:], words) {
				keys = append(keys, bytes.Clone(k))
			}
		}); err != nil {
			return fmt.Errorf("%w: %v: run 'veox doctor'", ErrCorrupt, err)
		}
		for i := len(keys) - 1; i >= 0; i-- {
			if stop, err := fn(keys[i]); stop || err != nil {
				return err
			}
		}
	}
	return nil
}

func containsAll(data []byte, words [][]byte) bool {
	for _, w := range words {
		if !bytes.Contains(data, w) {
			return false
		}
	}
	return true
}

// packHead is what Check reads of the pack besides its chunks: the edge,
// and whether a search entry below it is still in bSearch.
func packHead(tx *bolt.Tx) (edge []byte, problem error) {
	edge = bytes.Clone(packEdge(tx))
	if k, _ := tx.Bucket([]byte(bSearch)).Cursor().First(); k != nil && packed(edge, k) {
		problem = errors.New("search entries below the edge are left outside the pack")
	}
	return edge, problem
}

// sumChunk adds the entries of the chunk data, stored under the key ck, to
// sum, as Check sums an index's, and reports a chunk of the wrong shape:
// one that does not parse or is empty, is not under its first entry's key,
// or holds an entry not below the edge.
func sumChunk(edge, ck, data []byte, h *maphash.Hash, sum *indexSum) (bad bool) {
	first := true
	if err := eachEntry(data, func(k, text []byte) {
		if first && !bytes.Equal(k, ck) || !packed(edge, k) {
			bad = true
		}
		first = false
		sum.add(h, k, text)
	}); err != nil || first {
		bad = true
	}
	return bad
}

package store

import (
	"bytes"
	"encoding/json"
	"io"

	bolt "go.etcd.io/bbolt"
)

// A repair keeps the stories and kept marks it can read: a story holds the
// plan a person wrote and points at the tasks it sent, which the salvage
// keeps anyway.

// entry is one key and value read out of a damaged file (copies).
type entry struct{ k, v []byte }

// liveStories reads the stories and kept buckets where their pages are
// sound; a story that does not decode is left out.
func liveStories(f io.ReaderAt, report *treeReport) map[string][]entry {
	out := map[string][]entry{}
	for _, name := range []string{bStories, bKept} {
		add := func(elems []leafElem) {
			for _, e := range elems {
				if e.flags != 0 || len(e.key) == 0 {
					continue
				}
				if name == bStories && !json.Valid(e.value) {
					continue
				}
				out[name] = append(out[name], entry{bytes.Clone(e.key), bytes.Clone(e.value)})
			}
		}
		add(report.inline[name])
		for _, id := range report.leaves[name] {
			p, b, err := readPage(f, report.meta, id, 1<<30)
			if err != nil || p.flags != flagLeaf {
				continue
			}
			if elems, err := leafElems(p, b, nil); err == nil {
				add(elems)
			}
		}
	}
	return out
}

// writeStories puts what liveStories found into the new file.
func writeStories(db *bolt.DB, found map[string][]entry) error {
	return db.Update(func(tx *bolt.Tx) error {
		for name, es := range found {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for _, e := range es {
				if err := b.Put(e.k, e.v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

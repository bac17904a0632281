package store

import bolt "go.etcd.io/bbolt"

// releaseEvery is how many index entries reads may walk before the store
// drops the file pages they mapped. bbolt reads through a memory map, and
// every page touched stays in our resident set until the map goes: a search
// over the whole history, or paging through it, would otherwise keep most
// of the file resident (the whole of it, 290 MB at 100,000 tasks). At 5,000
// entries (50 pages of the list) the mapped part stays at a few tens of MB,
// and a drop costs well under a millisecond.
const releaseEvery = 5000

// noteRead counts the entries a read walked and, once enough have been
// read since the last drop, drops the mapped pages. Called inside the
// read's transaction (see dropMapped).
func (s *Store) noteRead(tx *bolt.Tx, entries int) {
	if s.readSince.Add(int64(entries)) < releaseEvery {
		return
	}
	s.readSince.Store(0)
	dropMapped(tx)
}

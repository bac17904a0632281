package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The balance history: every reading of the credit balance any veox made,
// with its time, so the ledger can draw the balance over time and a
// task's end can be compared with the last reading before it. It lives in
// its own bucket, made on the first write (older files gain it then), and
// is bounded: at most maxBalances readings, the oldest dropped first, and
// a reading equal to the two before it only moves the newest one forward
// (a flat run keeps its first and last reading, which is all a chart or a
// comparison needs). A future schema upgrade (migrate.go) must copy it.
const (
	bBalances   = "balances" // be64(unix nanoseconds) -> {"c": credits, "s": change sequence}
	maxBalances = 10_000     // about 300 KB; months of readings at a busy day's pace
	trimEvery   = 64         // writes between counts of the bucket
)

// BalanceReading is one reading of the credit balance and when it was made.
// Seq is the history's change sequence (ChangeSeq) just before the reading
// was asked for: Changes(Seq) is every task written since, which is how a
// difference between two readings is told to be one task's or not.
type BalanceReading struct {
	At      time.Time
	Credits float64
	Seq     uint64
}

type balanceValue struct {
	Credits float64 `json:"c"`
	Seq     uint64  `json:"s"`
}

func balanceKey(t time.Time) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(max(t.UnixNano(), 0)))
	return k
}

func decodeBalance(k, v []byte) (BalanceReading, bool) {
	var bv balanceValue
	if len(k) != 8 || json.Unmarshal(v, &bv) != nil {
		return BalanceReading{}, false
	}
	return BalanceReading{At: time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC(), Credits: bv.Credits, Seq: bv.Seq}, true
}

// PutBalance records a reading. A read-only history records nothing.
func (s *Store) PutBalance(r BalanceReading) error {
	if err := s.writable(); err != nil {
		return err
	}
	value, err := json.Marshal(balanceValue{r.Credits, r.Seq})
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bBalances))
		if err != nil {
			return err
		}
		key := balanceKey(r.At)
		if k, _ := b.Cursor().Seek(key); k != nil && !bytes.Equal(k, key) {
			// An older reading answered late: it goes in its place, and
			// the flat-run rule below applies only at the newest end.
			return putFree(b, key, value)
		}
		if err := dropFlatNewest(b, r.Credits); err != nil {
			return err
		}
		if err := putFree(b, key, value); err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil || seq%trimEvery != 0 {
			return err
		}
		return trimBalances(b)
	})
}

// putFree writes at key, or a nanosecond later when another veox's
// reading holds that exact time.
func putFree(b *bolt.Bucket, key, value []byte) error {
	for range 1000 {
		if v := b.Get(key); v == nil || bytes.Equal(v, value) {
			return b.Put(key, value)
		}
		n := binary.BigEndian.Uint64(key) + 1
		key = binary.BigEndian.AppendUint64(nil, n)
	}
	return errors.New("store: no free time for a balance reading")
}

// dropFlatNewest deletes the newest reading when it and the one before it
// both equal credits: the new reading replaces it as the end of the run.
func dropFlatNewest(b *bolt.Bucket, credits float64) error {
	c := b.Cursor()
	k1, v1 := c.Last()
	if k1 == nil {
		return nil
	}
	k1 = bytes.Clone(k1)
	r1, ok1 := decodeBalance(k1, v1)
	k2, v2 := c.Prev()
	r2, ok2 := decodeBalance(k2, v2)
	if ok1 && ok2 && r1.Credits == credits && r2.Credits == credits {
		return b.Delete(k1)
	}
	return nil
}

// trimBalances drops the oldest readings beyond maxBalances. It counts
// back from the newest (bbolt's Stats miss this transaction's writes).
func trimBalances(b *bolt.Bucket) error {
	c := b.Cursor()
	n := 0
	k, _ := c.Last()
	for ; k != nil && n < maxBalances; k, _ = c.Prev() {
		n++
	}
	var old [][]byte
	for ; k != nil; k, _ = c.Prev() {
		old = append(old, bytes.Clone(k))
	}
	return deleteKeys(b, old)
}

// Balances calls fn with the readings made from from to to (inclusive; a
// zero to means up to now), oldest first, in one short read. The bucket is
// bounded, so so is the work.
func (s *Store) Balances(from, to time.Time, fn func(BalanceReading) error) error {
	var out []BalanceReading
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bBalances))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(balanceKey(from)); k != nil; k, v = c.Next() {
			r, ok := decodeBalance(k, v)
			if !ok {
				continue // one damaged entry should not hide the rest
			}
			if !to.IsZero() && r.At.After(to) {
				break
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range out {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// BalanceBefore is the newest reading made at or before t.
func (s *Store) BalanceBefore(t time.Time) (BalanceReading, bool, error) {
	var r BalanceReading
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bBalances))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		key := balanceKey(t.Add(time.Nanosecond))
		var v []byte
		k, _ := c.Seek(key)
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if r, found = decodeBalance(k, v); found {
				return nil
			}
		}
		return nil
	})
	return r, found, err
}

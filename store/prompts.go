package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// maxPrompts is how many recent prompts the composer's history keeps.
const maxPrompts = 200

// PutPrompt remembers a prompt as the most recent one. A prompt used before
// moves to the front instead of appearing twice; beyond maxPrompts the
// oldest are dropped. Blank prompts are ignored.
func (s *Store) PutPrompt(text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if err := s.writable(); err != nil {
		return err
	}
	value, err := json.Marshal(text)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bPrompts))
		if err != nil {
			return err
		}
		if err := dropPrompt(b, text); err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		if err := b.Put(key[:], value); err != nil {
			return err
		}
		return trimPrompts(b)
	})
}

// dropPrompt deletes earlier copies of text (at most maxPrompts entries
// to scan). Keys are collected first: deleting under a live cursor skips
// entries in bbolt.
func dropPrompt(b *bolt.Bucket, text string) error {
	var dups [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var p string
		if json.Unmarshal(v, &p) == nil && p == text {
			dups = append(dups, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return deleteKeys(b, dups)
}

// trimPrompts drops the oldest entries beyond maxPrompts.
func trimPrompts(b *bolt.Bucket) error {
	var keys [][]byte
	_ = b.ForEach(func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	})
	if len(keys) <= maxPrompts {
		return nil
	}
	return deleteKeys(b, keys[:len(keys)-maxPrompts])
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// RecentPrompts returns up to n prompts (all kept when n <= 0), most
// recent first.
func (s *Store) RecentPrompts(n int) ([]string, error) {
	if n <= 0 || n > maxPrompts {
		n = maxPrompts
	}
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bPrompts))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			var p string
			if err := json.Unmarshal(v, &p); err != nil {
				continue // one damaged entry should not hide the rest
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

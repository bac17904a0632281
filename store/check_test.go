package store

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// unreadableByCursor is what a walk of the tasks bucket through bbolt
// finds undecodable, key order: what Check must name, however it reads.
func unreadableByCursor(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	if err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bTasks)).ForEach(func(k, v []byte) error {
			if _, err := decodeTask(string(k), v); err != nil {
				out = append(out, string(k))
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// damage replaces the records of ids with their first half (JSON that
// does not end), behind the store's indexes.
func damage(t *testing.T, s *Store, ids []string) {
	t.Helper()
	if err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bTasks))
		for _, id := range ids {
			v := b.Get([]byte(id))
			if v == nil {
				t.Fatalf("no record %s", id)
			}
			if err := b.Put([]byte(id), bytes.Clone(v[:len(v)/2])); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func taskKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	_ = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bTasks)).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
	})
	return keys
}

// Check reads the records from the leaf pages the tree walk reached: a
// record on any of them that does not decode is named, in key order, as
// a walk through bbolt names it — on the first leaf and the last, in a
// record spilling over several pages, and in a bucket small enough to
// live inside its parent's page.
func TestCheckNamesEveryUnreadableRecord(t *testing.T) {
	t.Parallel()
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		s, path := openTemp(t)
		if err := SeedHistory(s, 1500, epoch); err != nil {
			t.Fatal(err)
		}
		big := newTask(s, strings.Repeat("a prompt long enough to spill over pages ", 500), epoch.Add(time.Hour))
		mustPut(t, s, big)
		mustCheck(t, s)
		keys := taskKeys(t, s)
		var victims []string
		for i := 0; i < len(keys); i += 97 {
			victims = append(victims, keys[i])
		}
		victims = append(victims, keys[len(keys)-1], big.LocalID)
		slices.Sort(victims)
		victims = slices.Compact(victims)
		damage(t, s, victims)

		r := walkFile(t, path)
		if len(r.leaves[bTasks]) < 50 || len(r.inline[bTasks]) != 0 {
			t.Fatalf("the tasks bucket has %d leaf pages (%d inline): not the shape this test is for", len(r.leaves[bTasks]), len(r.inline[bTasks]))
		}
		var ce *CheckError
		if err := s.Check(); !errors.As(err, &ce) {
			t.Fatalf("Check of %d damaged records: %v", len(victims), err)
		}
		if want := unreadableByCursor(t, s); !slices.Equal(ce.Unreadable, want) || !slices.Equal(want, victims) {
			t.Fatalf("Check names %d unreadable records %v,\nbbolt's cursor %d, damaged %d", len(ce.Unreadable), ce.Unreadable, len(want), len(victims))
		}
	})
	t.Run("inline", func(t *testing.T) {
		t.Parallel()
		s, path := openTemp(t)
		task := newTask(s, "one", epoch)
		mustPut(t, s, task)
		if err := s.update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bTasks)).Put([]byte(task.LocalID), []byte(`{"localId":`))
		}); err != nil {
			t.Fatal(err)
		}
		if r := walkFile(t, path); len(r.inline[bTasks]) != 1 {
			t.Fatalf("the tasks bucket is not inline (%d leaves)", len(r.leaves[bTasks]))
		}
		var ce *CheckError
		if err := s.Check(); !errors.As(err, &ce) || !slices.Equal(ce.Unreadable, []string{task.LocalID}) {
			t.Fatalf("Check of an inline bucket's damaged record: %v", err)
		}
	})
}

// walkFile walks the history's pages as Check does.
func walkFile(t *testing.T, path string) *treeReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := verifyReader(bytes.NewReader(b), int64(len(b)), nil, false)
	if err := r.err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// Every index is compared with the records, however many pages it spans:
// an entry missing from any of them, or one no task needs, is found.
func TestCheckFindsEachIndexOutOfStep(t *testing.T) {
	t.Parallel()
	for _, name := range indexNames() {
		for _, drift := range []string{"missing", "extra"} {
			t.Run(name+"/"+drift, func(t *testing.T) {
				t.Parallel()
				s, _ := openTemp(t)
				if err := SeedHistory(s, 1500, epoch); err != nil {
					t.Fatal(err)
				}
				for i := range 3 { // active entries on the index's page
					mustPut(t, s, newTask(s, "sending", epoch.Add(time.Duration(i)*time.Hour)))
				}
				mustCheck(t, s)
				if err := s.update(func(tx *bolt.Tx) error {
					b := tx.Bucket([]byte(name))
					if drift == "extra" {
						return b.Put([]byte("\xff a key no task needs"), []byte{})
					}
					keys := 0
					_ = b.ForEach(func(k, _ []byte) error { keys++; return nil })
					if keys == 0 {
						t.Fatalf("the seeded history has no %s entries", name)
					}
					c := b.Cursor()
					k, _ := c.First()
					for range keys / 2 {
						k, _ = c.Next()
					}
					return b.Delete(bytes.Clone(k))
				}); err != nil {
					t.Fatal(err)
				}
				var ce *CheckError
				if err := s.Check(); !errors.As(err, &ce) || len(ce.Index) == 0 || !strings.Contains(err.Error(), `"`+name+`"`) && !strings.Contains(err.Error(), " "+name+" ") {
					t.Fatalf("Check after a %s %s entry: %v", drift, name, err)
				}
			})
		}
	}
}

// reuseLeaf changes a leaf of the tasks bucket in place, as a commit that
// took its page would, leaving a sound file (one record's updatedAt one
// millisecond off): what a pass read before it no longer holds.
func reuseLeaf(t *testing.T, path string) {
	t.Helper()
	r := walkFile(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := uint64(r.meta.pageSize)
	leaf := r.leaves[bTasks][len(r.leaves[bTasks])/2]
	page := b[leaf*ps : (leaf+1)*ps]
	at := bytes.Index(page, []byte(`"updatedAt":`))
	if at < 0 {
		t.Fatalf("no updatedAt on page %d", leaf)
	}
	at += len(`"updatedAt":`)
	for page[at+1] >= '0' && page[at+1] <= '9' {
		at++
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte{'0' + (page[at]-'0'+1)%10}, int64(leaf*ps)+int64(at)); err != nil {
		t.Fatal(err)
	}
}

// Leaves reused by another veox's commits while Check reads make it start
// over, never report damage; after checkAttempts starts a pass holds the
// shared lock, and a writer then waits for it instead of failing.
func TestCheckStartsOverWhenAnotherVeoxCommits(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	if err := SeedHistory(s, 300, epoch); err != nil {
		t.Fatal(err)
	}
	s.checkHold = time.Hour // the held pass keeps the lock to its end however slow the machine
	other, err := Open(path, Options{NoSync: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var passes, heldPasses int
	var wg sync.WaitGroup
	var heldPut error
	s.checkWalked = func(held bool) {
		passes++
		if !held {
			reuseLeaf(t, path)
			return
		}
		heldPasses++
		wg.Go(func() { heldPut = other.Put(newTask(other, "written while Check holds the lock", epoch)) })
	}
	walks := s.walks.Load()
	if err := s.Check(); err != nil {
		t.Fatalf("Check beside commits reported: %v", err)
	}
	wg.Wait()
	if passes != checkAttempts+1 || heldPasses != 1 || s.walks.Load()-walks != int64(passes) {
		t.Fatalf("%d passes (%d held), %d walks; want %d, the last held", passes, heldPasses, s.walks.Load()-walks, checkAttempts+1)
	}
	if heldPut != nil {
		t.Fatalf("a write during the held pass failed: %v", heldPut)
	}
	s.checkWalked = nil
	mustCheck(t, s)
	if total, _, _ := s.Count(); total != 300+1 {
		t.Fatalf("%d tasks after the writes", total)
	}
}

// Another veox writing without pause beside Check: no false damage, and
// none of its writes fails for the lock.
func TestCheckBesideAWriter(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	if err := SeedHistory(s, 500, epoch); err != nil {
		t.Fatal(err)
	}
	other, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes int
	var writeErr error
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if writeErr = other.Put(newTask(other, "beside Check", epoch)); writeErr != nil {
				return
			}
			writes++
			// A pause between writes, as any veox leaves (a TUI's polling
			// round, a script's next command), hundreds of times faster:
			// a writer that never let go would shut every reader out.
			time.Sleep(time.Millisecond)
		}
	})
	for range 5 {
		if err := s.Check(); err != nil {
			close(stop)
			wg.Wait()
			t.Fatalf("Check beside a writer: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("a write beside Check failed: %v", writeErr)
	}
	mustCheck(t, s)
	if total, _, _ := s.Count(); total != 500+writes {
		t.Fatalf("%d tasks, want %d", total, 500+writes)
	}
}

// A held pass lets go of the lock at checkHold; a leaf reused after that
// makes Check say the history is busy (ErrLocked), never damaged.
func TestCheckHeldPassLetsGoInTime(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	if err := SeedHistory(s, 300, epoch); err != nil {
		t.Fatal(err)
	}
	s.checkHold = time.Nanosecond // spent by the walk: the held pass lets go before reading
	var heldPasses int
	s.checkWalked = func(held bool) {
		if held {
			heldPasses++
		}
		reuseLeaf(t, path)
	}
	err := s.Check()
	var ce *CheckError
	if !errors.Is(err, ErrLocked) || errors.As(err, &ce) || !strings.Contains(err.Error(), "kept writing") {
		t.Fatalf("Check beside a writer past its hold: %v", err)
	}
	if heldPasses != 0 {
		t.Fatalf("%d passes held the lock past checkHold", heldPasses)
	}
	s.checkWalked = nil
	mustCheck(t, s)
}

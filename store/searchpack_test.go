package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// referenceFind is what Find must answer, worked out from the tasks
// themselves (Walk, newest first), not from any index.
func referenceFind(t *testing.T, s *Store, f Find, limit int) []string {
	t.Helper()
	all := allTasks(t, s)
	return referenceOver(all, searchValues(all), f, limit)
}

func allTasks(t *testing.T, s *Store) []Task {
	t.Helper()
	var all []Task
	if _, err := s.Walk(Query{}, func(batch []Task) error { all = append(all, batch...); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

// searchValues is each task's searchable text, worked out once for the
// many queries a test holds to the reference.
func searchValues(all []Task) [][]byte {
	vals := make([][]byte, len(all))
	for i := range all {
		vals[i] = searchValue(&all[i])
	}
	return vals
}

// referenceOver answers f over all (newest first) by reading every task's
// searchable text (vals, from searchValues).
func referenceOver(all []Task, vals [][]byte, f Find, limit int) []string {
	var words [][]byte
	for _, w := range f.Words {
		w = strings.ToLower(strings.TrimSpace(w))
		if strings.Contains(w, "\x00") {
			return nil // no text holds a NUL
		}
		if w != "" {
			words = append(words, []byte(w))
		}
	}
	var ids []string
	for i := range all {
		tk := &all[i]
		if len(ids) == limit || !holdsAll(vals[i], []byte(tk.LocalID), words) ||
			!matches(f.Statuses, []byte(tk.Status)) || !matches(f.Kinds, []byte(tk.Kind)) {
			continue
		}
		if f.Match == nil || f.Match(tk) {
			ids = append(ids, tk.LocalID)
		}
	}
	return ids
}

func localIDs(ts []Task) []string {
	out := make([]string, len(ts))
	for i := range ts {
		out[i] = ts[i].LocalID
	}
	return out
}

// sameAnswers holds Find and Search to the reference over queries of
// every sort: words in any order, ids, seeds, filters, no match, all.
func sameAnswers(t *testing.T, s *Store, extra ...string) {
	t.Helper()
	tasks := allTasks(t, s)
	vals := searchValues(tasks)
	all := referenceOver(tasks, vals, Find{}, 1<<30)
	if len(all) == 0 {
		t.Fatal("an empty history")
	}
	some, _ := s.Get(all[len(all)/2])
	queries := [][]string{{}, {"purple elephant"}, {"golden"}, {"hour", "golden"}, {"golden", "hour"},
		{"the"}, {"a"}, {"zzzz-none"}, {some.LocalID}, {some.LocalID[3:9]}, {"l1"}, {"\x00"}}
	if some.TaskID != "" {
		queries = append(queries, []string{strings.ToUpper(some.TaskID[2:10])})
	}
	if some.Request.Seed != 0 {
		queries = append(queries, []string{fmt.Sprint(some.Request.Seed)})
	}
	if words := strings.Fields(some.Request.Prompt); len(words) > 2 {
		queries = append(queries, []string{words[2], words[0]}, []string{strings.Join(words[:2], " ")})
	}
	for _, e := range extra {
		queries = append(queries, strings.Fields(e))
	}
	filters := []Find{{}, {Statuses: []string{StatusSucceeded}}, {Kinds: []string{KindExtend}},
		{Statuses: []string{StatusFailed, StatusRunning}, Kinds: []string{KindGenerate}},
		{Match: func(t *Task) bool { return len(t.Files) > 0 }}}
	ctx := context.Background()
	for _, q := range queries {
		for fi, f := range filters {
			f.Words = q
			every := referenceOver(tasks, vals, f, 1<<30)
			for _, limit := range []int{1, 50, 1 << 30} {
				want := every[:min(limit, len(every)):min(limit, len(every))] // the newest limit of them
				got, err := s.Find(ctx, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(localIDs(got), want) {
					t.Fatalf("Find %q (filter %d, limit %d): %d tasks, want %d\n got %v\nwant %v", q, fi, limit, len(got), len(want), localIDs(got), want)
				}
			}
		}
		one := strings.Join(q, " ")
		if len(q) > 1 {
			continue // Search takes the query as one phrase
		}
		want := referenceOver(tasks, vals, Find{Words: q}, 50)
		if strings.Contains(one, "\x00") {
			want = nil
		}
		got, err := s.Search(ctx, one, 50)
		if err != nil || !slices.Equal(localIDs(got), want) {
			t.Fatalf("Search %q: %v %v, want %v", one, localIDs(got), err, want)
		}
	}
}

func packChunks(t *testing.T, s *Store) (chunks int, edge []byte) {
	t.Helper()
	s.view(func(tx *bolt.Tx) error {
		edge = bytes.Clone(packEdge(tx))
		if pb := tx.Bucket([]byte(bPack)); pb != nil {
			chunks = pb.Stats().KeyN
		}
		return nil
	})
	return chunks, edge
}

func smallPackStore(t *testing.T, n int) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "history.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := SeedHistory(s, n, epoch); err != nil {
		t.Fatal(err)
	}
	s.packSizes = packLimits{chunk: 700, tail: 15, tailLimit: 30}
	if err := s.maybeSeal(); err != nil {
		t.Fatal(err)
	}
	if chunks, edge := packChunks(t, s); chunks < 10 || edge == nil {
		t.Fatalf("%d chunks, edge %q: not packed", chunks, edge)
	}
	return s
}

// The pack gives the answers the per-task bucket gave, and keeps giving
// them as old tasks are changed, removed and added below its edge.
func TestSearchPackAnswersAsBefore(t *testing.T) {
	t.Parallel()
	s := smallPackStore(t, 400)
	sameAnswers(t, s)
	if err := s.Check(); err != nil {
		t.Fatalf("check after sealing: %v", err)
	}

	all := referenceFind(t, s, Find{}, 1<<30)
	oldest, old := all[len(all)-1], all[len(all)-40]
	if _, err := s.Update(old, func(tk *Task) error {
		tk.Request.Prompt = "Quokka Renamed far below the edge"
		tk.Seeds = []int{987654}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(oldest); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(all[len(all)-2]); err != nil { // the oldest chunk's first entry, now
		t.Fatal(err)
	}
	imported := &Task{LocalID: s.NewLocalID(), Kind: KindImport, Status: StatusSucceeded, TaskID: "importedwombat",
		CreatedAt: epoch.Add(-400 * 24 * time.Hour), Request: Request{Prompt: "A Wombat from long ago"}}
	zero := &Task{LocalID: s.NewLocalID(), Kind: KindGenerate, Status: StatusFailed, Request: Request{Prompt: "zero time wombat"}}
	for _, tk := range []*Task{imported, zero} {
		if err := s.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
	sameAnswers(t, s, "quokka", "987654", "wombat", "importedwombat", "renamed far")
	if got, _ := s.Find(context.Background(), Find{Words: []string{"wombat"}}, 50); len(got) != 2 {
		t.Fatalf("wombat: %d tasks, want the import and the zero-time task", len(got))
	}
	if err := s.Check(); err != nil {
		t.Fatalf("check after changes below the edge: %v", err)
	}
	// A seal moves the edge up over the entries added since.
	for i := range 40 {
		tk := &Task{LocalID: s.NewLocalID(), Kind: KindGenerate, Status: StatusRunning, CreatedAt: epoch.Add(time.Duration(i+1) * time.Hour * 24 * 365),
			Request: Request{Prompt: fmt.Sprintf("late numbat %d", i)}}
		if err := s.Put(tk); err != nil {
			t.Fatal(err)
		}
	}
	_, before := packChunks(t, s)
	if err := s.maybeSeal(); err != nil {
		t.Fatal(err)
	}
	if _, after := packChunks(t, s); bytes.Compare(after, before) <= 0 {
		t.Fatalf("the edge did not move up: %q, then %q", before, after)
	}
	sameAnswers(t, s, "numbat", "late numbat 3")
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// A history from before the pack (none in it) gets one when first opened
// for writing, and answers as before; opened read-only it is searched as
// it is.
func TestSearchPackBuiltForAnOlderHistory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.packSizes = packLimits{chunk: packChunk, tail: packTail, tailLimit: 1 << 30} // seeding seals no pack
	if err := SeedHistory(s, packTailLimit+150, epoch); err != nil {
		t.Fatal(err)
	}
	if chunks, edge := packChunks(t, s); chunks != 0 || edge != nil { // as a veox before the pack left it
		t.Fatal("a pack already")
	}
	s.Close()

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, ro)
	if chunks, _ := packChunks(t, ro); chunks != 0 {
		t.Fatal("a read-only open wrote a pack")
	}
	ro.Close()

	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chunks, edge := packChunks(t, s)
	if chunks == 0 || edge == nil {
		t.Fatal("opening the older history built no pack")
	}
	tail := 0
	s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bSearch)).Cursor()
		for k, _ := c.Last(); k != nil && !packed(edge, k); k, _ = c.Prev() {
			tail++
		}
		return nil
	})
	if tail != packTail+1 {
		t.Fatalf("%d entries above the edge, want %d", tail, packTail+1)
	}
	sameAnswers(t, s)
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// The chunks read with pread are the bytes bbolt maps; a damaged pack is
// found by Check and rebuilt by Reindex.
func TestSearchPackReadAndChecked(t *testing.T) {
	t.Parallel()
	s := smallPackStore(t, 300)
	read := 0
	err := s.viewFile(func(tx *bolt.Tx, f *os.File) error {
		if f == nil {
			return errors.New("no file for the unit")
		}
		var buf []byte
		return tx.Bucket([]byte(bPack)).ForEach(func(_, v []byte) error {
			var got []byte
			got, buf = chunkBytes(tx, f, v, buf)
			if !bytes.Equal(got, v) {
				return errors.New("pread bytes differ from the mapped ones")
			}
			if unsafeSame(got, v) {
				return errors.New("chunk not read from the file")
			}
			read++
			return nil
		})
	})
	if err != nil || read == 0 {
		t.Fatalf("%d chunks read: %v", read, err)
	}

	for name, damage := range map[string]func(tx *bolt.Tx) error{
		"garbage chunk": func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte(bPack)).Cursor().First()
			return tx.Bucket([]byte(bPack)).Put(bytes.Clone(k), []byte{0xff, 0xff, 0xff})
		},
		"chunk lost": func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte(bPack)).Cursor().Last()
			return tx.Bucket([]byte(bPack)).Delete(bytes.Clone(k))
		},
		"edge lost": func(tx *bolt.Tx) error { return tx.Bucket([]byte(bMeta)).Delete([]byte(metaPackEdge)) },
	} {
		if err := s.update(damage); err != nil {
			t.Fatal(err)
		}
		var ce *CheckError
		if err := s.Check(); !errors.As(err, &ce) || !strings.Contains(err.Error(), bSearch) {
			t.Fatalf("%s: check says %v", name, err)
		}
		if err := s.Reindex(); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("%s: after Reindex: %v", name, err)
		}
		sameAnswers(t, s)
		s.packSizes = packLimits{chunk: 700, tail: 15, tailLimit: 30}
		if err := s.maybeSeal(); err != nil {
			t.Fatal(err)
		}
	}
}

func unsafeSame(a, b []byte) bool { return len(a) > 0 && &a[0] == &b[0] }

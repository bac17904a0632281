package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Words match in any order and across fields, ids and seeds are words
// too, and status, kind and Match narrow what the words found.
func TestFindWordsInAnyOrderWithFilters(t *testing.T) {
	s, _ := openTemp(t)
	if err := SeedHistory(s, 400, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	all, _, _ := s.List(Query{Limit: 1000})
	target := all[37]
	words := strings.Fields(strings.ToLower(target.Request.Prompt))
	a, b := words[1], words[len(words)-1]
	ctx := context.Background()
	found := func(f Find) []Task {
		t.Helper()
		ts, err := s.Find(ctx, f, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	has := func(ts []Task, id string) bool {
		for _, x := range ts {
			if x.LocalID == id {
				return true
			}
		}
		return false
	}
	rev := found(Find{Words: []string{strings.ToUpper(b), a}})
	if !has(rev, target.LocalID) {
		t.Fatalf("%q %q in reverse order did not find %q", b, a, target.Request.Prompt)
	}
	for _, x := range rev {
		p := strings.ToLower(x.Request.Prompt + x.TaskID + x.LocalID + x.Request.Watermark)
		if !strings.Contains(p, a) && !strings.Contains(p, b) {
			t.Fatalf("%q holds neither word", x.Request.Prompt)
		}
	}
	if n := len(found(Find{Words: []string{a, b, "zzzz-nothing"}})); n != 0 {
		t.Fatalf("a word no task holds still found %d", n)
	}
	if ts := found(Find{Words: []string{target.TaskID[:8]}}); !has(ts, target.LocalID) {
		t.Fatal("a short service id did not find its task")
	}
	if ts := found(Find{Words: []string{strconv.Itoa(target.Seeds[0])}}); !has(ts, target.LocalID) {
		t.Fatal("the seed did not find its task")
	}
	failed := found(Find{Statuses: []string{StatusFailed}, Kinds: []string{KindGenerate}})
	if len(failed) == 0 {
		t.Fatal("no failed generates")
	}
	for _, x := range failed {
		if x.Status != StatusFailed || x.Kind != KindGenerate {
			t.Fatalf("the filter let %s %s through", x.Status, x.Kind)
		}
	}
	local := found(Find{Match: func(t *Task) bool { return len(t.Files) > 0 }})
	if len(local) == 0 || len(local) == len(all) {
		t.Fatalf("Match kept %d of %d", len(local), len(all))
	}
	if ts, _ := s.Find(ctx, Find{}, 5); len(ts) != 5 || ts[0].LocalID != all[0].LocalID {
		t.Fatal("an empty Find is not the newest tasks, limited")
	}
}

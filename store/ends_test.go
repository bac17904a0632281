package store

import (
	"slices"
	"testing"
	"time"
)

// Oldest and then Above page by page read the whole history from its
// oldest end, in the same pages and order List reads it from the newest,
// for every filter; each page's start cursor reads it again with List.
func TestOldestAndAboveWalkTheHistoryUpwards(t *testing.T) {
	s, _ := openTemp(t)
	if err := SeedHistory(s, 537, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{{Limit: 50}, {Limit: 7, Statuses: []string{StatusFailed}}, {Limit: 1000}, {Limit: 3, Kinds: []string{KindExtend}}} {
		all, _, err := s.List(Query{Statuses: q.Statuses, Kinds: q.Kinds, Limit: 100000})
		if err != nil || len(all) == 0 {
			t.Fatalf("%+v: %d tasks, %v", q, len(all), err)
		}
		page, from, err := s.Oldest(q)
		if err != nil {
			t.Fatal(err)
		}
		var got []Task
		for {
			if len(page) > q.Limit {
				t.Fatalf("%+v: a page of %d", q, len(page))
			}
			got = append(slices.Clone(page), got...)
			if from == "" {
				break
			}
			again, _, err := s.List(Query{Statuses: q.Statuses, Kinds: q.Kinds, Cursor: from, Limit: q.Limit})
			if err != nil || len(again) != len(page) || again[0].LocalID != page[0].LocalID {
				t.Fatalf("%+v: List from the page's start reads %d tasks, not the page's %d (%v)", q, len(again), len(page), err)
			}
			at := from
			if page, from, err = s.Above(q, at); err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				t.Fatalf("%+v: an empty page above %s", q, at)
			}
		}
		if len(got) != len(all) {
			t.Fatalf("%+v: walked %d tasks upwards, the history has %d", q, len(got), len(all))
		}
		for i := range all {
			if got[i].LocalID != all[i].LocalID {
				t.Fatalf("%+v: task %d is %s, List says %s", q, i, got[i].LocalID, all[i].LocalID)
			}
		}
		if n := min(q.Limit, len(all)); len(got) >= n {
			oldest, _, _ := s.Oldest(q)
			if len(oldest) != n || oldest[n-1].LocalID != all[len(all)-1].LocalID {
				t.Fatalf("%+v: the oldest page does not end with the oldest task", q)
			}
		}
	}
	if page, from, err := s.Above(Query{Limit: 5}, ""); page != nil || from != "" || err != nil {
		t.Fatal("above the newest page there is something")
	}
	if _, _, err := s.Above(Query{Limit: 5}, "!!"); err == nil {
		t.Fatal("a broken cursor was taken")
	}
}

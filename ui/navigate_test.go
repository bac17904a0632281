package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/veox/veox/store"
)

// G (end, >) reaches the oldest task of the whole history in one key, home
// (<) the newest; ctrl+d and ctrl+u move half a screen; the header says
// where the cursor is; g still generates (issue 15.2).
func TestNavigationOverTheWholeHistory(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, e := seededRoot(t, sz.w, sz.h, false)
			all, _, err := e.Store.List(store.Query{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(firstLine(m), "1 of 300") {
				t.Fatalf("no position at start:\n%s", firstLine(m))
			}
			m.press("G")
			if got := m.list.Selected().LocalID; got != all[len(all)-1].LocalID {
				t.Fatalf("G selected %s, not the oldest task %s", got, all[len(all)-1].LocalID)
			}
			if !strings.Contains(firstLine(m), "300 of 300") {
				t.Fatalf("G: the header does not say 300 of 300:\n%s", firstLine(m))
			}
			half := (sz.h - 2 - 5) / 2 // the list's rows, halved
			m.press("ctrl+u")
			if !strings.Contains(firstLine(m), strconv.Itoa(300-half)+" of 300") {
				t.Fatalf("ctrl+u from the oldest: want %d of 300:\n%s", 300-half, firstLine(m))
			}
			m.press("ctrl+d", "ctrl+d")
			if !strings.Contains(firstLine(m), "300 of 300") {
				t.Fatalf("ctrl+d twice did not come back to the end:\n%s", firstLine(m))
			}
			m.press("<")
			if m.list.Selected().LocalID != all[0].LocalID || !strings.Contains(firstLine(m), "1 of 300") {
				t.Fatalf("< did not go back to the newest:\n%s", firstLine(m))
			}
			m.press("ctrl+d")
			if !strings.Contains(firstLine(m), strconv.Itoa(1+half)+" of 300") {
				t.Fatalf("ctrl+d from the top: want %d of 300:\n%s", 1+half, firstLine(m))
			}
			m.press("end", "home", ">")
			if m.list.Selected().LocalID != all[len(all)-1].LocalID {
				t.Fatal("end, home, > did not end on the oldest")
			}
			m.press("g")
			if m.top() != scrCompose {
				t.Fatalf("g no longer opens the composer (top %v)", m.top())
			}
			m.press("esc")
			m.press("?")
			help := m.View()
			for _, want := range []string{"end/G", "oldest", "home/<", "newest", "ctrl+d", "g     generate"} {
				if !strings.Contains(help, want) {
					t.Errorf("help lacks %q:\n%s", want, help)
				}
			}
		})
	}
}

package ui

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/tasklist"
	"github.com/veox/veox/ui/theme"
)

// colourRig is newRig in colours (ANSI 256), for what only colour shows.
func colourRig(t *testing.T, w, h int) (*rig, *uitest.Env) {
	t.Helper()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, 0, 0, p.Now)
	if err := store.SeedHistory(e.Store, 300, uitest.Now); err != nil {
		t.Fatal(err)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	m := New(Options{Service: e.Svc, Demo: true, Tick: p.Timer, Now: p.Now, Output: &bytes.Buffer{}, Styles: theme.New(r)})
	p.Update = m.update
	rg := &rig{Model: &m, p: p}
	rg.send(tea.WindowSizeMsg{Width: w, Height: h})
	p.Run(m.Init())
	return rg, e
}

// search types a query into the field, lets the debounce fire and
// leaves the field for the results.
func (r *rig) search(q string) {
	r.press("/")
	for _, c := range q {
		r.press(string(c))
	}
	r.p.Advance(time.Second)
	r.press("enter")
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func plain(s string) string { return sgr.ReplaceAllString(s, "") }

// Two words in reverse order find the task and both are highlighted
// (reversed) in its row; a short id and a seed find their task too
// (issue 15.4).
func TestSearchWordsInAnyOrderHighlighted(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, e := colourRig(t, sz.w, sz.h)
			all, _, _ := e.Store.List(store.Query{Statuses: []string{store.StatusSucceeded}, Limit: 50})
			target := all[7]
			words := strings.Fields(target.Request.Prompt)
			a, b := words[1], words[2] // both on screen at 80 columns, beside the id column
			m.search(strings.ToLower(b) + " " + strings.ToUpper(a))
			var row string
			for _, l := range strings.Split(m.View(), "\n") {
				if strings.Contains(plain(l), strconv.Itoa(target.Seeds[0])) {
					row = l
				}
			}
			if row == "" {
				t.Fatalf("%q %q did not find %q:\n%s", b, a, target.Request.Prompt, plain(m.View()))
			}
			for _, w := range []string{a, b} {
				if !regexp.MustCompile("\x1b\\[([0-9]+;)*7(;[0-9]+)*m" + regexp.QuoteMeta(w)).MatchString(row) {
					t.Errorf("%q is not highlighted (reversed) in the row: %q", w, row)
				}
			}
			if !strings.Contains(regexp.MustCompile(`\s+`).ReplaceAllString(plain(firstLine(m)), " "), "found") {
				t.Errorf("the header does not say what was found: %q", plain(firstLine(m)))
			}
			for _, id := range []string{target.TaskID[:8], strconv.Itoa(target.Seeds[0])} {
				m.press("esc")
				m.search(id)
				if sel := m.list.Selected(); sel == nil || sel.LocalID != target.LocalID {
					t.Errorf("searching %q did not put its task first", id)
				}
			}
		})
	}
}

// Filters combine with words and with each other, a filter veox does not
// know says what it takes, and the search stays when the view changes
// (issue 15.4).
func TestSearchFiltersAndViews(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, e := seededRoot(t, sz.w, sz.h, false)
			m.search("kind:gen status:failed")
			want, _ := e.Store.Find(t.Context(), store.Find{Kinds: []string{store.KindGenerate}, Statuses: []string{store.StatusFailed}}, 1000)
			rows := resultRows(t, m)
			if len(rows) != len(want) || len(want) == 0 {
				t.Fatalf("kind:gen status:failed shows %d rows, the history has %d", len(rows), len(want))
			}
			word := strings.ToLower(strings.Fields(want[0].Request.Prompt)[1])
			m.press("esc")
			m.search(word + " is:downloaded model:fast")
			for _, r := range resultRows(t, m) {
				if len(r.Files) == 0 || !strings.Contains(strings.ToLower(r.Request.Prompt+r.TaskID+r.LocalID), word) {
					t.Fatalf("%q let through %s (%d files)", word+" is:downloaded", r.Request.Prompt, len(r.Files))
				}
			}
			m.press("esc")
			m.search(word)
			before := len(resultRows(t, m))
			m.press("3") // the Failed view: the same search within it
			m.p.Advance(time.Second)
			if m.list.CurrentView() != tasklist.Failed || !strings.Contains(firstLine(m), word) {
				t.Fatalf("switching to Failed lost the search:\n%s", firstLine(m))
			}
			after := resultRows(t, m)
			if len(after) == 0 || len(after) >= before {
				t.Fatalf("%q: %d results in All, %d in Failed", word, before, len(after))
			}
			for _, r := range after {
				if r.Status != store.StatusFailed {
					t.Fatalf("the Failed view's search shows a %s task", r.Status)
				}
			}
			m.press("esc")
			m.search("status:bogus fox")
			if !strings.Contains(m.View(), "status: takes done, failed") {
				t.Fatalf("an unknown status is not explained:\n%s", m.View())
			}
		})
	}
}

// resultRows are the tasks the search shows, through the list's cursor.
func resultRows(t *testing.T, m *rig) []store.Task {
	t.Helper()
	var out []store.Task
	m.press("home")
	seen := map[string]bool{}
	for sel := m.list.Selected(); sel != nil && !seen[sel.LocalID]; sel = m.list.Selected() {
		seen[sel.LocalID] = true
		out = append(out, *sel)
		m.press("down")
	}
	m.press("home")
	return out
}

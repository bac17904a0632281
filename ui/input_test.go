package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// keyWords is prose holding every key name a binding of the TUI matches,
// as a creator might paste or dictate it.
const keyWords = "The camera tilts up, then pans left to reveal the end of the road; a sign reads esc now. " +
	"down right enter tab home pgup pgdown q ? y n j k g G d D x N f c o u r p s 1 2 3 4 / [ ] " +
	"ctrl+s ctrl+c ctrl+l ctrl+p ctrl+e ctrl+r shift+tab alt+up"

// paste delivers text unbracketed, as Bubble Tea v1 reads it from a
// terminal: a key message per word, a space between.
func (r *rig) paste(text string) {
	for _, k := range uitest.Paste(text) {
		r.send(k)
	}
}

// Pasting words that name keys into every field of both forms leaves the
// text whole in its field and the form where it was; nothing is sent.
func TestKeyWordsPastedIntoTheComposerAreText(t *testing.T) {
	t.Parallel()
	for _, form := range []struct {
		key    string
		fields []string
		// before moves the focus to the field (real keys: tab, →).
		before map[string][]string
	}{
		{"N", []string{"source", "prompt", "seed", "watermark", "callback"},
			map[string][]string{"prompt": {"tab"}, "seed": {"tab", "tab"}, "watermark": {"tab"}, "callback": {"tab"}}},
		{"g", []string{"prompt", "images", "seed", "watermark", "callback"},
			// Images show for image videos: → on Type picks first & last frames.
			map[string][]string{"images": {"tab", "right", "tab"}, "seed": {"tab", "tab", "tab", "tab", "tab"},
				"watermark": {"tab"}, "callback": {"tab"}}},
	} {
		m, e := seededRoot(t, 200, 40, false)
		m.press(form.key)
		for _, f := range form.fields {
			m.press(form.before[f]...)
			m.paste(keyWords)
			if m.top() != scrCompose || !m.compose.Typing() {
				t.Fatalf("%s, %s: the paste moved the screen (top %v, typing %v)", form.key, f, m.top(), m.compose.Typing())
			}
			if got := m.compose.Draft().Value(f); got != keyWords {
				t.Errorf("%s, %s holds\n%q\nwant\n%q", form.key, f, got, keyWords)
			}
		}
		if n := e.Srv.Sim.Creates(); n != 0 {
			t.Errorf("%s: %d creates sent while pasting", form.key, n)
		}
	}
}

func TestKeyWordsPastedIntoTheSearchAreText(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 300, 40, false) // wide enough to show the field whole
	m.press("/")
	m.paste(keyWords)
	if m.top() != scrTasks || !m.list.Typing() {
		t.Fatalf("the paste left the search field (top %v)", m.top())
	}
	if v := m.View(); !strings.Contains(v, "/ "+keyWords) {
		t.Errorf("the search field does not hold the text:\n%s", v)
	}
}

func TestKeyWordsPastedIntoTheSettleIDAreText(t *testing.T) {
	t.Parallel()
	m, e := seededRoot(t, 300, 40, false) // wide enough to show the field whole
	active, _ := e.Store.Active()
	var unknown *store.Task
	for i := range active {
		if active[i].Status == store.StatusUnknown {
			unknown = &active[i]
		}
	}
	if unknown == nil {
		t.Fatal("the seeded history has no unknown create")
	}
	m.send(request.OpenDetails{ID: unknown.LocalID})
	m.press("s")
	m.paste(keyWords)
	if m.top() != scrDetails || !m.details.v().Typing() {
		t.Fatalf("the paste left the settle field (top %v)", m.top())
	}
	if v := m.View(); !strings.Contains(v, "task id: "+keyWords) {
		t.Errorf("the settle field does not hold the text:\n%s", v)
	}
	if got, _ := e.Store.Get(unknown.LocalID); got.Status != store.StatusUnknown {
		t.Errorf("the paste settled the task: %s", got.Status)
	}
}

// Outside text fields, letters that arrive together are that many presses:
// a held-down j moves the cursor a row per j; a bracketed paste does
// nothing there.
func TestHeldDownKeyIsOnePressPerLetter(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 120, 36, false)
	first := m.list.Selected().LocalID
	m.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjjj")})
	m.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("k")})
	m.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	ts, _, _ := m.o.Service.Store().List(store.Query{Limit: 10})
	if ts[0].LocalID != first {
		t.Fatalf("the list did not start at the newest task")
	}
	if got := m.list.Selected().LocalID; got != ts[5].LocalID {
		t.Errorf("after jjjj k jj the cursor is on %s, want row 5 (%s)", got, ts[5].LocalID)
	}
	m.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("gq"), Paste: true})
	if m.top() != scrTasks || m.list.Selected().LocalID != ts[5].LocalID {
		t.Errorf("a bracketed paste on the task list acted as keys")
	}
}

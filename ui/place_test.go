package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/place"
	"github.com/veox/veox/ui/tasklist"
)

// placeRig starts the root on a seeded history whose state folder is dir.
func placeRig(t *testing.T, e *uitest.Env, dir string, w, h int) *rig {
	t.Helper()
	o := Options{Service: e.Svc, Demo: true}
	o.Place = place.Path(filepath.Join(dir, "veox.log"))
	return newRig(&uitest.Pump{}, o, w, h)
}

func seeded(t *testing.T, n int) *uitest.Env {
	t.Helper()
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	if err := store.SeedHistory(e.Store, n, uitest.Now); err != nil {
		t.Fatal(err)
	}
	return e
}

// Relaunching reopens the view, the search and the selected task, even one
// far past the first page (issue 15.8).
func TestRelaunchReopensThePlace(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			e, dir := seeded(t, 300), t.TempDir()
			r := placeRig(t, e, dir, sz.w, sz.h)
			r.press("pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "down", "down")
			want := r.list.Selected()
			if want == nil {
				t.Fatal("nothing selected")
			}
			savePlace(r.o, *r.Model)
			if fi, err := os.Stat(filepath.Join(dir, "place.json")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("place file: %v %v", fi, err)
			}

			again := placeRig(t, e, dir, sz.w, sz.h)
			got := again.list.Selected()
			if got == nil || got.LocalID != want.LocalID {
				t.Fatalf("reopened on %v, want %s", got, want.LocalID)
			}
			// The rows above it come as the cursor goes up, and home reaches the newest.
			again.press("g")
			if again.list.Selected() == nil {
				t.Fatal("nothing selected after home")
			}

			// A view and a search come back too.
			r.press("3", "/", "e", "enter")
			r.p.Advance(2 * 1e9)
			sel := r.list.Selected()
			savePlace(r.o, *r.Model)
			third := placeRig(t, e, dir, sz.w, sz.h)
			if third.list.CurrentView() != tasklist.Failed || third.list.Place().Query != "e" {
				t.Fatalf("reopened on view %v query %q", third.list.CurrentView(), third.list.Place().Query)
			}
			if sel != nil && (third.list.Selected() == nil || third.list.Selected().LocalID != sel.LocalID) {
				t.Fatalf("reopened search on %v, want %s", third.list.Selected(), sel.LocalID)
			}
		})
	}
}

// A task that is gone leaves the cursor on the nearest older one.
func TestRelaunchOnAGoneTaskSelectsTheNearest(t *testing.T) {
	t.Parallel()
	e, dir := seeded(t, 300), t.TempDir()
	ts, _, err := e.Store.List(store.Query{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	near := ts[150]
	p := place.Place{View: "all", ID: "gone-task", At: near.CreatedAt.Add(1)}
	if ts[149].CreatedAt.Equal(p.At) || ts[149].CreatedAt.Before(p.At) {
		t.Skip("seeded tasks too close in time")
	}
	if err := place.Save(filepath.Join(dir, "place.json"), p); err != nil {
		t.Fatal(err)
	}
	r := placeRig(t, e, dir, 80, 24)
	if got := r.list.Selected(); got == nil || got.LocalID != near.LocalID {
		t.Fatalf("reopened on %v, want the nearest %s", got, near.LocalID)
	}
}

// A damaged place file is ignored without a word: the list opens as on a
// first start.
func TestDamagedPlaceIsIgnored(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"{not json", "", `{"view":"nonsense","at":"yesterday"}`, strings.Repeat("x", 100000)} {
		e, dir := seeded(t, 50), t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "place.json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r := placeRig(t, e, dir, 80, 24)
		fresh := placeRig(t, e, t.TempDir(), 80, 24)
		if r.list.CurrentView() != tasklist.All || r.list.Selected() == nil ||
			r.list.Selected().LocalID != fresh.list.Selected().LocalID {
			t.Fatalf("damaged place %q changed the start: %v", body[:min(len(body), 20)], r.list.Selected())
		}
		if r.View() != fresh.View() {
			t.Errorf("damaged place %q: screen differs from a fresh start:\n%s", body[:min(len(body), 20)], r.View())
		}
	}
}

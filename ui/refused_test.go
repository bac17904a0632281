package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// A create the service refused made nothing and cost nothing: it is not a
// failure (the Failed tab does not count it), not a child of its source,
// and x takes its entry away; x leaves anything that exists upstream.
func TestRefusedIsNotAFailureAndXRemovesIt(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.env.Srv.Sim.PushPlan(sim.Plan{RejectCode: 400, RejectMsg: "content policy"})
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	f.shows(t, "refused")
	f.press("esc")
	refused := f.newest(store.KindExtend)
	if refused == nil || refused.Status != store.StatusRefused {
		t.Fatalf("the refusal is recorded as %+v", refused)
	}
	f.shows(t, "⊘ refused")
	f.shows(t, "Failed 0")
	f.press("down", "enter") // the lighthouse, below the refusal
	if v := f.View(); !strings.Contains(v, "lighthouse") || strings.Contains(v, "Made from it") {
		t.Errorf("the source lists the refusal among what was made from it:\n%s", v)
	}
	f.press("esc")
	f.list, _ = f.list.Select(refused.LocalID)
	if sel := f.list.Selected(); sel == nil || sel.LocalID != refused.LocalID {
		t.Fatal("the refused entry is not on the list")
	}
	f.press("x")
	if _, err := f.env.Store.Get(refused.LocalID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("x left the refused entry in the history: %v", err)
	}
	if v := f.View(); strings.Contains(v, "⊘ refused") || !strings.Contains(f.bar.Message, "removed the refused entry") {
		t.Fatalf("the entry is still shown, or the removal not said (%q):\n%s", f.bar.Message, v)
	}
	src := f.list.Selected()
	f.press("x")
	if _, err := f.env.Store.Get(src.LocalID); err != nil {
		t.Fatalf("x removed %s, which exists at the service: %v", src.Kind, err)
	}
	if !strings.Contains(f.bar.Error, "exists at the service") {
		t.Errorf("x on a real task does not say why it stays: %q", f.bar.Error)
	}
}

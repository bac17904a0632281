package details

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// Issue 8.7: s asks the service about the typed id, shows its prompt and
// model beside the lost create's, and only a confirmed id is handed on; a
// differing one only with F.
func TestSettleShowsTheServicesAnswerBeforeAttaching(t *testing.T) {
	t.Parallel()
	e := uitest.NewEnv(t, 0, 0, uitest.Clock)
	e.Srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	lost, err := e.Svc.Extend(t.Context(), tasks.ExtendInput{Source: sim.DemoForest, Prompt: "fog lifts over the pines"})
	if !errors.Is(err, tasks.ErrUnknownOutcome) {
		t.Fatalf("setup: %v", err)
	}
	realID := e.Srv.Sim.Dashboard()[0]
	m := New(Deps{Service: e.Svc, Styles: uitest.Styles(), Now: uitest.Clock, Ctx: context.Background()}, lost.LocalID).SetSize(100, 24)
	m.run(m.Init())
	typeID := func(id string) []tea.Msg {
		m.press("s")
		m.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(id)})
		return m.press("enter")
	}

	typeID("c2ac913cc2618ee809dd315065c48c5b") // a typo
	v := m.View()
	if !strings.Contains(v, "has no task") || !strings.Contains(v, "fog lifts over the pines") || !strings.Contains(v, "F attaches") {
		t.Fatalf("the refusal and the lost create are not shown:\n%s", v)
	}
	if got := m.press("y"); len(got) != 1 {
		t.Errorf("y attached an id the service does not know: %v", got)
	}
	m.press("esc")
	if got, _ := e.Store.Get(lost.LocalID); got.Status != store.StatusUnknown {
		t.Fatalf("the create changed: %s", got.Status)
	}

	typeID(realID)
	v = m.View()
	if !strings.Contains(v, "They match") || strings.Count(v, "fog lifts over the pines") < 2 || !strings.Contains(v, "model fast") {
		t.Fatalf("the service's answer is not shown beside the create:\n%s", v)
	}
	got := m.press("y")
	want := request.Settle{ID: lost.LocalID, TaskID: realID}
	if len(got) < 2 || got[1] != want {
		t.Errorf("confirm sent %v, want %v", got, want)
	}
}

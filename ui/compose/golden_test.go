package compose

import (
	"fmt"
	"testing"
	"time"

	"github.com/veox/veox/store"
)

// demoSource is a finished video as the history holds it, fixed so the
// goldens do not depend on the simulator's ids.
func demoSource() *store.Task {
	done := fixedNow.Add(-26 * time.Hour)
	return &store.Task{LocalID: "l1", TaskID: "c2ac913cc2618ee809dd315065c48c5a", Kind: store.KindGenerate,
		Status: store.StatusSucceeded, CompletedAt: done, CreatedAt: done.Add(-time.Minute),
		Request: store.Request{Prompt: "A lighthouse on a rocky cliff at dusk, waves crashing below, slow aerial orbit", Model: "veo3_fast"},
		Files:   []store.File{{Path: "/v/a.mp4", Duration: 8 * time.Second}}}
}

func viewDeps() Deps {
	return Deps{Styles: asciiStyles(), Now: func() time.Time { return fixedNow }, Tick: heldTimers()}
}

// withBalance feeds the balance as the service would have answered it.
func withBalance(m Model, n float64) Model {
	m, _ = m.Update(creditsMsg{inst: m.inst, gen: m.bal.gen, credits: n})
	return m
}

var sizes = [][2]int{{80, 24}, {120, 36}}

func TestGoldenExtendForm(t *testing.T) {
	for _, sz := range sizes {
		m := NewExtend(viewDeps(), demoSource()).SetSize(sz[0], sz[1])
		m = withBalance(m, 5916.25)
		m = typeText(t, m, "The camera pulls back to reveal a storm rolling in")
		golden(t, fmt.Sprintf("extend_%dx%d", sz[0], sz[1]), m.View())
	}
}

func TestGoldenExtendConfirm(t *testing.T) {
	for _, sz := range sizes {
		m := NewExtend(viewDeps(), demoSource()).SetSize(sz[0], sz[1])
		m = withBalance(m, 5000)
		m = typeText(t, m, "The camera pulls back to reveal a storm rolling in")
		m, _ = press(t, m, "tab", "right", "tab")
		m = typeText(t, m, "12345")
		m, _ = press(t, m, "tab")
		m = typeText(t, m, "veox demo")
		m, _ = press(t, m, "ctrl+s")
		if m.stage != stageConfirm {
			t.Fatalf("not at the confirm step: %v\n%s", m.errs, m.View())
		}
		m = withBalance(m, 5000)
		m, _ = m.Update(todayMsg{inst: m.inst, gen: m.spent.gen, credits: 310})
		golden(t, fmt.Sprintf("extend_confirm_%dx%d", sz[0], sz[1]), m.View())
	}
}

func TestGoldenGenerateForm(t *testing.T) {
	for _, sz := range sizes {
		m := NewGenerate(viewDeps()).SetSize(sz[0], sz[1])
		m = withBalance(m, 5000)
		m = typeText(t, m, "A paper boat floating down a rain gutter")
		m, _ = press(t, m, "tab", "right", "right", "tab")
		golden(t, fmt.Sprintf("generate_%dx%d", sz[0], sz[1]), m.View())
	}
}

func TestGoldenExtendTypedSource(t *testing.T) {
	m := NewExtend(viewDeps(), nil).SetSize(80, 24)
	m = withBalance(m, 5000)
	golden(t, "extend_typed_80x24", m.View())
}

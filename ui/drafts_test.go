package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/tasklist"
)

// A filled form left with esc is kept as a draft and comes back the next
// time that form opens; submitting it, or clearing it, lets it go.
func TestEscKeepsTheGenerateFormAsADraft(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	urls := "https://img.example.com/a.png\nhttps://img.example.com/b.png"
	f.press("g")
	f.typeText("a storm over the sea")
	f.press("tab", "right", "tab") // Type: first & last frames; then Images
	f.paste(urls)
	f.press("esc")
	if f.top() != scrTasks || !strings.Contains(f.bar.Message, "draft kept") {
		t.Fatalf("esc: top %v, status %q; want the list and \"draft kept\"", f.top(), f.bar.Message)
	}
	f.press("g")
	d := f.compose.Draft()
	if d.Value("prompt") != "a storm over the sea" || d.Value("images") != urls || d.Value("type") != "frames" {
		t.Fatalf("the reopened form holds prompt %q, type %q, images %q", d.Value("prompt"), d.Value("type"), d.Value("images"))
	}
	f.shows(t, "draft restored")
	f.press("ctrl+l", "esc")
	f.press("g")
	if p := f.compose.Draft().Value("prompt"); p != "" {
		t.Fatalf("a cleared form came back with %q", p)
	}
	f.typeText("a quiet sea")
	f.press("ctrl+s", "y")
	if f.top() == scrCompose {
		t.Fatalf("the create did not close the form:\n%s", f.View())
	}
	f.press("g")
	if p := f.compose.Draft().Value("prompt"); p != "" {
		t.Errorf("the form of a sent create came back as a draft: %q", p)
	}
}

// An extension's draft belongs to its source: another video's form opens
// empty, and the first one's comes back on that video.
func TestExtendDraftsAreKeptPerSource(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	if _, err := f.env.Svc.Import(t.Context(), sim.DemoForest); err != nil {
		t.Fatal(err)
	}
	var load tea.Cmd
	f.list, load = f.list.SetView(tasklist.All) // the list reads the new import
	f.p.Run(load)
	pick := func(taskID string) {
		t.Helper()
		ts, _, _ := f.env.Store.List(store.Query{Limit: 10})
		for _, tk := range ts {
			if tk.TaskID == taskID {
				f.list, _ = f.list.Select(tk.LocalID)
				if sel := f.list.Selected(); sel == nil || sel.LocalID != tk.LocalID {
					t.Fatalf("%s is not on the list", taskID)
				}
				return
			}
		}
		t.Fatalf("%s is not in the history", taskID)
	}
	pick(sim.DemoLighthouse)
	f.press("n")
	f.typeText("the keeper climbs the stairs")
	f.press("esc")
	pick(sim.DemoForest)
	f.press("n")
	if p := f.compose.Draft().Value("prompt"); p != "" {
		t.Fatalf("the forest's form opened with the lighthouse's draft %q", p)
	}
	f.press("esc")
	pick(sim.DemoLighthouse)
	f.press("n")
	if p := f.compose.Draft().Value("prompt"); p != "the keeper climbs the stairs" {
		t.Errorf("the lighthouse's draft came back as %q", p)
	}
}

// Extending an extension starts from its settings (model, watermark,
// callback), as "run again" does: a chain keeps its brand without retyping.
func TestExtendingAnExtensionKeepsItsSettings(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.press("n")
	f.typeText("the keeper climbs the stairs")
	f.press("tab", "right", "tab", "tab") // Model: quality; Seed; Watermark
	f.typeText("MyBrand")
	f.press("tab")
	f.typeText("https://hooks.example.com/veo")
	f.press("ctrl+s", "y")
	f.until(t, store.KindExtend, func(tk *store.Task) bool { return tk.Status == store.StatusSucceeded })
	if sel := f.list.Selected(); sel == nil || sel.Kind != store.KindExtend {
		t.Fatalf("the extension is not selected: %+v", sel)
	}
	f.press("n")
	d := f.compose.Draft()
	if d.Value("model") != "quality" || d.Value("watermark") != "MyBrand" || d.Value("callback") != "https://hooks.example.com/veo" {
		t.Errorf("extending the extension starts from model %q, watermark %q, callback %q",
			d.Value("model"), d.Value("watermark"), d.Value("callback"))
	}
	if d.Value("prompt") != "" {
		t.Errorf("the prompt was carried over: %q", d.Value("prompt"))
	}
}

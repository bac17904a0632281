package tasks

import (
	"testing"
	"testing/synctest"

	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// Issue 8.8: an extension imported by id gets its parent and its kind
// from the request the service echoes (paramJson.taskId).
func TestImportedExtensionKeepsItsLineage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		ext, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "the tram stops"})
		if err != nil {
			t.Fatal(err)
		}
		r.open(t) // another history: the extension is new to it
		_ = r.st.Delete(ext.LocalID)
		_ = r.st.Delete(sim.DemoCity)
		got, err := r.svc.Import(ctx(t), ext.TaskID)
		if err != nil || got.Kind != store.KindExtend || got.ParentID != sim.DemoCity {
			t.Fatalf("import: %v kind %q parent %q", err, got.Kind, got.ParentID)
		}
		src, err := r.svc.Import(ctx(t), sim.DemoCity)
		if err != nil || src.Kind != store.KindImport || src.ParentID != "" {
			t.Fatalf("a generation imported: %v kind %q parent %q", err, src.Kind, src.ParentID)
		}
		if kids, _ := r.st.Children(sim.DemoCity); len(kids) != 1 || kids[0].TaskID != ext.TaskID {
			t.Errorf("the source's children: %+v", kids)
		}
	})
}

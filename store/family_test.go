package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Family reads in one unit of work exactly what Chain, Children and Kept
// read in three: the list reads it at every move of the cursor.
func TestFamilyIsChainChildrenAndKeptAtOnce(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "history.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	put := func(id, taskID, parent, status string) {
		t.Helper()
		at = at.Add(time.Minute)
		task := &Task{LocalID: id, TaskID: taskID, ParentID: parent, Kind: KindExtend, Status: status, CreatedAt: at}
		if parent == "" {
			task.Kind = KindGenerate
		}
		if err := st.Put(task); err != nil {
			t.Fatal(err)
		}
	}
	put("l1root", "root", "", StatusSucceeded)
	put("l1mid", "mid", "root", StatusSucceeded)
	put("l1kid1", "kid1", "mid", StatusSucceeded)
	put("l1kid2", "kid2", "mid", StatusRunning)
	put("l1refused", "", "mid", StatusRefused)
	if err := st.SetKept("mid", "l1kid2"); err != nil {
		t.Fatal(err)
	}

	chain, kids, kept, err := st.Family("l1mid")
	if err != nil {
		t.Fatal(err)
	}
	wantChain, _ := st.Chain("l1mid")
	wantKids, _ := st.Children("mid")
	wantKept, _ := st.Kept()
	if !reflect.DeepEqual(chain, wantChain) || len(chain) != 2 || chain[1].LocalID != "l1mid" {
		t.Errorf("chain %v; want %v", ids(chain), ids(wantChain))
	}
	if !reflect.DeepEqual(kids, wantKids) || len(kids) != 2 {
		t.Errorf("children %v; want %v (the refused create made nothing)", ids(kids), ids(wantKids))
	}
	if !reflect.DeepEqual(kept, wantKept) || kept["mid"] != "l1kid2" {
		t.Errorf("kept %v; want %v", kept, wantKept)
	}
	if _, _, _, err := st.Family("l1gone"); err == nil {
		t.Error("Family of a task not in the history: no error")
	}
}

package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// nextLive runs the root's wait for the history's next change, failing the
// test if none comes within 10 s (the watcher runs on real file-system
// notifications: they come within milliseconds).
func nextLive(t *testing.T, w *store.Watcher, st *store.Store) tea.Msg {
	t.Helper()
	got := make(chan tea.Msg, 1)
	go func() { got <- nextChange(w, st)() }()
	select {
	case msg := <-got:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("no change came from the watcher")
		return nil
	}
}

// A task another veox creates shows on top of the open list and is
// followed by this one's poller; one it removes leaves the list.
func TestAnotherVeoxsChangesShow(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, time.Hour, time.Hour, p.Now)
	if err := store.SeedHistory(e.Store, 30, uitest.Now); err != nil {
		t.Fatal(err)
	}
	r := newRig(p, Options{Service: e.Svc}, 120, 36)
	seq, err := e.Store.ChangeSeq()
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.Store.Watch(seq)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	other, err := store.Open(e.Store.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	gone := r.list.Selected()
	if gone == nil {
		t.Fatal("the list did not load")
	}
	if err := other.Delete(gone.LocalID); err != nil {
		t.Fatal(err)
	}
	made := &store.Task{LocalID: other.NewLocalID(), TaskID: "made-elsewhere", Kind: store.KindGenerate,
		Request: store.Request{Prompt: "a heron made in another shell"}, CreatedAt: p.Now().Add(time.Hour)}
	made.SetStatus(store.StatusRunning, made.CreatedAt, "")
	if err := other.Put(made); err != nil {
		t.Fatal(err)
	}
	for deadline := 0; !strings.Contains(r.View(), "a heron made in another shell") || strings.Contains(r.View(), gone.Request.Prompt); deadline++ {
		if deadline == 5 {
			t.Fatalf("the change never showed:\n%s", r.View())
		}
		r.send(nextLive(t, w, e.Store))
	}
	if !r.poller.Watching(made.LocalID) {
		t.Error("the running task made elsewhere is not polled here")
	}
}

// A read that arrives after a newer one (the watch and a poll can cross)
// does not put the row back to its older state.
func TestOlderReadDoesNotUndoNewer(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, time.Hour, time.Hour, p.Now)
	if err := store.SeedHistory(e.Store, 10, uitest.Now); err != nil {
		t.Fatal(err)
	}
	r := newRig(p, Options{Service: e.Svc}, 120, 36)
	sel := *r.list.Selected()
	newer, older := sel, sel
	newer.Request.Prompt, newer.UpdatedAt = "the newer state", sel.UpdatedAt.Add(2*time.Second)
	older.Request.Prompt, older.UpdatedAt = "the older state", sel.UpdatedAt.Add(time.Second)
	r.send(request.TaskChanged{Task: newer})
	r.send(liveMsg{tasks: []store.Task{older}})
	if v := r.View(); !strings.Contains(v, "the newer state") || strings.Contains(v, "the older state") {
		t.Fatalf("the older read replaced the newer:\n%s", v)
	}
}

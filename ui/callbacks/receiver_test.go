package callbacks

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

func TestReceiverDeliversSettledTasksToTheProgram(t *testing.T) {
	srv, err := sim.Start(sim.Options{CallbackSecret: "s", MinDuration: 100 * time.Millisecond, MaxDuration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := tasks.New(tasks.Options{API: api.New(api.Options{BaseURL: srv.URL, APIKey: "k"}),
		Downloader: download.New(download.Options{}), Store: st, DownloadDir: t.TempDir()})
	r, err := Start(svc, "127.0.0.1:0", "s")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()

	srv.Sim.PushPlan(sim.Plan{DropAfterCreate: true})
	task, _ := svc.Extend(t.Context(), tasks.ExtendInput{Source: sim.DemoCity, Prompt: "dawn", CallbackURL: "http://" + r.Addr + "/"})
	if task == nil || task.Status != store.StatusUnknown {
		t.Fatalf("setup: %+v", task)
	}
	got := make(chan Msg, 1)
	go func() { got <- r.Listen()().(Msg) }()
	select {
	case m := <-got:
		if m.Err != nil || m.Task == nil || m.Task.LocalID != task.LocalID || m.Task.TaskID == "" {
			t.Fatalf("callback event: %+v", m)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no callback reached the program")
	}
	if (*Receiver)(nil).Listen() != nil {
		t.Fatal("a receiver that is not running must not yield commands")
	}
}

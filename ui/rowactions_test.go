package ui

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
	"github.com/veox/veox/ui/request"
)

// openerLog records what veox handed to the system instead of starting a
// player.
type openerLog struct{ paths []string }

func (o *openerLog) open(path string) error {
	o.paths = append(o.paths, path)
	return nil
}

// rowRig is the root over the seeded history, with the first finished
// generate that has a file selected, its file really on disk.
func rowRig(t *testing.T, w, h int) (*rig, *uitest.Env, *openerLog, *bytes.Buffer, store.Task) {
	t.Helper()
	p := &uitest.Pump{}
	e := uitest.NewEnv(t, 0, 0, p.Now)
	if err := store.SeedHistory(e.Store, 300, uitest.Now); err != nil {
		t.Fatal(err)
	}
	op, out := &openerLog{}, &bytes.Buffer{}
	m := newRig(p, Options{Service: e.Svc, Demo: true, Opener: op.open, Output: out, Settings: config.Settings{}}, w, h)
	ts, _, _ := e.Store.List(store.Query{Kinds: []string{store.KindGenerate}, Statuses: []string{store.StatusSucceeded}, Limit: 100})
	var pick *store.Task
	for i := range ts {
		if len(ts[i].Files) > 0 {
			pick = &ts[i]
			break
		}
	}
	if pick == nil {
		t.Fatal("no downloaded generate in the seeded history")
	}
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, []byte("not really a video"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := e.Store.Update(pick.LocalID, func(t *store.Task) error { t.Files[0].Path = path; return nil })
	if err != nil {
		t.Fatal(err)
	}
	m.send(request.TaskChanged{Task: *got})
	m.list, _ = m.list.Select(got.LocalID)
	if sel := m.list.Selected(); sel == nil || sel.LocalID != got.LocalID {
		t.Fatal("could not select the task")
	}
	return m, e, op, out, *got
}

// What Details offers on a task, the list offers on the selected row:
// play, its folder, copy each value, upscale, run again (issue 15.3).
func TestActionsOnTheSelectedRow(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m, _, op, out, task := rowRig(t, sz.w, sz.h)
			m.press("o")
			if len(op.paths) != 1 || op.paths[0] != task.Files[0].Path || !strings.Contains(m.bar.Message, "opened in the system player") {
				t.Fatalf("o: opened %v, bar %q / %q", op.paths, m.bar.Message, m.bar.Error)
			}
			m.press("O")
			if len(op.paths) != 2 || op.paths[1] != filepath.Dir(task.Files[0].Path) {
				t.Fatalf("O opened %v, want the folder", op.paths)
			}
			for _, c := range []struct{ key, want, says string }{
				{"p", task.Request.Prompt, "prompt"},
				{"s", strconv.Itoa(task.Seeds[0]), "seed"},
				{"i", task.TaskID, "id"},
				{"u", task.BestURLs()[0], "URL"},
				{"f", task.Files[0].Path, "file path"},
			} {
				out.Reset()
				m.press("c")
				if !strings.Contains(m.View(), "copy: u the URL") {
					t.Fatalf("c shows no choice:\n%s", m.View())
				}
				m.press(c.key)
				if !strings.Contains(out.String(), base64.StdEncoding.EncodeToString([]byte(c.want))) {
					t.Errorf("c %s sent %q, not the %s", c.key, out.String(), c.says)
				}
				if !strings.Contains(m.bar.Message, "sent the "+c.says) {
					t.Errorf("c %s: the bar says %q", c.key, m.bar.Message)
				}
			}
			out.Reset()
			m.press("c", "esc")
			if out.Len() != 0 || strings.Contains(m.View(), "copy: u the URL") || m.list.Selected().LocalID != task.LocalID {
				t.Fatal("c then esc copied or moved something")
			}
			m.press("u")
			if m.top() != scrDetails || !strings.Contains(m.View(), "Upscale: 1 = 1080p") {
				t.Fatalf("u did not ask which upscale (top %v):\n%s", m.top(), m.View())
			}
			m.press("esc", "esc")
			if m.top() != scrTasks {
				t.Fatalf("esc twice did not come back to the list (top %v)", m.top())
			}
			m.press("r")
			if m.top() != scrCompose || !strings.Contains(m.View(), task.Request.Prompt[:20]) {
				t.Fatalf("r did not open the composer with the prompt (top %v):\n%s", m.top(), m.View())
			}
		})
	}
}

// Space marks rows; d downloads all the marked ones and x removes the
// marked entries that were never created, keeping the others (issue 15.3).
func TestMarkedRows(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{})
	for _, id := range []string{sim.DemoForest, sim.DemoCity} {
		if _, err := e.Svc.Import(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	f := startFlowOn(t, p, e, config.Settings{})
	f.press("space", "space")
	if v := f.View(); !strings.Contains(v, "2 marked") || strings.Count(v, "\n *") != 2 {
		t.Fatalf("two marks not shown:\n%s", v)
	}
	f.press("space", "up", "space") // the third marked, then the second unmarked
	if f.list.Marked() != 2 {
		t.Fatalf("%d marked, want 2", f.list.Marked())
	}
	f.press("d")
	said := false
	for _, en := range f.log.Entries() {
		said = said || strings.Contains(en.Text, "downloading 2 videos")
	}
	if f.list.Marked() != 0 || !said {
		t.Fatalf("d with marks: %d still marked, messages %v", f.list.Marked(), f.log.Entries())
	}
	f.p.AdvanceUntil(time.Hour, func() bool { return f.downloads.Active() == 0 })
	ts, _, _ := e.Store.List(store.Query{Limit: 10})
	got := 0
	for _, tk := range ts {
		if len(tk.Files) > 0 {
			got++
		}
	}
	if got != 2 {
		t.Fatalf("%d tasks have files after d on two marked rows", got)
	}

	// x removes a dismissed create among the marked and keeps a real one.
	m, e2 := seededRoot(t, 80, 24, false)
	active, _ := e2.Store.Active()
	var dismissed string
	for _, a := range active {
		if a.Status == store.StatusUnknown {
			d, err := e2.Svc.Dismiss(a.LocalID)
			if err != nil {
				t.Fatal(err)
			}
			m.send(request.TaskChanged{Task: *d})
			dismissed = d.LocalID
			break
		}
	}
	m.list, _ = m.list.Select(dismissed)
	m.press("space", "space")
	m.press("x")
	if _, err := e2.Store.Get(dismissed); err == nil {
		t.Fatal("x on the marked rows kept the dismissed entry")
	}
	if !strings.Contains(m.bar.Error, "removed 1 entries") || !strings.Contains(m.bar.Error, "kept 1") {
		t.Fatalf("the bar says %q", m.bar.Error)
	}
}

// The list reads its pages as rows (store.Query.Rows), and a row's whole
// task comes once the cursor rests. A key pressed before that, on a row
// that holds no URL and no file, reads the whole task and acts on it.
func TestActionsOnARowBeforeItsWholeTaskCame(t *testing.T) {
	t.Parallel()
	m, e, _, out, _ := rowRig(t, 120, 36)
	var whole *store.Task
	for range 40 {
		m.press("down") // no timer runs: the chain (and whole task) of no row is read
		sel := m.list.Selected()
		if sel.Row == nil {
			continue
		}
		w, err := e.Store.Get(sel.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Files) > 0 && len(w.BestURLs()) > 0 {
			whole = w
			break
		}
	}
	if whole == nil {
		t.Fatal("no row read as a row with a file and a URL")
	}
	for _, c := range []struct{ key, want string }{{"u", whole.BestURLs()[0]}, {"f", whole.Files[0].Path}} {
		out.Reset()
		m.press("c", c.key)
		if !strings.Contains(out.String(), base64.StdEncoding.EncodeToString([]byte(c.want))) {
			t.Errorf("c %s on a row sent %q, want %q (bar %q / %q)", c.key, out.String(), c.want, m.bar.Message, m.bar.Error)
		}
	}
	if sel := m.list.Selected(); sel.LocalID != whole.LocalID || sel.Row != nil {
		t.Fatalf("after the keys the selection is %s, row %v", sel.LocalID, sel.Row)
	}
}

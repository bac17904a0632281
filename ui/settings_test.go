package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
	"github.com/veox/veox/store/config"
	"github.com/veox/veox/ui/internal/uitest"
)

// The Settings screen (S) checks a new key with the balance call before
// saving it (a refused key is never saved), writes the config file with
// mode 0600, and the toggles apply at once: with the bell off and
// notifications on, the next task to end raises a notification and no bell.
func TestSettingsCheckTheKeyWriteTheFileAndApply(t *testing.T) {
	t.Parallel()
	const good = "sk-good-3b9e0a7c"
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{APIKey: good}, api.Options{}, download.Options{})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	var notes []string
	f := startFlowWith(t, p, e, Options{
		Settings: config.Settings{APIKey: good, Bell: true, AutoDownload: true, KeySource: "config",
			Paths: config.Paths{Config: cfg, Downloads: filepath.Join(dir, "videos")}},
		CheckKey: func(ctx context.Context, key string) (float64, error) {
			return api.New(api.Options{BaseURL: e.Srv.URL, APIKey: key, MaxAttempts: 1}).Credit(ctx)
		},
		Notify: func(title, message string) error { notes = append(notes, title+": "+message); return nil },
	})
	f.Model.o.Demo = false // a real service: keys are checked

	f.press("S")
	f.shows(t, "Settings")
	f.paste("sk-wrong-0000")
	f.press("ctrl+s")
	f.shows(t, "refused this key")
	if _, err := os.Stat(cfg); err == nil {
		t.Fatal("a refused key was written")
	}
	for range len("sk-wrong-0000") {
		f.press("backspace")
	}
	f.paste(good)
	f.press("tab")
	for range len(f.o.Settings.Paths.Downloads) {
		f.press("backspace")
	}
	f.paste(filepath.Join(dir, "new videos"))
	f.press("tab", "space", "tab", "space", "tab", "space", "ctrl+s")
	if f.top() != scrTasks || !strings.Contains(f.bar.Message, "settings saved") {
		t.Fatalf("saving did not close the screen with news: top %v, %q\n%s", f.top(), f.bar.Message, f.View())
	}
	st, err := os.Stat(cfg)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	file, _ := config.Read(cfg)
	if file.APIKey != good || file.DownloadDir != filepath.Join(dir, "new videos") ||
		file.AutoDownload == nil || *file.AutoDownload || file.Bell == nil || *file.Bell || file.Notify == nil || !*file.Notify {
		t.Fatalf("the file holds %+v", file)
	}
	if fi, err := os.Stat(filepath.Join(dir, "new videos")); err != nil || !fi.IsDir() {
		t.Errorf("the new download folder was not made: %v", err)
	}
	if v := f.View(); strings.Contains(v, good) {
		t.Fatal("the key was drawn on the screen")
	}

	out := f.o.Output.(*bytes.Buffer)
	out.Reset()
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	f.until(t, store.KindExtend, func(tk *store.Task) bool { return tk.Status == store.StatusSucceeded })
	if len(notes) != 1 || !strings.Contains(notes[0], "extend") || !strings.Contains(notes[0], "finished") {
		t.Errorf("notifications: %q, want one for the extension's end", notes)
	}
	if strings.Contains(out.String(), "\a") {
		t.Error("the bell rang although it was switched off")
	}
	if tk := f.newest(store.KindExtend); len(tk.Files) != 0 {
		t.Error("auto-download was switched off, yet the file was fetched")
	}
}

// A key check that hangs (a slow network) is stopped by esc: Settings
// stays open with the new key still typed, nothing is written, and the
// check's late answer is dropped. Before, every key but ctrl+c (which
// quits veox) was ignored until the check gave up.
func TestEscStopsAKeyCheckInSettings(t *testing.T) {
	t.Parallel()
	p := &uitest.Pump{}
	e := flowEnv(t, p, sim.Options{}, api.Options{}, download.Options{})
	cfg := filepath.Join(t.TempDir(), "config.json")
	f := startFlowWith(t, p, e, Options{
		Settings: config.Settings{APIKey: "sk-old", KeySource: "config", Paths: config.Paths{Config: cfg, Downloads: t.TempDir()}},
		CheckKey: func(ctx context.Context, _ string) (float64, error) { <-ctx.Done(); return 0, ctx.Err() },
	})
	f.Model.o.Demo = false
	f.press("S")
	f.paste("sk-new-7d1c")
	check := f.Model.update(uitest.Key("ctrl+s")) // the check starts; the test holds it
	f.shows(t, "esc stops the check")
	f.press("esc")
	if f.top() != scrSettings {
		t.Fatalf("esc during the check left Settings (top %v)", f.top())
	}
	f.shows(t, "check stopped")
	p.Run(check) // the cancelled check answers late
	if v := f.View(); strings.Contains(v, "could not check") {
		t.Errorf("the stopped check's answer was shown:\n%s", v)
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Fatal("the config was written although the check was stopped")
	}
	if f.settings.v().Busy() {
		t.Fatal("Settings is still busy after the check was stopped")
	}
}

// onFinish has its field in Settings: a command sh cannot parse, or whose
// program is not on PATH, is refused beside the field and nothing is
// written; a good one is saved to the file and used from the next end on;
// emptying it turns the hook off.
func TestSettingsOnFinishIsCheckedSavedAndApplied(t *testing.T) {
	t.Parallel()
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			p := &uitest.Pump{}
			e := uitest.NewEnv(t, 0, 0, p.Now)
			dir := t.TempDir()
			cfg := filepath.Join(dir, "config.json")
			r := newRig(p, Options{Service: e.Svc, Demo: true, Settings: config.Settings{Bell: true,
				Paths: config.Paths{Config: cfg, Downloads: dir}}}, sz.w, sz.h)
			r.press("S", "tab", "tab", "tab", "tab", "tab")
			if v := strings.Join(strings.Fields(r.View()), " "); !strings.Contains(v, "│ On finish") || !strings.Contains(v, "the task's JSON on stdin") {
				t.Fatalf("no focused On finish field:\n%s", v)
			}
			try := func(cmd, want string) {
				t.Helper()
				for range 80 {
					r.press("backspace")
				}
				r.paste(cmd)
				r.press("ctrl+s")
				v := strings.Join(strings.Fields(r.View()), " ")
				if !strings.Contains(v, want) || r.top() != scrSettings {
					t.Fatalf("%q: want %q beside the field:\n%s", cmd, want, r.View())
				}
				if _, err := os.Stat(cfg); err == nil {
					t.Fatalf("%q was written", cmd)
				}
			}
			try("nosuchprogram-veox --all", "no program nosuchprogram-veox on PATH")
			try("cat >> 'unterminated", "not a command sh can run")
			try("/nonexistent/hook.sh", "is not a program veox can run")

			good := "cat >> " + filepath.Join(dir, "ends.jsonl")
			for range 80 {
				r.press("backspace")
			}
			r.paste(good)
			r.press("ctrl+s")
			if r.top() != scrTasks || r.o.Settings.OnFinish != good {
				t.Fatalf("a good command was not saved and applied: top %v, OnFinish %q\n%s", r.top(), r.o.Settings.OnFinish, r.View())
			}
			if f, err := config.Read(cfg); err != nil || f.OnFinish != good {
				t.Fatalf("the file holds onFinish %q (%v)", f.OnFinish, err)
			}
			r.press("S")
			if !strings.Contains(r.View(), "│ API key") || !strings.Contains(r.View(), "On finish        cat >> /") {
				t.Fatalf("Settings does not show the saved command:\n%s", r.View())
			}
			r.press("tab", "tab", "tab", "tab", "tab")
			for range len(good) {
				r.press("backspace")
			}
			r.press("ctrl+s")
			if f, _ := config.Read(cfg); f.OnFinish != "" || r.o.Settings.OnFinish != "" {
				t.Fatalf("emptying the field left onFinish %q / %q", f.OnFinish, r.o.Settings.OnFinish)
			}
		})
	}
}

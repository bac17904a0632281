package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/messages"
	"github.com/veox/veox/ui/request"
)

// Copy inside tmux sends plain OSC 52 (tmux takes it with set-clipboard
// on; wrapped in its passthrough, tmux 3.3+ drops it) and says where the
// URL went rather than claiming it was copied.
func TestCopyInTmuxSendsPlainOSC52AndSaysWhereItWent(t *testing.T) {
	t.Setenv("TMUX", "/tmp/tmux-1000/default,4242,0")
	f := startFlow(t)
	f.press("enter", "c")
	out := f.o.Output.(*bytes.Buffer).String()
	if !strings.Contains(out, "\x1b]52;c;") {
		t.Fatalf("no OSC 52 written: %q", out)
	}
	if strings.Contains(out, "\x1bPtmux;") {
		t.Errorf("OSC 52 wrapped in tmux's passthrough, which tmux 3.3+ drops: %q", out)
	}
	v := f.View()
	if !strings.Contains(v, "sent the URL to the terminal's clipboard") || strings.Contains(v, "copied") {
		t.Errorf("the note claims more than veox can see:\n%s", v)
	}
}

// A message too long for the bar says where the rest is; m shows the last
// 200 messages whole, wrapped, with their times, newest first.
func TestMessageLogShowsWhatTheBarCut(t *testing.T) {
	t.Parallel()
	m, _ := seededRoot(t, 80, 24, false)
	long := "cannot extend: its 1080p version was requested, and the service does not extend a video once its 1080p version exists; extend the 720p original instead"
	for i := range 250 {
		m.send(request.Flash{Text: fmt.Sprintf("news %d", i)})
	}
	m.send(request.Flash{Text: long, Err: true})
	if v := m.View(); !strings.Contains(v, "(m: all)") {
		t.Errorf("the bar cuts the message without saying where the rest is:\n%s", v)
	}
	m.press("m")
	if m.top() != scrMessages {
		t.Fatalf("m did not open the messages (top %v)", m.top())
	}
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(flat, long) || !strings.Contains(v, "12:00:00  ! cannot extend") {
		t.Errorf("the message is not shown whole with its time:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if lipgloss.Width(l) > 80 {
			t.Errorf("a line wider than the screen: %q", l)
		}
	}
	if n := m.log.Len(); n != messages.Limit {
		t.Errorf("the log holds %d messages, want the last %d", n, messages.Limit)
	}
	if es := m.log.Entries(); es[0].Text != "news 51" {
		t.Errorf("the oldest kept is %q, want news 51", es[0].Text)
	}
	m.press("esc")
	if m.top() != scrTasks {
		t.Errorf("esc did not close the messages (top %v)", m.top())
	}
}

// A note goes once its cause is gone: Details stops saying "no local file
// yet" once the file is there, and the bar stops asking to settle unknown
// creates once none is left.
func TestNotesClearWhenTheirCauseIsGone(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.press("enter", "o")
	f.shows(t, "no local file yet")
	f.press("d")
	f.until(t, store.KindImport, func(tk *store.Task) bool { return len(tk.Files) > 0 })
	if v := f.View(); strings.Contains(v, "no local file yet") {
		t.Errorf("Details still says there is no file:\n%s", v)
	}

	m, e := seededRoot(t, 120, 36, false)
	if !strings.Contains(m.bar.Error, "never got an answer") {
		t.Fatalf("no error about the unknown creates: %q", m.bar.Error)
	}
	active, _ := e.Store.Active()
	for _, a := range active {
		if a.Status != store.StatusUnknown {
			continue
		}
		d, err := e.Svc.Dismiss(a.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		m.send(request.TaskChanged{Task: *d})
	}
	if m.bar.Error != "" {
		t.Errorf("the bar still asks to settle creates that are all dismissed: %q", m.bar.Error)
	}
}

// However narrow the screen and however many actions a task has, the
// footer keeps the ways out: esc, help, the messages and quit.
func TestDetailsFooterKeepsTheWaysOut(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.press("enter")
	f.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	lines := strings.Split(f.View(), "\n")
	foot := lines[len(lines)-2]
	for _, want := range []string{"esc back", "? help", "m messages", "q quit"} {
		if !strings.Contains(foot, want) {
			t.Errorf("the footer at 60 columns lacks %q: %q", want, foot)
		}
	}
}

// A finished extension has the most actions (and a parent to open): at
// every width its footer still fits on its line and ends with the ways
// out. bubbles' help cut stopped cutting when its items filled the line to
// the column (120 wide here), so esc, help and quit ran off the screen.
func TestDetailsFooterOfAnExtensionFitsAtEveryWidth(t *testing.T) {
	t.Parallel()
	f := startFlow(t)
	f.submit(t, "n", "Extend a video", "the keeper climbs the stairs")
	f.until(t, store.KindExtend, func(t *store.Task) bool { return len(t.Files) > 0 })
	f.press("enter")
	if n := len(f.activeKeys().ShortHelp()); n < 13 {
		t.Fatalf("the extension's Details has %d keys; the test wants the most a screen has", n)
	}
	for w := minWidth; w <= 200; w++ {
		f.send(tea.WindowSizeMsg{Width: w, Height: 36})
		foot := f.footer()
		if got := lipgloss.Width(foot); got > w {
			t.Errorf("at %d columns the footer is %d wide: %q", w, got, foot)
		}
		if !strings.HasSuffix(foot, "esc back • ? help • m messages • q quit") {
			t.Errorf("at %d columns the footer lacks the ways out: %q", w, foot)
		}
	}
}

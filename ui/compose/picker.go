package compose

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// pickerLimit bounds the recent tasks read from the history: one page, so
// opening the picker costs the same whatever the size of the history.
const pickerLimit = 30

// picker is a small list of recent finished videos. Those the service
// would not extend are listed too, with the reason, so a video the user
// looks for is never silently missing.
type picker struct {
	open    bool
	loading bool
	gen     int
	tasks   []store.Task
	sel     int
	err     string
	note    string // why the chosen row cannot be picked
}

type pickerLoadedMsg struct {
	inst  uint64
	gen   int
	tasks []store.Task
	err   error
}

func pickerCmd(svc *tasks.Service, inst uint64, gen int) tea.Cmd {
	return func() tea.Msg {
		if svc == nil || svc.Store() == nil {
			return pickerLoadedMsg{inst: inst, gen: gen, err: errors.New("no history")}
		}
		list, _, err := svc.Store().List(store.Query{Statuses: []string{store.StatusSucceeded}, Limit: pickerLimit})
		var videos []store.Task
		for _, t := range list {
			if t.Kind != store.KindUpscale { // a version of a video, not one to extend
				videos = append(videos, t)
			}
		}
		return pickerLoadedMsg{inst: inst, gen: gen, tasks: videos, err: err}
	}
}

func (m Model) openPicker() (Model, tea.Cmd) {
	m.picker.gen++
	m.picker = picker{open: true, loading: true, gen: m.picker.gen}
	return m, pickerCmd(m.d.Service, m.inst, m.picker.gen)
}

func (m Model) onPickerLoaded(msg pickerLoadedMsg) Model {
	if msg.inst != m.inst || msg.gen != m.picker.gen || !m.picker.open {
		return m
	}
	m.picker.loading = false
	m.picker.tasks = msg.tasks
	if msg.err != nil {
		m.picker.err = msg.err.Error()
	}
	return m
}

func (m Model) pickerKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k, p := m.keys, &m.picker
	switch {
	case key.Matches(msg, k.PickEsc):
		p.open = false
	case key.Matches(msg, k.PickUp):
		p.sel, p.note = max(p.sel-1, 0), ""
	case key.Matches(msg, k.PickDown):
		p.sel, p.note = min(p.sel+1, max(len(p.tasks)-1, 0)), ""
	case key.Matches(msg, k.PickEnter):
		return m.pick()
	}
	return m, nil
}

// pick fills the source field with the chosen task, shows what the history
// knows at once, and confirms with the service (it may have expired).
func (m Model) pick() (Model, tea.Cmd) {
	if m.picker.sel >= len(m.picker.tasks) {
		return m, nil
	}
	t := m.picker.tasks[m.picker.sel]
	if why := tasks.WhyNotExtendable(&t, m.d.Now()); why != "" {
		m.picker.note = "cannot extend this one: " + why
		return m, nil
	}
	m.picker.open = false
	i := m.index(fSource)
	if i < 0 {
		return m, nil
	}
	m.fields[i].setValue(t.TaskID)
	m = m.sourceEdited()
	m, cmd := m.startSourceCheck()
	m.src.task = &t
	m, fcmd := m.setFocus(m.index(fPrompt))
	return m, tea.Batch(cmd, fcmd)
}

// pickerLines render the list in place of the form's fields.
func (m Model) pickerLines(avail int) []string {
	s := m.d.Styles
	p := m.picker
	out := []string{s.Bold.Render("Pick a finished video to extend")}
	switch {
	case p.loading:
		return append(out, s.Faint.Render("reading the history…"))
	case p.err != "":
		return append(out, s.Error.Render("✗ "+p.err))
	case len(p.tasks) == 0:
		return append(out, s.Faint.Render("no finished videos yet; type a task id instead (esc)"))
	}
	var note []string
	if p.note != "" {
		note = strings.Split(s.Error.Render(wrap("✗ "+p.note, m.w()-4)), "\n")
	}
	rows := max(1, avail-1-len(note))
	off := max(0, p.sel-rows+1)
	w := m.w() - 4
	now := m.d.Now()
	for i := off; i < min(len(p.tasks), off+rows); i++ {
		t := p.tasks[i]
		text := fmt.Sprintf("%s  %s  ", t.CompletedAt.Format("Jan 2 15:04"), shortID(t.TaskID))
		if why := tasks.NotExtendableShort(&t, now); why != "" {
			text += "(cannot extend: " + why + ")  "
		}
		line := ansi.Truncate(text+strings.Join(strings.Fields(t.Request.Prompt), " "), w, "…")
		switch {
		case i == p.sel:
			out = append(out, s.Selected.Render("› "+line))
		case tasks.NotExtendableShort(&t, now) != "":
			out = append(out, s.Faint.Render("  "+line))
		default:
			out = append(out, "  "+line)
		}
	}
	return append(out, note...)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

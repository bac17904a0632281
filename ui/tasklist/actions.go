package tasklist

import (
	"cmp"
	"maps"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/act"
	"github.com/veox/veox/ui/request"
)

// onRowKey acts on the selected row, as Details does (ui/act holds the
// actions both call), or on the marked rows when there are marks: d, x
// and r then take all of them.
func (m Model) onRowKey(msg tea.KeyMsg, sel *store.Task) (Model, tea.Cmd, bool) {
	if len(m.marks) > 0 {
		if m2, cmd, ok := m.onMarkedKey(msg); ok {
			return m2, cmd, true
		}
	}
	if sel == nil {
		return m, nil, false
	}
	t := *sel
	done := t.Status == store.StatusSucceeded
	switch {
	case key.Matches(msg, m.keys.Mark):
		return m.toggleMark(t), m.selectionChanged(), true
	case key.Matches(msg, m.keys.Play):
		return m, m.local(func() (string, bool) { return act.Play(&t, m.deps.Opener) }), true
	case key.Matches(msg, m.keys.Folder):
		return m, m.local(func() (string, bool) { return act.Folder(&t, m.deps.Opener) }), true
	case key.Matches(msg, m.keys.Copy):
		m.copying = true
		return m, nil, true
	case key.Matches(msg, m.keys.Upscale):
		switch {
		case !done:
			return m, flash("only a finished video can be upscaled", true), true
		case t.Kind == store.KindUpscale:
			return m, flash("this is already an upscaled version", true), true
		}
		// Details asks 1080p or 4K and confirms the cost: the same steps.
		return m, request.Cmd(request.OpenDetails{ID: t.LocalID, Upscale: true}), true
	case key.Matches(msg, m.keys.Again):
		if t.Status == store.StatusUnknown {
			return m, flash("settle or dismiss this create first (enter opens it): it may be running", true), true
		}
		return m, act.AgainCmd(m.deps.Service.Store(), t), true
	}
	return m, nil, false
}

// onCopyKey is the key after c: what to copy, or esc.
func (m Model) onCopyKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.copying = false
	sel := m.Selected()
	var w act.What
	switch {
	case sel == nil:
		return m, nil
	case key.Matches(msg, m.keys.CopyURL):
		w = act.URL
	case key.Matches(msg, m.keys.CopyPath):
		w = act.Path
	case key.Matches(msg, m.keys.CopyPrompt):
		w = act.Prompt
	case key.Matches(msg, m.keys.CopySeed):
		w = act.Seed
	case key.Matches(msg, m.keys.CopyID):
		w = act.ID
	default:
		return m, nil // esc, or any other key: nothing copied
	}
	t, out := *sel, m.deps.Output
	return m, m.local(func() (string, bool) { return act.Copy(out, &t, w) })
}

// local runs an action that touches the disk or the terminal in a command
// and shows what it did in the status bar.
func (m Model) local(do func() (string, bool)) tea.Cmd {
	return func() tea.Msg {
		text, failed := do()
		return request.Flash{Text: text, Err: failed}
	}
}

func flash(text string, isErr bool) tea.Cmd {
	return request.Cmd(request.Flash{Text: text, Err: isErr})
}

// toggleMark marks the row or takes its mark away, and moves down, as
// file managers do, so space space space marks a run of rows.
func (m Model) toggleMark(t store.Task) Model {
	if m.marks == nil {
		m.marks = map[string]store.Task{}
	}
	if _, ok := m.marks[t.LocalID]; ok {
		delete(m.marks, t.LocalID)
	} else {
		m.marks[t.LocalID] = t
	}
	m.cursor++
	m.clamp()
	return m
}

// marked is the marked tasks, newest first.
func (m Model) marked() []store.Task {
	ts := slices.Collect(maps.Values(m.marks))
	slices.SortFunc(ts, func(a, b store.Task) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.LocalID, a.LocalID)
	})
	return ts
}

// onMarkedKey: d, x and r act on every marked row; esc clears the marks.
// The marks go once the request is made.
func (m Model) onMarkedKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	ts := m.marked()
	ids := make([]string, len(ts))
	for i := range ts {
		ids[i] = ts[i].LocalID
	}
	switch {
	case key.Matches(msg, m.keys.ClearMarks):
		m.marks = nil
		return m, nil, true
	case key.Matches(msg, m.keys.Download):
		m.marks = nil
		return m, request.Cmd(request.DownloadMany{IDs: ids}), true
	case key.Matches(msg, m.keys.Hide):
		m.marks = nil
		return m, request.Cmd(request.HideMany{IDs: ids}), true
	case key.Matches(msg, m.keys.Again):
		// The marks stay until the creates are sent: a cancelled review
		// leaves them for another try.
		return m, request.Cmd(request.AgainMany{Tasks: ts}), true
	}
	return m, nil, false
}

// ClearMarks takes every mark away (the marked rows were acted on).
func (m Model) ClearMarks() Model {
	m.marks = nil
	return m
}

// Marked reports how many rows are marked.
func (m Model) Marked() int { return len(m.marks) }

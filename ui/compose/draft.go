package compose

import (
	"maps"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// Draft is what a form held when the user stepped away with esc: every
// field's value and the field that had focus. The root keeps one per form
// (per source for an extension) and hands it back the next time that form
// opens, so one esc never throws typed work away.
type Draft struct {
	values map[fieldID]string
	focus  fieldID
}

// Value is a field's value in the draft, by the field's name (prompt,
// seed, watermark, callback, images, source, model, …).
func (d Draft) Value(field string) string { return d.values[fieldID(field)] }

func (d Draft) equal(o Draft) bool { return maps.Equal(d.values, o.values) }

// Draft is the form as it stands.
func (m Model) Draft() Draft {
	d := Draft{values: map[fieldID]string{}, focus: m.focused().id}
	for _, f := range m.fields {
		d.values[f.id] = f.value()
	}
	return d
}

// DraftKey names the form a draft belongs to: one for new videos, one for
// extending by id, one per source video.
func (m Model) DraftKey() string {
	switch {
	case m.mode == modeGenerate:
		return "generate"
	case m.src.fixed && m.src.task != nil:
		return "extend " + m.src.task.LocalID
	}
	return "extend"
}

// keptDraft is the draft to keep on leaving: nil when the form is as it
// opened (and was not itself a kept draft), or once the create was sent.
func (m Model) keptDraft() *Draft {
	if m.stage == stageDone {
		return nil
	}
	d := m.Draft()
	if !m.restored && d.equal(m.base) {
		return nil
	}
	return &d
}

// WithDraft fills the form from a draft kept earlier, focuses the field
// that had focus, and says so above the form. A source id it holds is
// checked again when the form starts.
func (m Model) WithDraft(d Draft) Model {
	for i := range m.fields {
		if v, ok := d.values[m.fields[i].id]; ok {
			m.fields[i].setValue(v)
		}
	}
	m.restored = true
	m.formNote = "draft restored from last time (ctrl+l clears the form)"
	if i := m.index(d.focus); i >= 0 {
		m.fields[m.focus].blur()
		m.focus = i
		m.fields[i].focus()
	}
	if m.hasField(fSource) {
		var check tea.Cmd
		m, check = m.startSourceCheck()
		m.initCmds = append(m.initCmds, check)
	}
	return m.layout()
}

// clear empties the form back to its defaults (ctrl+l): the draft is gone.
func (m Model) clear() (Model, tea.Cmd) {
	for i := range m.fields {
		f := &m.fields[i]
		switch f.kind {
		case kindChoice:
			f.sel = 0
		default:
			f.setValue("")
		}
	}
	m.errs, m.formErr, m.formNote = map[fieldID]string{}, "", "form cleared"
	m.restored, m.base = false, m.Draft()
	if m.hasField(fSource) {
		m = m.sourceEdited()
	}
	return m.setFocus(0)
}

// extendModel continues a generate model with its extend counterpart: the
// two endpoints name the same models differently. An extend model name (or
// one veox does not know) is kept as it is.
func extendModel(model string) string {
	switch model {
	case api.ModelFast:
		return api.ExtendFast
	case api.ModelQuality:
		return api.ExtendQuality
	case api.ModelLite:
		return api.ExtendLite
	}
	return model
}

// settingsOf is what an extension carries over from its source: the model,
// the watermark and the callback, so a chain keeps "MyBrand" without
// retyping it at every step. The prompt and the seed are the user's.
func settingsOf(t *store.Task) Prefill {
	r := t.Request
	model := extendModel(strings.ToLower(r.Model))
	return Prefill{Model: model, Watermark: r.Watermark, CallbackURL: r.CallbackURL}
}

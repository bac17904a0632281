package compose

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// sourceState is what the extend form knows about the video to extend.
type sourceState struct {
	task      *store.Task // nil until known
	fixed     bool        // given by the caller: no source field
	gen       int         // bumped whenever the typed id changes; older checks are dropped
	checking  bool
	checkedID string // the id task, refused and note are about
	refused   string // the service says it cannot be extended: blocks the submit
	note      string // the check itself failed (network…): shown, not blocking
	warning   string // worth knowing, not blocking (a 4K version was requested)
}

// sourceCheckedMsg is the answer of Service.CheckSource for one typed id.
type sourceCheckedMsg struct {
	inst    uint64
	gen     int
	id      string
	task    *store.Task
	warning string
	err     error
}

// checkSourceCmd asks the service about a typed id (the service bounds the
// call). It captures the service and the id; the answer carries gen so a
// check for an id the user has since changed is dropped.
func checkSourceCmd(svc *tasks.Service, inst uint64, gen int, id string) tea.Cmd {
	return func() tea.Msg {
		if svc == nil {
			return sourceCheckedMsg{inst: inst, gen: gen, id: id, err: errors.New("no service")}
		}
		t, err := svc.CheckSource(context.Background(), id)
		msg := sourceCheckedMsg{inst: inst, gen: gen, id: id, task: t, err: err}
		if t != nil {
			msg.warning = svc.ExtendWarning(t)
		}
		return msg
	}
}

// startSourceCheck runs a check when the source field holds an id that was
// not checked yet (called on leaving the field and after a pick).
func (m Model) startSourceCheck() (Model, tea.Cmd) {
	id := strings.TrimSpace(m.get(fSource))
	if m.src.fixed || id == "" || id == m.src.checkedID {
		return m, nil
	}
	m.src.gen++
	m.src.checkedID = id
	if err := tasks.CheckTaskID(id); err != nil {
		m.src.refused = sourceMessage(err)
		return m, nil
	}
	m.src.checking = true
	return m, checkSourceCmd(m.d.Service, m.inst, m.src.gen, id)
}

// sourceEdited forgets what was known about the previous id.
func (m Model) sourceEdited() Model {
	if strings.TrimSpace(m.get(fSource)) == m.src.checkedID {
		return m
	}
	m.src = sourceState{gen: m.src.gen + 1} // any check in flight is now stale
	delete(m.errs, fSource)
	return m
}

func (m Model) onSourceChecked(msg sourceCheckedMsg) Model {
	if msg.inst != m.inst || msg.gen != m.src.gen {
		return m // an answer about an id the user has since changed
	}
	m.src.checking = false
	var ve *tasks.ValidationError
	switch {
	case errors.As(msg.err, &ve):
		m.src.refused = sourceMessage(msg.err)
	case msg.err != nil:
		m.src.note = sourceMessage(msg.err)
	default:
		m.src.task, m.src.warning = msg.task, msg.warning
		delete(m.errs, fSource)
	}
	return m
}

// sourceMessage turns a check error into the sentence shown beside the field.
func sourceMessage(err error) string {
	var ve *tasks.ValidationError
	if errors.As(err, &ve) {
		if s := ve.For("source"); s != "" {
			return s
		}
		if s := ve.For("task"); s != "" {
			return s
		}
	}
	return "could not check it with the service: " + err.Error()
}

// sourceProblem is why the known source cannot be extended ("" if it can):
// the service's word, else the one rule in tasks.
func (m Model) sourceProblem() string {
	if m.src.refused != "" {
		return m.src.refused
	}
	if t := m.src.task; t != nil {
		return tasks.WhyNotExtendable(t, m.d.Now())
	}
	return ""
}

// sourceDuration is the length of the source's whole video if a
// downloaded file told us, else 0: an extension's new part saved alone
// says nothing about it.
func sourceDuration(t *store.Task) time.Duration { return tasks.WholeDuration(t) }

// durationLine says how long the source is and what this extension adds.
func durationLine(t *store.Task) string {
	d := sourceDuration(t)
	if d <= 0 {
		return "about 8 s per clip, +7 s per extension"
	}
	s := d.Round(time.Second) / time.Second
	return fmt.Sprintf("%d s now, about %d s extended", s, s+7)
}

// expiryLine says when the service forgets the source.
func expiryLine(t *store.Task, now time.Time) string {
	at := tasks.ExpiresAt(t)
	if at.IsZero() {
		return ""
	}
	left := at.Sub(now)
	switch {
	case left <= 0:
		return "expired " + at.Format("Jan 2")
	case left < 48*time.Hour:
		return fmt.Sprintf("expires in %d h (%s)", int(left.Hours())+1, at.Format("Jan 2 15:04"))
	}
	return fmt.Sprintf("expires in %d days (%s)", int(left.Hours()/24), at.Format("Jan 2"))
}

// extendInput reads the form. Seed problems ParseSeed finds are returned as
// field messages, since a bad seed cannot be put in the input at all.
func (m Model) extendInput() (tasks.ExtendInput, map[fieldID]string) {
	bad := map[fieldID]string{}
	seed, err := tasks.ParseSeed(m.get(fSeed))
	if err != nil {
		bad[fSeed] = err.Error()
	}
	in := tasks.ExtendInput{Prompt: m.get(fPrompt), Seed: seed, Model: m.get(fModel),
		Watermark: m.get(fWatermark), CallbackURL: m.get(fCallback)}
	switch {
	case m.src.fixed && m.src.task != nil:
		in.Source = m.src.task.TaskID
	default:
		in.Source = m.get(fSource)
	}
	if p := m.sourceProblem(); p != "" && strings.TrimSpace(in.Source) == m.src.checkedID {
		bad[fSource] = "cannot extend this video: " + p
	}
	return in, bad
}

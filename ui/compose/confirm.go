package compose

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// pending is exactly what the confirm step shows and what confirm sends:
// the normalised copy that passed validation.
type pending struct {
	extend   tasks.ExtendInput
	generate tasks.GenerateInput
	cost     int
}

// submitDoneMsg is the answer of one create.
type submitDoneMsg struct {
	inst uint64
	gen  int
	task *store.Task
	err  error
}

// review validates a copy of the form. With problems it stays on the form,
// each message beside its field and the first bad field focused; otherwise
// it moves to the confirm step. Nothing is sent here.
func (m Model) review() (Model, tea.Cmd) {
	m.formErr = ""
	var bad map[fieldID]string
	var err error
	if m.mode == modeExtend {
		var in tasks.ExtendInput
		in, bad = m.extendInput()
		err = tasks.ValidateExtend(&in)
		m.pending = pending{extend: in, cost: tasks.ExtendCost(in.Model)}
	} else {
		var in tasks.GenerateInput
		in, bad = m.generateInput()
		err = tasks.ValidateGenerate(&in)
		m.pending = pending{generate: in, cost: tasks.GenerateCost(in.Model, in.Resolution)}
	}
	var ve *tasks.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			if _, seen := bad[fieldID(f.Field)]; !seen {
				bad[fieldID(f.Field)] = f.Message
			}
		}
	}
	if len(bad) > 0 {
		return m.showProblems(bad), nil
	}
	m.stage = stageConfirm
	m.spent.gen++
	m, cmd := m.refreshCredits()
	return m, tea.Batch(cmd, m.todayCmd())
}

// showProblems puts each message beside its field (or above the hint when
// the form has no such field) and focuses the first bad field.
func (m Model) showProblems(bad map[fieldID]string) Model {
	m.errs = map[fieldID]string{}
	var loose []string
	for id, msg := range bad {
		if m.hasField(id) {
			m.errs[id] = msg
		} else {
			loose = append(loose, msg)
		}
	}
	m.formErr = strings.Join(loose, "; ")
	for i, f := range m.fields {
		if m.errs[f.id] != "" {
			m, _ = m.setFocus(i)
			break
		}
	}
	return m
}

// submit sends the create once. The stage guard is what makes a second
// y/enter (or ctrl+s) while sending do nothing.
func (m Model) submit() (Model, tea.Cmd) {
	if m.stage != stageConfirm {
		return m, nil
	}
	m.stage = stageSending
	m.sendGen++
	return m, tea.Batch(m.nextFrame(), submitCmd(m.d.Service, m.mode, m.inst, m.sendGen, m.pending))
}

// submitCmd captures the service and a copy of the input: nothing it does
// touches the model.
func submitCmd(svc *tasks.Service, md mode, inst uint64, gen int, p pending) tea.Cmd {
	return func() tea.Msg {
		if svc == nil {
			return submitDoneMsg{inst: inst, gen: gen, err: errors.New("no service configured; nothing was sent")}
		}
		ctx := context.Background() // the service bounds the create
		var t *store.Task
		var err error
		if md == modeExtend {
			t, err = svc.Extend(ctx, p.extend)
		} else {
			t, err = svc.Generate(ctx, p.generate)
		}
		return submitDoneMsg{inst: inst, gen: gen, task: t, err: err}
	}
}

// onSubmitted handles the create's answer. A task came back: tell the root
// (SubmittedMsg). A refused create made nothing, so the form comes back for
// a rephrase. No task at all (validation, source, disk): stay on the form.
func (m Model) onSubmitted(msg submitDoneMsg) (Model, tea.Cmd) {
	if msg.inst != m.inst || msg.gen != m.sendGen || m.stage != stageSending {
		return m, nil
	}
	if msg.task == nil {
		m.stage = stageForm
		var ve *tasks.ValidationError
		if errors.As(msg.err, &ve) {
			bad := map[fieldID]string{}
			for _, f := range ve.Fields {
				bad[fieldID(f.Field)] = f.Message
			}
			if r := ve.For("source"); r != "" {
				// the service's word on the source: keep it with the summary
				// so the next ctrl+s is refused before anything is sent
				m.src.refused, m.src.checkedID = r, strings.TrimSpace(m.pending.extend.Source)
			}
			return m.showProblems(bad), nil
		}
		m.formErr = errText(msg.err)
		return m, nil
	}
	m.result, m.resErr = msg.task, msg.err
	if msg.task.Status == store.StatusRefused {
		m.stage = stageForm
		m.formErr = refusal(msg.task, msg.err)
	} else {
		m.stage = stageDone
	}
	out := SubmittedMsg{Task: msg.task, Err: msg.err}
	return m, func() tea.Msg { return out }
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// refusal explains a create the service turned down: nothing was created.
func refusal(t *store.Task, err error) string {
	msg, hint := errText(err), ""
	if t.Error != nil {
		msg, hint = t.Error.Message, t.Error.Hint
	}
	s := "the service refused it (nothing created, nothing charged): " + msg
	if hint != "" {
		s += " — " + hint
	}
	return s
}

// summaryRows is what will be sent, in the words of the form.
func (m Model) summaryRows() [][2]string {
	p := m.pending
	if m.mode == modeExtend {
		in := p.extend
		src := in.Source
		if t := m.src.task; t != nil && t.TaskID == in.Source {
			src += " (" + durationLine(t) + ")"
		}
		return [][2]string{{"Extend", src}, {"Prompt", in.Prompt}, {"Model", in.Model},
			{"Seed", seedText(in.Seed)}, {"Watermark", orNone(in.Watermark)}, {"Callback", orNone(in.CallbackURL)}}
	}
	in := p.generate
	rows := [][2]string{{"Generate", tasks.TypeName(in.Type)}, {"Prompt", in.Prompt}}
	if len(in.ImageURLs) > 0 {
		rows = append(rows, [2]string{"Images", joinLines(in.ImageURLs)})
	}
	return append(rows, [2]string{"Format", fmt.Sprintf("%s · %s · %s", in.Aspect, in.Resolution, durationText(in.Duration))},
		[2]string{"Model", in.Model}, [2]string{"Seed", seedText(in.Seed)},
		[2]string{"Watermark", orNone(in.Watermark)}, [2]string{"Callback", orNone(in.CallbackURL)})
}

func seedText(seed int) string {
	if seed == 0 {
		return "random (the service picks one)"
	}
	return fmt.Sprint(seed)
}

func durationText(d int) string {
	if d == 0 {
		return "8 s"
	}
	return fmt.Sprintf("%d s", d)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// confirmView shows exactly what will be sent, the cost beside the balance,
// and how to go on or back. While sending, the hint becomes the spinner.
func (m Model) confirmView() string {
	s := m.d.Styles
	w := m.w()
	vw := w - 4 - labelW   // inside the panel's border and padding
	tight := m.height < 20 // drop the spacing, keep every fact
	head := []string{s.Title.Render("Review before spending credits")}
	if !tight {
		head = append(head, s.Faint.Render(wrap("Nothing has been sent yet. This is exactly what will be sent.", w)), "")
	}
	cost := m.pending.cost
	bal, _ := m.balanceText()
	if m.bal.loaded {
		bal += " → about " + creditsText(m.bal.credits-float64(cost)) + " after"
	}
	var money []string
	if !tight {
		money = append(money, "")
	}
	money = append(money, m.row(s.Label, "Cost", s.Bold.Render(wrap(costText(cost)+" (prices drift)", vw))),
		m.row(s.Label, "Balance", wrap(bal, vw)), m.row(s.Label, "Today", wrap(m.todayText(cost), vw)))
	for _, w := range m.budgetWarnings(cost) {
		money = append(money, s.Warning.Render(wrap(w, vw+labelW)))
	}
	if m.lowBalance(cost) {
		money = append(money, s.Warning.Render(wrap("! the balance may not cover this; the service refuses with code 402 if so", vw+labelW)))
	}
	if m.mode == modeExtend && m.src.warning != "" {
		money = append(money, s.Warning.Render(wrap("! "+m.src.warning, vw+labelW)))
	}
	foot := []string{m.confirmHint(cost)}
	if !tight {
		foot = append([]string{""}, foot...)
	}
	// Rows other than the prompt take one line each (more when they wrap);
	// the prompt gets what is left, at least one line.
	rows := m.summaryRows()
	used := len(head) + len(foot) + 2 // panel border
	for _, l := range money {
		used += strings.Count(l, "\n") + 1
	}
	for _, r := range rows {
		if r[0] != "Prompt" {
			used += strings.Count(wrap(r[1], vw), "\n") + 1
		}
	}
	promptRoom := max(1, m.height-used)
	var lines []string
	for _, r := range rows {
		v := wrap(r[1], vw)
		if r[0] == "Prompt" {
			v = clampLines(v, promptRoom, vw)
		}
		lines = append(lines, m.row(s.Label, r[0], v))
	}
	lines = append(lines, money...)
	panel := s.Panel.Width(w - 2).Render(strings.Join(lines, "\n"))
	return strings.Join(append(append(head, panel), foot...), "\n")
}

func (m Model) confirmHint(cost int) string {
	s := m.d.Styles
	if m.stage == stageSending {
		return s.Running.Render(spinFrames.Frames[m.frame]) + " " + s.Running.Render("sending… (do not close veox: the answer tells whether it was created)")
	}
	if m.overBudget(cost) {
		return m.hint([2]string{"o", "send it over the daily limit (~" + fmt.Sprint(cost) + " credits)"},
			[2]string{"esc", "back to the form"})
	}
	return m.hint([2]string{"y/enter", "spend ~" + fmt.Sprint(cost) + " credits and submit"},
		[2]string{"esc", "back to the form"})
}

// clampLines keeps the first n lines, marking the cut.
func clampLines(s string, n, width int) string {
	l := strings.Split(s, "\n")
	if len(l) <= n {
		return s
	}
	l = l[:n]
	l[n-1] = ansi.Truncate(l[n-1], width-1, "") + "…"
	return strings.Join(l, "\n")
}

// doneView is shown if the root keeps the composer after SubmittedMsg.
func (m Model) doneView() string {
	s := m.d.Styles
	w := m.w() - 2
	t := m.result
	var msg string
	switch {
	case t == nil:
	case errors.Is(m.resErr, tasks.ErrUnknownOutcome):
		msg = s.Warning.Render(wrap("? no answer came back: the create may exist and be billed. veox will not resend it; check the task list and settle it there.", w))
	default:
		msg = s.Success.Render(wrap("✓ accepted: the service is making it as task "+t.TaskID+"; it shows on the task list.", w))
	}
	return strings.Join([]string{s.Title.Render(m.title()), "", msg, "", m.hint([2]string{"esc", "close"})}, "\n")
}

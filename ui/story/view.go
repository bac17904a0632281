package story

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/theme"
)

// View draws the mode's screen; every line is cut to the width, and only
// the rows that fit are drawn.
func (m Model) View() string {
	var lines []string
	switch m.mode {
	case modeList:
		lines = m.listView()
	case modeReview:
		lines = m.reviewView()
	case modeEdit, modeStep, modeDiscard:
		lines = m.editView()
	default:
		lines = m.storyView()
	}
	if m.err != "" {
		lines = append(lines, "", m.deps.Styles.Error.Render(format.Wrap("! "+m.err, max(20, m.width-2))))
	}
	out := strings.Split(strings.Join(lines, "\n"), "\n")
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// rowsShown is how many table rows fit beside the mode's other lines.
func (m Model) rowsShown() int {
	extra := 3
	switch m.mode {
	case modeView:
		extra = 11
	case modeEdit, modeDiscard:
		extra = 6
	case modeStep:
		extra = 8 + m.ed.area.Height()
	}
	return max(1, m.height-extra)
}

func (m Model) listView() []string {
	st := m.deps.Styles
	lines := []string{st.Title.Render("Stories") + st.Faint.Render(fmt.Sprintf("  %d · newest first · s on a video in Tasks plans one", len(m.stories)))}
	if len(m.stories) == 0 {
		return append(lines, "", "No stories yet. A story is a chain of extensions planned at once and run unattended:",
			"select a finished video in Tasks and press s to write its steps.")
	}
	lines = append(lines, st.Faint.Render(fmt.Sprintf("  %-18s  %-10s  %-5s  %-9s  %s", "STORY", "STATUS", "STEPS", "LENGTH", "FIRST PROMPT")))
	end := min(len(m.stories), m.offset+m.rowsShown())
	for i := m.offset; i < end; i++ {
		v := m.stories[i]
		first := ""
		if len(v.Steps) > 0 {
			first = v.Steps[0].Prompt
		}
		row := fmt.Sprintf("%-18s  %-10s  %-5s  %-9s  ", v.Story.ID, m.storyStatus(v), fmt.Sprintf("%d/%d", v.Next, len(v.Steps)), lengthWords(v))
		row += format.Line(first, max(10, m.width-2-ansi.StringWidth(row)))
		lines = append(lines, m.cursorRow(i == m.cursor, row))
	}
	return lines
}

func (m Model) cursorRow(sel bool, row string) string {
	if sel {
		return m.deps.Styles.Selected.Render("> " + row)
	}
	return "  " + row
}

// storyStatus is the story's status with a glyph that reads without
// colour; a running one shows the spinner.
func (m Model) storyStatus(v *tasks.StoryView) string {
	switch v.Story.Status {
	case store.StoryRunning:
		return spinner.MiniDot.Frames[m.frame] + " running"
	case store.StoryStopped:
		return "■ stopped"
	case store.StoryDone:
		return "✓ done"
	}
	return "· planned"
}

func lengthWords(v *tasks.StoryView) string {
	if v.FinalSeconds == 0 {
		return fmt.Sprintf("+%d s", tasks.StepSeconds*len(v.Steps))
	}
	return fmt.Sprintf("%d → %d s", v.SourceSeconds, v.FinalSeconds)
}

func sourceWords(v *tasks.StoryView) string {
	if v.Source == nil {
		return format.Short(v.Story.Source)
	}
	s := format.Kind(v.Source) + " " + format.Short(format.ID(v.Source))
	if v.SourceSeconds > 0 {
		s += fmt.Sprintf(" (%d s)", v.SourceSeconds)
	}
	return s
}

// storyLine sums a story up under its title, short enough for 80 columns
// (the source's length is the first figure of the length).
func storyLine(v *tasks.StoryView) string {
	src := format.Short(v.Story.Source)
	if v.Source != nil {
		src = format.Kind(v.Source) + " " + format.Short(format.ID(v.Source))
	}
	money := fmt.Sprintf("about %d credits", v.Estimate)
	if v.ToSpend > 0 && v.ToSpend != v.Estimate {
		money += fmt.Sprintf(", %d to spend", v.ToSpend)
	}
	return fmt.Sprintf("from %s · %d steps · %s · %s", src, len(v.Steps), lengthWords(v), money)
}

func (m Model) storyView() []string {
	st := m.deps.Styles
	v := m.view
	if v == nil || v.Story.Status == "" {
		return []string{st.Title.Render("Story"), "", st.Faint.Render("reading the story…")}
	}
	lines := []string{
		st.Title.Render("Story "+v.Story.ID) + "  " + m.storyStatus(v),
		st.Faint.Render(storyLine(v)),
		st.Faint.Render(fmt.Sprintf("  %-2s %-10s %6s %5s  %-7s %s", "#", "STATE", "LENGTH", "COST", "MODEL", "PROMPT")),
	}
	end := min(len(v.Steps), m.offset+m.rowsShown())
	for i := m.offset; i < end; i++ {
		lines = append(lines, m.cursorRow(i == m.cursor, m.stepRow(v.Steps[i], true)))
	}
	return append(append(lines, ""), m.storyNote(v)...)
}

// stepRow is one step: number, state, the length after it, its cost, its
// model and prompt, and its task's short id once sent.
func (m Model) stepRow(s tasks.StepView, withTask bool) string {
	secs := "?"
	if s.Seconds > 0 {
		secs = fmt.Sprintf("%d s", s.Seconds)
	}
	row := fmt.Sprintf("%-2d %-10s %6s %5d  %-7s ", s.N, m.stepState(s), secs, s.Credits, s.Model)
	tail := ""
	if withTask && s.Task != nil {
		tail = "  " + format.Short(format.ID(s.Task))
	}
	w := max(10, m.width-4-ansi.StringWidth(row)-ansi.StringWidth(tail))
	return row + format.Pad(format.Line(s.Prompt, w), w) + tail
}

func (m Model) stepState(s tasks.StepView) string {
	switch s.State {
	case tasks.StepPlanned:
		return "· planned"
	case tasks.StepMissing:
		return "! missing"
	case store.StatusRunning, store.StatusSubmitting:
		return spinner.MiniDot.Frames[m.frame] + " " + format.StatusWord(s.State)
	}
	return format.Status(s.State)
}

// storyNote says where the story stands and what the user can do, then
// the chosen step whole.
// stoppedNote says what r and e do for the step a stopped story is at.
func stoppedNote(cur tasks.StepView, steps int) string {
	switch {
	case cur.State == store.StatusUnknown:
		return fmt.Sprintf("Did step %d go through? Move to it and press enter: s settles it with the id from the service's dashboard, D dismisses it. Then r runs the story on.", cur.N)
	case cur.Void():
		return "e edits the step, r runs the story on (the step is sent again as it stands)."
	case cur.State == tasks.StepMissing:
		return fmt.Sprintf("Step %d's task is no longer in the history: e edits the step to send it again.", cur.N)
	case cur.State == store.StatusRunning || cur.State == store.StatusSubmitting:
		next := "the story ends with it"
		if cur.N < steps {
			next = fmt.Sprintf("nothing after it is sent: r runs the story on (step %d is sent when it succeeds)", cur.N+1)
		}
		return fmt.Sprintf("Step %d goes on at the service; %s. e edits the steps not sent.", cur.N, next)
	}
	return fmt.Sprintf("r runs the story on from step %d; e edits the steps not sent.", cur.N)
}

func stoppedStyle(st theme.Styles, cur tasks.StepView) func(...string) string {
	if cur.State == store.StatusUnknown {
		return st.Bold.Render
	}
	return st.Faint.Render
}

func (m Model) storyNote(v *tasks.StoryView) []string {
	st := m.deps.Styles
	w := max(20, m.width-2)
	var lines []string
	say := func(style func(...string) string, text string) {
		lines = append(lines, style(format.Wrap(text, w)))
	}
	switch v.Story.Status {
	case store.StoryPlanned:
		say(st.Value.Render, "Planned: nothing was sent. r shows the review (every step, the cost, the balance before and after, the final length) and runs it on y.")
	case store.StoryRunning:
		if v.Next < len(v.Steps) {
			cur := v.Steps[v.Next]
			text := fmt.Sprintf("Step %d is %s", cur.N, format.StatusWord(cur.State))
			if cur.Task != nil && cur.State == store.StatusRunning {
				text += " (" + format.Timing(cur.Task, 0, m.deps.Now()) + ")"
			}
			if cur.N < len(v.Steps) {
				text += fmt.Sprintf("; step %d is sent when it succeeds", cur.N+1)
			}
			say(st.Value.Render, text+". veox runs the story while it is open (or 'veox story run --wait'); x stops it.")
		}
	case store.StoryStopped:
		say(st.Warning.Render, "Stopped: "+api.Sanitize(v.Story.Reason))
		if v.Next < len(v.Steps) {
			say(stoppedStyle(st, v.Steps[v.Next]), stoppedNote(v.Steps[v.Next], len(v.Steps)))
		}
	case store.StoryDone:
		if film := v.Film(); film != "" {
			say(st.Success.Render, "Done: the film is "+film)
		} else {
			say(st.Success.Render, "Done: every step succeeded (its video is fetched when the download finishes; f shows downloads).")
		}
	}
	if m.cursor < len(v.Steps) {
		s := v.Steps[m.cursor]
		lines = append(lines, "", st.Faint.Render(fmt.Sprintf("step %d  %s", s.N, stepOptions(s))))
		lines = append(lines, format.Wrap(api.Sanitize(s.Prompt), w))
		if t := s.Task; t != nil && t.Error != nil && s.State != store.StatusSucceeded {
			lines = append(lines, st.Error.Render(format.Wrap(api.Sanitize(t.Error.Message), w)))
		}
		if n := len(v.Story.Steps[m.cursor].Tried); n > 0 {
			lines = append(lines, st.Faint.Render(fmt.Sprintf("%d earlier attempt(s) made nothing; they stay in the history", n)))
		}
	}
	return lines
}

func stepOptions(s tasks.StepView) string {
	parts := []string{s.Model, "seed random"}
	if s.Seed != 0 {
		parts[1] = fmt.Sprintf("seed %d", s.Seed)
	}
	if s.Task != nil {
		parts[1] = "seed " + format.Seed(s.Task)
	}
	if s.Watermark != "" {
		parts = append(parts, "watermark "+s.Watermark)
	}
	return strings.Join(parts, " · ")
}

func (m Model) reviewView() []string {
	st := m.deps.Styles
	lines := []string{st.Title.Render("Review before spending")}
	r := m.review
	if r == nil {
		return append(lines, "", st.Faint.Render("reading the balance and asking the service about the video the next step extends…"))
	}
	v := r.View
	w := max(20, m.width-2)
	lines = append(lines, st.Faint.Render(fmt.Sprintf("story %s from %s", v.Story.ID, sourceWords(v))), "")
	for _, s := range v.Steps {
		if !s.Editable() {
			continue
		}
		lines = append(lines, "  "+m.stepRow(s, false))
	}
	lines = append(lines, "",
		fmt.Sprintf("To spend:      about %d credits for %d step(s)", v.ToSpend, v.StepsToSend()),
		fmt.Sprintf("Balance:       %s now, about %s after", format.Credits(r.Balance), format.Credits(r.After)))
	if t := format.StoryToday(r); t != "" {
		lines = append(lines, format.Wrap("Today:         "+t, w))
	}
	if v.FinalSeconds > 0 {
		lines = append(lines, fmt.Sprintf("Final length:  %d s (+%d s a step)", v.FinalSeconds, tasks.StepSeconds))
	}
	lines = append(lines, st.Faint.Render("Prices drift: the balance is what to trust."))
	for _, n := range r.Notes {
		lines = append(lines, st.Warning.Render(format.Wrap("note: "+api.Sanitize(n), w)))
	}
	for _, p := range r.Problems {
		lines = append(lines, st.Error.Render(format.Wrap("cannot start: "+api.Sanitize(p), w)))
	}
	lines = append(lines, "")
	if r.CanStart() {
		lines = append(lines, st.Bold.Render(format.Wrap("y runs the story unattended: each step is sent when the one before succeeds · n/esc goes back", w)))
	} else {
		lines = append(lines, st.Bold.Render("Nothing was sent. esc goes back."))
	}
	return lines
}

func (m Model) editView() []string {
	st := m.deps.Styles
	var title string
	if m.ed.source != nil {
		title = st.Title.Render("New story") + st.Faint.Render(fmt.Sprintf("  from %s · default model %s (M changes it)",
			format.Kind(m.ed.source)+" "+format.Short(format.ID(m.ed.source)), m.ed.model))
	} else {
		title = st.Title.Render("Edit story "+m.view.Story.ID) + st.Faint.Render("  steps sent stay as they are")
	}
	lines := []string{title, st.Faint.Render(fmt.Sprintf("  %-2s %-18s %s", "#", "OPTIONS", "PROMPT"))}
	all := len(m.ed.fixed) + len(m.ed.steps)
	end := min(all, m.offset+m.rowsShown())
	for i := m.offset; i < end; i++ {
		var row string
		if i < len(m.ed.fixed) {
			s := m.ed.fixed[i]
			row = st.Faint.Render(fmt.Sprintf("%-2d %-18s %s", s.N, format.StatusWord(s.State), format.Line(s.Prompt, max(10, m.width-26))))
		} else {
			s := m.ed.steps[i-len(m.ed.fixed)]
			row = fmt.Sprintf("%-2d %-18s %s", i+1, format.Line(stepOpts(s), 18), format.Line(s.Prompt, max(10, m.width-26)))
		}
		lines = append(lines, m.cursorRow(i == m.cursor && m.mode != modeStep, row))
	}
	if all == 0 {
		lines = append(lines, st.Faint.Render("  no steps yet: a adds one"))
	}
	lines = append(lines, st.Faint.Render(m.editSummary()))
	switch m.mode {
	case modeStep:
		n := len(m.ed.fixed) + m.ed.at + 1
		lines = append(lines, "", st.Bold.Render(fmt.Sprintf("Step %d", n))+st.Faint.Render("  what happens next · blank lines make several steps · ctrl+s keeps it"),
			m.ed.area.View())
	case modeDiscard:
		lines = append(lines, "", st.Warning.Render("Leave the editor? What you changed is not saved. y leaves · n stays"))
	}
	return lines
}

func stepOpts(s store.StoryStep) string {
	var parts []string
	if s.Model != "" {
		parts = append(parts, s.Model)
	}
	if s.Seed != 0 {
		parts = append(parts, fmt.Sprintf("seed %d", s.Seed))
	}
	if s.Watermark != "" {
		parts = append(parts, "wm "+s.Watermark)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " ")
}

// editSummary is the plan's figures as written: steps, length, cost.
func (m Model) editSummary() string {
	n := len(m.ed.fixed) + len(m.ed.steps)
	credits := 0
	def := m.ed.model
	if m.view != nil {
		def = m.view.Story.Model
	}
	for _, s := range m.ed.steps {
		credits += tasks.ExtendCost(firstNonEmpty(s.Model, def))
	}
	src := m.ed.srcSecs
	if m.view != nil {
		src = m.view.SourceSeconds
	}
	length := fmt.Sprintf("+%d s", tasks.StepSeconds*n)
	if src > 0 {
		length = fmt.Sprintf("%d → %d s", src, src+tasks.StepSeconds*n)
	}
	return fmt.Sprintf("  %d step(s) · %s · about %d credits for the steps written here", n, length, credits)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

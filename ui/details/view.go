package details

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/viewport"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// View is the scrolling content and, below it, the current step or the
// last note with a scroll hint. The bottom wraps (a cost warning must be
// read whole), and the page gives up the lines it takes.
func (m Model) View() string {
	bottom := m.bottom()
	vp := m.page(bottom)
	return vp.View() + "\n" + m.withHint(bottom, vp)
}

// page is the viewport sized to what the bottom leaves, over the content.
// The content is rebuilt each time so running times stay current; it is
// one task, cheap to render.
func (m Model) page(bottom string) viewport.Model {
	vp := m.vp
	vp.Height = max(1, m.height-strings.Count(bottom, "\n")-1)
	vp.SetContent(m.content().text)
	return vp
}

// bottom is the current step, or the note of the last local action.
func (m Model) bottom() string {
	st := m.deps.Styles
	if m.mode == modeSettle {
		return m.input.View() + "\n" + st.Info.Render(format.Wrap(m.note, m.width))
	}
	if m.mode != modeView {
		return st.Warning.Render(format.Wrap(m.actionText(), m.width))
	}
	return st.Info.Render(format.Wrap(m.note, m.width))
}

// withHint puts the scroll hint at the right of the bottom's last line, or
// on a line of its own when that line is full. vp is sized for the bottom
// alone, so a hint on its own line takes a line from the page.
func (m Model) withHint(bottom string, vp viewport.Model) string {
	hint := scrollHint(vp)
	if hint == "" {
		return bottom
	}
	hint = m.deps.Styles.Faint.Render(hint)
	lines := strings.Split(bottom, "\n")
	last := lines[len(lines)-1]
	if gap := m.width - lipgloss.Width(last) - lipgloss.Width(hint); gap >= 2 {
		lines[len(lines)-1] = last + strings.Repeat(" ", gap) + hint
		return strings.Join(lines, "\n")
	}
	return bottom + "\n" + lipgloss.PlaceHorizontal(m.width, lipgloss.Right, hint)
}

// scrollHint says there is more and how to reach it ("" when all fits).
func scrollHint(vp viewport.Model) string {
	total := vp.TotalLineCount()
	if total <= vp.Height {
		return ""
	}
	last := min(total, vp.YOffset+vp.Height)
	keys := "↓/j space: more"
	if vp.AtBottom() {
		keys = "↑/k pgup: back up"
	}
	return fmt.Sprintf("lines %d–%d of %d · %s", vp.YOffset+1, last, total, keys)
}

// actionText is what the current step asks.
func (m Model) actionText() string {
	switch m.mode {
	case modeChoose:
		return fmt.Sprintf("Upscale: 1 = 1080p (about %d credits; the source can no longer be extended after it), 4 = 4K (about %d credits). esc cancels.",
			tasks.UpscaleCost(tasks.Upscale1080), tasks.UpscaleCost(tasks.Upscale4K))
	case modeConfirmUpscale:
		cost := tasks.UpscaleCost(m.upTo)
		warn := ""
		if m.upTo == tasks.Upscale1080 {
			warn = " This source can NOT be extended afterwards: extend first, upscale last."
		}
		return fmt.Sprintf("Spend about %d credits on a %s version?%s y/enter confirms, esc cancels.", cost, m.upTo, warn)
	case modeConfirmDismiss:
		return "Dismiss: you checked that this create did NOT go through (no task on the service, no charge)? y confirms, esc cancels."
	case modeConfirmSettle:
		return m.settleText()
	}
	return ""
}

// page is the content of the viewport, and the line of the chosen task of
// the family (-1 if none) so moving the choice can scroll to it.
type page struct {
	text    string
	selLine int
}

// content is the whole page; the viewport shows the part that fits. What
// matters comes first: the prompt (and an extension's seam), what went
// wrong, the video on disk, the chain; then how it was made (parameters,
// cost, timeline); the links, their validity and the checksums last.
func (m Model) content() page {
	st := m.deps.Styles
	switch {
	case m.err != nil:
		return page{st.Error.Render(format.Wrap("Cannot read this task: "+m.err.Error(), max(20, m.width))), -1}
	case m.task == nil:
		return page{st.Faint.Render("loading…"), -1}
	}
	w := max(20, m.width-1)
	var out []string
	lines := 0 // lines of out joined, so the family's chosen line is known
	add := func(s string) {
		if s == "" {
			return
		}
		if len(out) > 0 {
			lines += 2 // the newline ending the last section and the blank line
		}
		out = append(out, s)
		lines += strings.Count(s, "\n")
	}
	for _, s := range []string{m.title(), m.prompt(w), m.seamSection(w), m.unknown(w), m.failure(w), m.video(w)} {
		add(s)
	}
	fam, sel := m.familyView(w)
	if fam != "" && sel >= 0 {
		sel += lines + 2
	}
	add(fam)
	for _, s := range []string{m.params(w), m.timeline(w), m.framesSection(w), m.links(w), m.checksums(w)} {
		add(s)
	}
	return page{strings.Join(out, "\n\n"), sel}
}

// title is the kind, id and status; a running task says how long it has
// run and, as in the list, about how long it has left.
func (m Model) title() string {
	st, t := m.deps.Styles, m.task
	status := st.ForStatus(t.Status).Render(format.Glyph(t.Status) + " " + format.StatusWord(t.Status))
	head := st.Title.Render(strings.ToUpper(format.Kind(t)[:1])+format.Kind(t)[1:]+" "+format.ID(t)) + "  " + status
	if t.Status == store.StatusRunning {
		head += "  " + st.Running.Render(format.Timing(t, m.estimate, m.deps.Now()))
	}
	return head + "\n" + st.Faint.Render("local id "+t.LocalID)
}

func (m Model) section(name string) string { return m.deps.Styles.Bold.Render(name) }

func (m Model) prompt(w int) string {
	p := m.task.Request.Prompt
	if p == "" {
		p = "(no prompt recorded)"
	}
	return m.section("Prompt") + "\n" + m.para(p, w)
}

// para is prose wrapped to the width, indented under its section.
func (m Model) para(text string, w int) string { return indent(format.Wrap(text, w-2)) }

// whole is a URL or a path shown entirely: indented on its line when it
// fits; else from the first column, in pieces as wide as the screen, with
// nothing put inside it, so a selection over those lines (or the lines
// joined) gives back the exact text, as a terminal's own soft wrap would.
func (m Model) whole(s string, w int) string {
	if ansi.StringWidth(s) <= w-2 {
		return indent(s)
	}
	return ansi.Hardwrap(s, max(20, m.width), true)
}

func (m Model) params(w int) string {
	t, st := m.task, m.deps.Styles
	r := t.Request
	kv := []string{"model " + orDash(r.Model), "seed " + format.Seed(t)}
	if r.Seed == 0 && len(t.Seeds) > 0 {
		kv[1] += " (asked: random)"
	}
	add := func(label, v string) {
		if v != "" {
			kv = append(kv, label+" "+v)
		}
	}
	add("type", tasks.TypeName(r.GenerationType))
	add("aspect", r.AspectRatio)
	add("resolution", firstOf(t.Resolution, r.Resolution))
	if r.Duration > 0 {
		add("duration", fmt.Sprintf("%ds", r.Duration))
	}
	if r.Watermark != "" {
		add("watermark", fmt.Sprintf("%q", r.Watermark))
	}
	add("upscale to", r.UpscaleTo)
	lines := append([]string{m.section("Parameters"), m.para(strings.Join(kv, " · "), w)}, m.cost(w)...)
	if t.Upscaled1080 {
		lines = append(lines, st.Warning.Render(m.para("1080p requested: no longer extendable", w)))
	}
	return strings.Join(lines, "\n")
}

// timeline is one line per status change; a long note wraps under itself.
func (m Model) timeline(w int) string {
	now := m.deps.Now()
	lines := []string{m.section("Timeline")}
	for _, e := range m.task.Events {
		head := fmt.Sprintf("  %-12s %s %-8s", format.Clock(e.At, now), format.Glyph(e.Status), format.StatusWord(e.Status))
		if e.Note == "" {
			lines = append(lines, head)
			continue
		}
		pad := strings.Repeat(" ", ansi.StringWidth(head)+2)
		note := format.Wrap(e.Note, max(10, w-len(pad)))
		lines = append(lines, head+"  "+strings.ReplaceAll(note, "\n", "\n"+pad))
	}
	if t := m.task; t.Status == store.StatusRunning {
		lines = append(lines, "  "+m.deps.Styles.Running.Render("running for "+format.Timing(t, m.estimate, now)))
	} else if !t.CompletedAt.IsZero() && !t.SubmittedAt.IsZero() {
		lines = append(lines, "  took "+format.Duration(format.Elapsed(t, now)))
	}
	return strings.Join(lines, "\n")
}

// unknown explains a create whose answer never came, and what to do.
func (m Model) unknown(w int) string {
	if m.task.Status != store.StatusUnknown {
		return ""
	}
	st := m.deps.Styles
	text := "veox sent this create but never got the answer (a timeout, a lost connection, or veox stopped while sending). " +
		"The service may have made the video and charged for it, or not. veox never resends it on its own, so you decide: " +
		"look at the service's dashboard or your credit balance. If the task is there, press s and type its id: veox picks it up. " +
		"If it is not, press D to dismiss it."
	return st.Warning.Render("What happened") + "\n" + m.para(text, w)
}

func (m Model) failure(w int) string {
	e := m.task.Error
	if e == nil || m.task.Status == store.StatusSucceeded {
		return ""
	}
	st := m.deps.Styles
	msg := e.Message
	if e.Code != 0 {
		msg += fmt.Sprintf(" (code %d)", e.Code)
	}
	out := st.Error.Render("Error") + "\n" + m.para(msg, w)
	if e.Hint != "" {
		out += "\n" + st.Info.Render(m.para("hint: "+e.Hint, w))
	}
	return out
}

// links lists the URLs whole and says honestly how long they hold: the
// link itself may last about a day; the service keeps the media 14 days.
// The URLs the request was sent with follow.
func (m Model) links(w int) string {
	t, st, now := m.task, m.deps.Styles, m.deps.Now()
	var lines []string
	if urls := t.BestURLs(); len(urls) > 0 {
		lines = append(lines, m.section("Result")+st.Faint.Render("  (c copies the first)"))
		for _, u := range urls {
			lines = append(lines, m.whole(u, w))
		}
		if len(t.FullResultURLs) > 0 && len(t.ResultURLs) > 0 {
			lines = append(lines, st.Faint.Render(m.para("the above is the whole stitched video; the new part alone:", w)), m.whole(t.ResultURLs[0], w))
		}
		lines = append(lines, st.Faint.Render(m.para(validity(t, now), w)))
	}
	r := t.Request
	if r.CallbackURL == "" && len(r.ImageURLs) == 0 {
		return strings.Join(lines, "\n")
	}
	if len(lines) > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, m.section("Sent with"))
	if r.CallbackURL != "" {
		lines = append(lines, "  callback", m.whole(r.CallbackURL, w))
	}
	for _, u := range r.ImageURLs {
		lines = append(lines, "  image", m.whole(u, w))
	}
	return strings.Join(lines, "\n")
}

func validity(t *store.Task, now time.Time) string {
	s := "link fetched " + format.Ago(t.URLsAt, now) + "; it may last about a day and refreshes on download"
	until := tasks.ExpiresAt(t)
	if until.IsZero() {
		return s
	}
	if left := until.Sub(now); left > 0 {
		return s + fmt.Sprintf(" · the service keeps the video until %s (%s left)", until.Format("Jan 2"), format.Rough(left))
	}
	return s + " · past the service's 14 days: only your local files remain"
}

// video says whether the video is on disk: each local file whole, with
// its size and length, or how to get it.
func (m Model) video(w int) string {
	st := m.deps.Styles
	if len(m.task.Files) == 0 {
		if m.task.Status == store.StatusSucceeded {
			return m.section("Video") + "\n  " + st.Faint.Render("not downloaded yet: d downloads it")
		}
		return ""
	}
	lines := []string{m.section("Video") + st.Faint.Render("  (o plays the first)")}
	for _, f := range m.task.Files {
		meta := format.Size(f.Size)
		if f.Duration > 0 {
			meta += fmt.Sprintf(" · %.1f s", f.Duration.Seconds())
		}
		if marks := format.FileMarks(f, m.missing[f.Path]); marks != "" {
			meta += " · " + marks
		}
		lines = append(lines, m.whole(f.Path, w), m.para(meta, w))
	}
	return strings.Join(lines, "\n")
}

// checksums are the files' sha256, for whoever checks a copy.
func (m Model) checksums(w int) string {
	var lines []string
	for _, f := range m.task.Files {
		if f.SHA256 == "" {
			continue
		}
		if len(m.task.Files) > 1 {
			lines = append(lines, m.para(filepath.Base(f.Path), w))
		}
		lines = append(lines, m.deps.Styles.Faint.Render(m.whole(f.SHA256, w)))
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(append([]string{m.section("Checksums") + m.deps.Styles.Faint.Render("  (sha256)")}, lines...), "\n")
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

package details

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/theme"
)

// Retention is how long the service keeps records and media after a task
// completes (veo-api.md).
const Retention = 14 * 24 * time.Hour

// View is the scrolling content and the line of the current step.
func (m Model) View() string {
	// The content is rebuilt per frame so running times stay current; it is
	// one task, cheap to render.
	vp := m.vp
	vp.SetContent(m.content())
	return vp.View() + "\n" + m.actionLine()
}

func (m Model) actionLine() string {
	st := m.deps.Styles
	switch m.mode {
	case modeChoose:
		return st.Warning.Render("Upscale: 1 = 1080p (about 5 credits; the source can no longer be extended after it), 4 = 4K (about 120 credits). esc cancels.")
	case modeConfirmUpscale:
		cost := tasks.EstimateCost(m.upTo, "")
		warn := ""
		if m.upTo == tasks.Upscale1080 {
			warn = " This source can NOT be extended afterwards: extend first, upscale last."
		}
		return st.Warning.Render(fmt.Sprintf("Spend about %d credits on a %s version?%s y/enter confirms, esc cancels.", cost, m.upTo, warn))
	case modeConfirmDismiss:
		return st.Warning.Render("Dismiss: you checked that this create did NOT go through (no task on the service, no charge)? y confirms, esc cancels.")
	case modeSettle:
		return m.input.View()
	}
	return st.Info.Render(m.note)
}

// content is the whole page; the viewport shows the part that fits.
func (m Model) content() string {
	st := m.deps.Styles
	switch {
	case m.err != nil:
		return st.Error.Render("Cannot read this task: " + m.err.Error())
	case m.task == nil:
		return st.Faint.Render("loading…")
	}
	w := max(20, m.width-2)
	sections := []string{m.title(), m.prompt(w), m.params(), m.timeline(), m.unknown(w), m.failure(w), m.results(w), m.files(w), m.family()}
	var out []string
	for _, s := range sections {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}

func (m Model) title() string {
	st, t := m.deps.Styles, m.task
	status := st.ForStatus(t.Status).Render(theme.Glyph(t.Status) + " " + theme.StatusWord(t.Status))
	head := st.Title.Render(strings.ToUpper(format.Kind(t)[:1])+format.Kind(t)[1:]+" "+format.ID(t)) + "  " + status
	return head + "\n" + st.Faint.Render("local id "+t.LocalID)
}

func (m Model) section(name string) string { return m.deps.Styles.Bold.Render(name) }

func (m Model) prompt(w int) string {
	p := m.task.Request.Prompt
	if p == "" {
		p = "(no prompt recorded)"
	}
	return m.section("Prompt") + "\n" + indent(lipgloss.NewStyle().Width(w-2).Render(p))
}

func (m Model) params() string {
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
	add("callback", r.CallbackURL)
	add("upscale to", r.UpscaleTo)
	if t.Upscaled1080 {
		kv = append(kv, st.Warning.Render("1080p requested: no longer extendable"))
	}
	wrap := lipgloss.NewStyle().Width(max(20, m.width-4))
	lines := []string{m.section("Parameters"), indent(wrap.Render(strings.Join(kv, " · ")))}
	for _, u := range r.ImageURLs {
		lines = append(lines, "  image "+u)
	}
	return strings.Join(lines, "\n")
}

func (m Model) timeline() string {
	now := m.deps.Now()
	lines := []string{m.section("Timeline")}
	for _, e := range m.task.Events {
		line := fmt.Sprintf("  %-12s %s %-8s", format.Clock(e.At, now), theme.Glyph(e.Status), theme.StatusWord(e.Status))
		if e.Note != "" {
			line += "  " + e.Note
		}
		lines = append(lines, format.Line(line, max(20, m.width-1)))
	}
	if t := m.task; t.Status == store.StatusRunning {
		lines = append(lines, "  "+m.deps.Styles.Running.Render("running for "+format.Duration(format.Elapsed(t, now))))
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
	return st.Warning.Render("What happened") + "\n" + indent(lipgloss.NewStyle().Width(w-2).Render(text))
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
	out := st.Error.Render("Error") + "\n" + indent(lipgloss.NewStyle().Width(w-2).Render(msg))
	if e.Hint != "" {
		out += "\n" + indent(st.Info.Render(lipgloss.NewStyle().Width(w-2).Render("hint: "+e.Hint)))
	}
	return out
}

// results lists the URLs and says honestly how long they hold: the link
// itself may last about a day; the service keeps the media 14 days.
func (m Model) results(w int) string {
	t, st, now := m.task, m.deps.Styles, m.deps.Now()
	urls := t.BestURLs()
	if len(urls) == 0 {
		return ""
	}
	lines := []string{m.section("Result")}
	for _, u := range urls {
		lines = append(lines, "  "+format.Line(u, w-2))
	}
	if len(t.FullResultURLs) > 0 && len(t.ResultURLs) > 0 {
		lines = append(lines, st.Faint.Render("  the whole stitched video; the new part alone: "+format.Line(t.ResultURLs[0], w-40)))
	}
	lines = append(lines, "  "+st.Faint.Render(validity(t, now)))
	return strings.Join(lines, "\n")
}

func validity(t *store.Task, now time.Time) string {
	s := "link fetched " + format.Ago(t.URLsAt, now) + "; it may last about a day and refreshes on download"
	if t.CompletedAt.IsZero() {
		return s
	}
	until := t.CompletedAt.Add(Retention)
	if left := until.Sub(now); left > 0 {
		return s + fmt.Sprintf(" · the service keeps the video until %s (%s left)", until.Format("Jan 2"), format.Rough(left))
	}
	return s + " · past the service's 14 days: only your local files remain"
}

func (m Model) files(w int) string {
	st := m.deps.Styles
	if len(m.task.Files) == 0 {
		if m.task.Status == store.StatusSucceeded {
			return m.section("Files") + "\n  " + st.Faint.Render("not downloaded yet: d downloads it")
		}
		return ""
	}
	lines := []string{m.section("Files")}
	for _, f := range m.task.Files {
		meta := format.Size(f.Size)
		if f.Duration > 0 {
			meta += fmt.Sprintf(" · %.1f s", f.Duration.Seconds())
		}
		meta += " · sha256 " + format.ShortID(f.SHA256, 16) + "…"
		lines = append(lines, "  "+format.Line(f.Path, w-2), "  "+st.Faint.Render(meta))
	}
	return strings.Join(lines, "\n")
}

// family is the chain (root first) and the tasks made from this one.
func (m Model) family() string {
	st := m.deps.Styles
	var lines []string
	if len(m.chain) > 1 || m.task.ParentID != "" {
		var parts []string
		if len(m.chain) > 0 && m.chain[0].ParentID != "" {
			parts = append(parts, "… "+format.ShortID(m.chain[0].ParentID, 10)+" (not in history)")
		}
		for i := range m.chain {
			t := &m.chain[i]
			p := format.Kind(t) + " " + format.ShortID(format.ID(t), 10) + " " + theme.Glyph(t.Status)
			if t.LocalID == m.task.LocalID {
				p = st.Bold.Render("[" + p + "]")
			}
			parts = append(parts, p)
		}
		lines = append(lines, m.section("Chain")+"  (p opens the parent)", "  "+strings.Join(parts, " → "))
	}
	if len(m.children) > 0 {
		lines = append(lines, m.section("Made from it"))
		for i := range m.children {
			c := &m.children[i]
			lines = append(lines, fmt.Sprintf("  %s %-8s %-9s %s  %s", theme.Glyph(c.Status), theme.StatusWord(c.Status),
				format.Kind(c), format.ShortID(format.ID(c), 10), format.Line(c.Request.Prompt, 40)))
		}
	}
	return strings.Join(lines, "\n")
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

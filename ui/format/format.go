// Package format turns times, sizes and ids into the short words the
// screens show. Everything takes "now" as an argument so views stay pure and
// golden tests can use a fake clock.
package format

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
)

// Duration is a compact, human duration: "45s", "4m12s", "3h05m", "2d4h".
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// Rough is a duration rounded for estimates: "40s", "4m", "2h".
func Rough(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()+0.5), 1))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()+0.5))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24+0.5))
}

// Ago says how long ago t was: "just now", "3m ago", "2d ago".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 5*time.Second {
		return "just now"
	}
	return Rough(d) + " ago"
}

// Clock is a time of day for the timeline and the status bar; older times
// get their date so "10:04" never means yesterday.
func Clock(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04")
}

// Size is a byte count in the unit a person reads: "812 B", "4.2 MB".
func Size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Speed is a transfer rate: "1.3 MB/s".
func Speed(bytesPerSec float64) string {
	if bytesPerSec <= 0 {
		return "—"
	}
	return Size(int64(bytesPerSec)) + "/s"
}

// ID is the id a person recognises: the service's when there is one,
// otherwise ours (a task not yet accepted).
func ID(t *store.Task) string {
	if t.TaskID != "" {
		return t.TaskID
	}
	return t.LocalID
}

// Short is the one short form of an id, the same on every screen so a
// task is recognised wherever it appears:
//   - a service id of 32 hex digits: its first 8 ("31b43470");
//   - an id made of words ("veo_task_demo_lighthouse"): the last word
//     ("lighthouse"), since the prefix is shared by every task;
//   - a local id ("l1hqmd7lmkn9usrd3d"): its last 8, since the leading
//     characters encode the time and are shared by tasks made together;
//   - anything else: whole up to 12 characters, else its first 8.
func Short(id string) string {
	if i := strings.LastIndexByte(id, '_'); i >= 0 && i < len(id)-1 {
		return Short(id[i+1:])
	}
	switch {
	case len(id) >= 16 && isHex(id):
		return id[:8]
	case isLocalID(id):
		return id[len(id)-8:]
	case len(id) <= 12:
		return id
	}
	return id[:8]
}

func isHex(s string) bool {
	return strings.Trim(strings.ToLower(s), "0123456789abcdef") == ""
}

// isLocalID matches store.NewLocalID: "l" and 17 base32 characters.
func isLocalID(s string) bool {
	return len(s) == 18 && s[0] == 'l' && strings.Trim(s[1:], "0123456789abcdefghijklmnopqrstuv") == ""
}

// Wrap breaks prose into lines of at most width cells at spaces (a word
// longer than the width is cut), so nothing is lost at the screen's edge.
func Wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Wrap(s, width, "")
}

// Break shows a URL or a path whole when it fits, else across lines, cut
// after a separator when one is near so the pieces read; nothing is
// dropped or added, so the full text can still be read and copied.
func Break(s string, width int) []string {
	if width <= 0 || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	if strings.ContainsAny(s, " \t") {
		// Word wrapping would eat the spaces that are part of the path.
		return strings.Split(ansi.Hardwrap(s, width, true), "\n")
	}
	return strings.Split(ansi.Wrap(s, width, "/_-?&="), "\n")
}

// Line flattens text to one line (prompts may hold newlines) and cuts it to
// width cells with an ellipsis.
func Line(s string, width int) string {
	if !oneLine(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	if width <= 0 {
		return ""
	}
	return truncate(s, width)
}

// Pad cuts or pads s to exactly width cells, so columns line up whatever
// the text.
func Pad(s string, width int) string {
	if w, ok := plainWidth(s); ok && w <= width { // every list row's cells, drawn 30 times a second while a key is held
		return s + blanks(width-w)
	}
	s = ansi.Truncate(s, width, "…")
	if w := ansi.StringWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// truncate is ansi.Truncate with an ellipsis, without its parser for
// printable ASCII, where a byte is a cell.
func truncate(s string, width int) string {
	if !printable(s) {
		return ansi.Truncate(s, width, "…")
	}
	switch {
	case len(s) <= width:
		return s
	case width < 1:
		return ""
	}
	return s[:width-1] + "…"
}

// WritePadded writes Pad(s, width) to b, without making it first when s
// is plain ASCII that fits.
func WritePadded(b *strings.Builder, s string, width int) {
	if w, ok := plainWidth(s); ok && w <= width {
		b.WriteString(s)
		b.WriteString(blanks(width - w))
		return
	}
	b.WriteString(Pad(s, width))
}

// plainWidth is the cells s takes when it is printable ASCII, perhaps cut
// with an ellipsis (as truncate leaves it); ok is false for anything else.
func plainWidth(s string) (int, bool) {
	if cut, ok := strings.CutSuffix(s, "…"); ok {
		return len(cut) + 1, printable(cut)
	}
	return len(s), printable(s)
}

// spaces is a run of blanks to take padding from.
const spaces = "                                                                                "

func blanks(n int) string {
	if n <= len(spaces) {
		return spaces[:n]
	}
	return strings.Repeat(" ", n)
}

// printable: s is printable ASCII alone, so each byte is one cell and
// holds nothing a terminal would act on.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// oneLine: s is printable ASCII with single spaces between words and none
// at either end, as strings.Fields and a join would leave it.
func oneLine(s string) bool {
	if !printable(s) || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return false
	}
	return !strings.Contains(s, "  ")
}

// Elapsed is how long a task has run (or ran): from acceptance (or the
// intent) to completion (or now).
func Elapsed(t *store.Task, now time.Time) time.Duration {
	start := t.SubmittedAt
	if start.IsZero() {
		start = t.CreatedAt
	}
	end := t.CompletedAt
	if end.IsZero() || !store.Finished(t.Status) {
		end = now
	}
	if start.IsZero() || end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

// Seed is the seed to show: what the service reports, else what was asked,
// else "random".
func Seed(t *store.Task) string {
	if n := SeedValue(t); n != 0 {
		return fmt.Sprint(n)
	}
	return "random"
}

// SeedValue is the seed as a number: what the service reports, else what
// was asked, else 0 (none known).
func SeedValue(t *store.Task) int {
	if t.Row != nil { // a list row: the store worked it out the same way
		return t.Row.Seed
	}
	if len(t.Seeds) > 0 && t.Seeds[0] != 0 {
		return t.Seeds[0]
	}
	return t.Request.Seed
}

// Kind is a task's kind as a short word, upscales with their target.
func Kind(t *store.Task) string {
	if t.Kind == store.KindUpscale && t.Request.UpscaleTo != "" {
		return "up " + t.Request.UpscaleTo
	}
	return t.Kind
}

// Credits formats a balance: whole credits, with two decimals only when
// the service gives fractions.
func Credits(c float64) string {
	if c == float64(int64(c)) {
		return fmt.Sprintf("%d", int64(c))
	}
	return fmt.Sprintf("%.2f", c)
}

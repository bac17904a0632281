package format

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
)

func TestShortIsOneRuleForEveryKindOfID(t *testing.T) {
	cases := map[string]string{
		"veo_task_demo_lighthouse":          "lighthouse",
		"veo_task_demo_forest":              "forest",
		"31b434709b3c9ab7ceedc0259a1b886a":  "31b43470",
		"veo_task_31b434709b3c9ab7ceedc025": "31b43470",
		"l1hqmd7lmkn9usrd3d":                "n9usrd3d",
		"abc":                               "abc",
		"a-long-id-that-is-not-hex":         "a-long-i",
	}
	for id, want := range cases {
		if got := Short(id); got != want {
			t.Errorf("Short(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestBreakKeepsEveryCharacter(t *testing.T) {
	path := "/tmp/vh-pol/v/2026-11-23_31b434709b3c9ab7ceedc0259a1b886a_the-camera-pulls-back.mp4"
	for _, w := range []int{20, 40, 76, 200} {
		lines := Break(path, w)
		if strings.Join(lines, "") != path {
			t.Errorf("width %d lost characters: %q", w, lines)
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %q is wider", w, l)
			}
		}
	}
	if got := Break("/a b/c d e f g.mp4", 5); strings.Join(got, "") != "/a b/c d e f g.mp4" {
		t.Errorf("spaces in a path were dropped: %q", got)
	}
}

func TestWrapFitsTheWidth(t *testing.T) {
	s := "link fetched just now; it may last about a day and refreshes on download · the service keeps the video"
	for _, l := range strings.Split(Wrap(s, 30), "\n") {
		if ansi.StringWidth(l) > 30 {
			t.Errorf("line %q is wider than 30", l)
		}
	}
}

func TestFileWords(t *testing.T) {
	part := store.File{Path: "/v/a_part.mp4", Part: true}
	whole := store.File{Path: "/v/a.mp4"}
	cases := []struct{ got, want string }{
		{FileMarks(part, false), "new part only"},
		{FileMarks(part, true), "new part only, missing"},
		{FileMarks(whole, true), "missing"},
		{FileMarks(whole, false), ""},
		{Fetched(whole, true, false), "saved /v/a.mp4"},
		{Fetched(part, true, false), "saved /v/a_part.mp4 (new part only)"},
		{Fetched(whole, false, false), "already on disk, verified: /v/a.mp4"},
		{Fetched(whole, false, true), "another veox downloaded it meanwhile: /v/a.mp4"},
		{FileCount(&store.Task{Files: []store.File{part}}), "1 (new part only)"},
		{FileCount(&store.Task{Files: []store.File{part, whole}}), "2"},
		{FileCount(&store.Task{}), "0"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

// Pad, WritePadded and Line answer printable ASCII without ansi's parser: the answers
// are ansi's, for every width, at the edges of what the fast path takes.
func TestPadAndLineFastPathsAgreeWithAnsi(t *testing.T) {
	slowPad := func(s string, width int) string {
		s = ansi.Truncate(s, width, "…")
		if w := ansi.StringWidth(s); w < width {
			s += strings.Repeat(" ", width-w)
		}
		return s
	}
	slowLine := func(s string, width int) string {
		s = strings.Join(strings.Fields(s), " ")
		if width <= 0 {
			return ""
		}
		return ansi.Truncate(s, width, "…")
	}
	for _, s := range []string{"", "a", "ab", "A lighthouse on a rocky cliff", " lead", "trail ", "two  spaces", "tab\there",
		"new\nline", "~!@#$%^&*()_+{}|:<>?", "cut…", "…", "a…b", "é…", "caf\u00e9", "\x1b[31mred\x1b[0m", "\x7f", "wide 漢字", strings.Repeat("x", 300)} {
		for width := -1; width <= len(s)+2; width++ {
			if got, want := Pad(s, width), slowPad(s, width); got != want {
				t.Errorf("Pad(%q, %d) = %q, want %q", s, width, got, want)
			}
			var b strings.Builder
			if WritePadded(&b, s, width); b.String() != slowPad(s, width) {
				t.Errorf("WritePadded(%q, %d) wrote %q, want %q", s, width, b.String(), slowPad(s, width))
			}
			if got, want := Line(s, width), slowLine(s, width); got != want {
				t.Errorf("Line(%q, %d) = %q, want %q", s, width, got, want)
			}
		}
	}
}

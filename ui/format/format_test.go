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

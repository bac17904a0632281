package format

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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

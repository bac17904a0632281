package details

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/internal/uitest"
)

// Issue 15.6: what matters comes first (the prompt, the video on disk, the
// chain), then how it was made, the links and checksums last.
func TestSectionsComeInTheOrderThatMatters(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{80, 22}, {120, 34}} {
		m, _ := family(t, sz[0], sz[1])
		v := ansi.Strip(m.content().text)
		at := -1
		for _, head := range []string{"Prompt\n", "Video  (o plays", "Chain ", "Made from it", "Parameters\n", "Timeline\n",
			"Result  (c copies", "Checksums"} {
			i := strings.Index(v, head)
			if i < 0 {
				t.Fatalf("%dx%d: no %q in:\n%s", sz[0], sz[1], head, v)
			}
			if i < at {
				t.Errorf("%dx%d: %q comes before the section that should precede it:\n%s", sz[0], sz[1], head, v)
			}
			at = i
		}
		if size := strings.Index(v, "107.3 kB · 15.0 s"); size < 0 || size > strings.Index(v, "Chain ") {
			t.Errorf("%dx%d: the file's size and length are not with the video, before the chain:\n%s", sz[0], sz[1], v)
		}
	}
}

// A URL or path wider than the screen is cut only by the screen's edge,
// from the first column, with nothing inserted: the lines joined (the
// padding to the edge dropped) give back the exact text, as a terminal's
// copy of a soft-wrapped line would.
func TestLongURLsAreNotBrokenInsideByIndentation(t *testing.T) {
	t.Parallel()
	task := familyTasks()[1]
	for _, sz := range [][2]int{{80, 200}, {120, 200}} {
		m, _ := family(t, sz[0], sz[1])
		var joined strings.Builder
		for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
			joined.WriteString(strings.TrimRight(l, " "))
		}
		for _, whole := range []string{task.FullResultURLs[0], task.ResultURLs[0], task.Files[0].Path} {
			if !strings.Contains(joined.String(), whole) {
				t.Errorf("%dx%d: %q is broken inside:\n%s", sz[0], sz[1], whole, m.View())
			}
		}
	}
}

// A running task shows in Details the list's estimate: the same words
// from the same past durations of its kind.
func TestRunningTaskShowsItsEstimate(t *testing.T) {
	t.Parallel()
	e := newFamilyEnv(t)
	m := openDetails(t, e, kidB, 80, 22)
	task, err := e.Store.Get(kidB)
	if err != nil {
		t.Fatal(err)
	}
	// kidB was sent 5 minutes ago; its kind's two successes took 2.
	want := format.Timing(task, tasks.Estimates(e.Store)[store.KindExtend], uitest.Clock())
	if want != "5m00s usually 2m" {
		t.Fatalf("the list would say %q; the fixture changed", want)
	}
	v := ansi.Strip(m.View())
	if title := strings.SplitN(v, "\n", 2)[0]; !strings.Contains(title, want) {
		t.Errorf("the title does not carry the estimate %q:\n%s", want, v)
	}
	if !strings.Contains(v, "running for "+want) {
		t.Errorf("the timeline does not carry the estimate %q:\n%s", want, v)
	}
}

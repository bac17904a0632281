package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Money as a script sees it (issue 14): each create's --json says what
// the balance showed it cost, 'veox spend --json' adds exactly those
// figures, a create past the daily limit in the config file sends nothing
// and exits 2 with the numbers, --over-budget sends it, and confirmAbove
// without a terminal asks for --yes.
func TestBinaryChargesLedgerAndBudget(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"dailyLimit": 420}`), 0o600); err != nil {
		t.Fatal(err)
	}
	type charged struct {
		LocalID  string   `json:"localId"`
		Estimate int      `json:"estimatedCredits"`
		Charged  *float64 `json:"charged"`
		State    string   `json:"chargeState"`
	}
	balance := func() float64 {
		t.Helper()
		r := veox(t, home, nil, "--demo", "credits", "--json")
		return decode[map[string]float64](t, r)["credits"]
	}
	start := balance()
	before := start // the balance before the next create: the last one's after
	creates := [][]string{
		{"generate", "--prompt", "a kite over the dunes", "--model", "veo3", "--resolution", "1080p"},
		{"extend", "--task", demoSource, "--prompt", "the tide comes in", "--model", "lite"},
		{"upscale", demoSource, "--to", "4k"},
	}
	sum := 0.0
	for _, args := range creates {
		r := veox(t, home, nil, append(append([]string{"--demo"}, args...), "--json")...)
		c := decode[charged](t, r)
		after := balance()
		took := before - after
		before = after
		if r.code != 0 || c.Charged == nil || *c.Charged != took || c.State != "measured" || float64(c.Estimate) != took {
			t.Fatalf("%v: exit %d, %+v; the simulator took %v\n%s", args[0], r.code, c, took, r.stderr)
		}
		sum += took
	}
	if sum != 255+30+120 || start-before != sum {
		t.Fatalf("charged %v in all, the balance fell by %v", sum, start-before)
	}

	// 405 are spent: a fast extension (60) would make 465, past 420.
	creates0, history0 := simCreates(t, home), len(nonImports(t, home))
	r := veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "one more", "--json")
	type refusal struct {
		Error struct {
			Kind   string `json:"kind"`
			Budget *struct {
				Cost, SpentToday, DailyLimit, Over float64
			} `json:"budget"`
		} `json:"error"`
	}
	if e := decode[refusal](t, r); r.code != 2 || e.Error.Kind != "budget" || e.Error.Budget == nil ||
		*e.Error.Budget != (struct{ Cost, SpentToday, DailyLimit, Over float64 }{60, 405, 420, 45}) {
		t.Fatalf("past the limit: exit %d, stdout %s, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"about 60 credits", "405 are already spent today", "daily limit is 420", "together 465", "45 over", "Nothing was sent", "--over-budget"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal does not say %q: %s", want, r.stderr)
		}
	}
	if n, h := simCreates(t, home), len(nonImports(t, home)); n != creates0 || h != history0 {
		t.Fatalf("the refused create reached the service (%d creates) or the history (%d entries)", n-creates0, h-history0)
	}
	r = veox(t, home, nil, "--demo", "extend", "--task", demoSource, "--prompt", "one more", "--over-budget", "--json")
	if c := decode[charged](t, r); r.code != 0 || c.Charged == nil || *c.Charged != 60 {
		t.Fatalf("--over-budget: exit %d, %+v, %s", r.code, c, r.stderr)
	}
	sum += 60

	type line struct {
		Key      string  `json:"key"`
		Credits  float64 `json:"credits"`
		Measured float64 `json:"measured"`
		Tasks    int     `json:"tasks"`
	}
	type ledger struct {
		Total  line   `json:"total"`
		Today  line   `json:"today"`
		Groups []line `json:"groups"`
	}
	l := decode[ledger](t, veox(t, home, nil, "--demo", "spend", "--by", "model", "--json"))
	if l.Total.Credits != sum || l.Total.Measured != sum || l.Total.Tasks != 4 || l.Today.Credits != sum {
		t.Fatalf("spend --json: %+v, want %v measured over 4 tasks", l, sum)
	}
	byModel := map[string]float64{}
	for _, g := range l.Groups {
		byModel[g.Key] = g.Credits
	}
	if byModel["quality"] != 255 || byModel["lite"] != 30 || byModel["4k"] != 120 || byModel["fast"] != 60 {
		t.Fatalf("by model: %+v", byModel)
	}
	r = veox(t, home, nil, "--demo", "spend", "--by", "kind", "--since", "today")
	if r.code != 0 || !strings.Contains(r.stdout, "today 465") || !strings.Contains(r.stdout, "extend") {
		t.Fatalf("spend: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"--by", "colour"}, {"--since", "yesterday"}, {"--since", "0d"}} {
		if r := veox(t, home, nil, append([]string{"--demo", "spend"}, bad...)...); r.code != 2 || !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("spend %v: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}

	// A story past the limit: refused as a whole, before its first step,
	// with the numbers; --over-budget runs it to its end.
	prompts := filepath.Join(home, "steps.txt")
	if err := os.WriteFile(prompts, []byte("a storm rolls in\n\nthe sun rises\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	planned := decode[struct {
		ID string `json:"storyId"`
	}](t, veox(t, home, nil, "--demo", "story", "new", "--from", demoSource, "--prompts", prompts, "--json"))
	r = veox(t, home, nil, "--demo", "story", "run", planned.ID, "--yes")
	for _, want := range []string{"about 120 credits", "465 are already spent today", "daily limit is 420", "--over-budget", "nothing was sent"} {
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("story past the limit: exit %d, stderr lacks %q: %s", r.code, want, r.stderr)
		}
	}
	if n := simCreates(t, home); n != creates0+1 {
		t.Fatalf("the refused story sent %d creates", n-creates0-1)
	}
	if r = veox(t, home, nil, "--demo", "story", "run", planned.ID, "--yes", "--over-budget", "--wait"); r.code != 0 {
		t.Fatalf("story --over-budget: exit %d, %s", r.code, r.stderr)
	}
	if n := simCreates(t, home); n != creates0+3 {
		t.Fatalf("the story past the limit on purpose sent %d of its 2 steps", n-creates0-1)
	}

	// confirmAbove, from the environment: no terminal to ask, so --yes.
	above := []string{"VEOX_CONFIRM_ABOVE=100", "VEOX_DAILY_LIMIT=0"}
	r = veox(t, home, above, "--demo", "generate", "--prompt", "a storm at sea", "--model", "veo3")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") || !strings.Contains(r.stderr, "250") {
		t.Fatalf("above confirmAbove: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := simCreates(t, home); n != creates0+3 {
		t.Fatalf("a create waiting for --yes was sent (%d creates)", n-creates0-3)
	}
	if r = veox(t, home, above, "--demo", "generate", "--prompt", "a storm at sea", "--model", "veo3", "--yes"); r.code != 0 {
		t.Fatalf("--yes: exit %d, stderr %q", r.code, r.stderr)
	}
}

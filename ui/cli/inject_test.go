package cli

import (
	"strings"
	"testing"

	"github.com/veox/veox/api/sim"
)

// TestServiceTextCannotDriveTheTerminal: a failure message from the
// service carrying a clipboard write (OSC 52), a screen clear, a C1 CSI and
// a hyperlink reaches stdout and stderr only as plain text, in every
// command that prints it, readable and JSON.
func TestServiceTextCannotDriveTheTerminal(t *testing.T) {
	srv, err := sim.Start(sim.Options{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := newDoctorHome(t)
	h.env["VEOX_BASE_URL"], h.env["VEOX_API_KEY"], h.env["VEOX_POLL_INTERVAL"] = srv.URL, "k", "20ms"
	hostile := "boom \x1b]52;c;ZXZpbA==\x07 \x1b[2J\x1b[H cleared \u009b31m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ end"
	var runs []cliRun
	for _, args := range [][]string{{"generate", "--prompt", "a bridge", "--wait"}, {"generate", "--prompt", "a bridge", "--wait", "--json"}} {
		srv.Sim.PushPlan(sim.Plan{Fail: true, ErrorMessage: hostile, Duration: -1})
		r := h.run(t, args...)
		if r.code != ExitFailed || !strings.Contains(r.stdout, "boom") || !strings.Contains(r.stdout, "end") {
			t.Fatalf("%v: exit %d, the message should be shown cleaned:\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		runs = append(runs, r)
	}
	runs = append(runs, h.run(t, "list"), h.run(t, "list", "--json"))
	for _, r := range runs {
		for _, s := range []string{r.stdout, r.stderr} {
			if strings.ContainsAny(s, "\x1b\x07\u009b") || strings.Contains(strings.ToLower(s), `\u001b`) {
				t.Fatalf("an escape sequence reached the output: %q", s)
			}
		}
	}
}

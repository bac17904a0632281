package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store/config"
)

// Check outcomes. Only "action" makes doctor exit 1: a note is worth
// knowing but asks nothing of the user.
const (
	checkOK     = "ok"
	checkNote   = "note"
	checkAction = "action"
)

// doctorCheck is one finding. Fix lists commands or steps, in order.
type doctorCheck struct {
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	Fix     []string `json:"fix,omitempty"`
	Data    any      `json:"data,omitempty"`
}

type doctorReport struct {
	OK     bool          `json:"ok"`
	Checks []doctorCheck `json:"checks"`
}

func (r *doctorReport) add(c doctorCheck) {
	r.Checks = append(r.Checks, c)
	if c.Status == checkAction {
		r.OK = false
	}
}

// doctor runs the checks of one 'veox doctor'. It opens nothing through
// openEnv on purpose: a broken config, a locked or damaged history and a
// missing key are exactly what it must be able to look at.
type doctor struct {
	g       *globals
	repair  bool
	offline bool
	set     config.Settings
	paths   config.Paths
	rep     doctorReport
}

func doctorCmd(g *globals) *cobra.Command {
	d := &doctor{g: g}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check config, history, download folder and the service; explain what to do",
		Long: "doctor checks, without the TUI and without needing the API key: the config file, the history\n" +
			"(lock, damage, schema, unknown creates), the download folder (space, leftover .part files)\n" +
			"and, unless --offline, one credit call that proves the key and the network work.\n" +
			"Exit 0 when all is well, 1 when something needs your action.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep := d.run(cmd.Context())
			if asJSON {
				writeJSON(cmd.OutOrStdout(), rep)
			} else {
				printDoctor(cmd.OutOrStdout(), rep)
			}
			if !rep.OK {
				return quietExit(ExitFailed)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the findings as one JSON object")
	f.BoolVar(&d.repair, "repair", false, "rebuild a history's indexes, or save every task a damaged history still holds into a new one (the damaged file is kept beside it)")
	f.BoolVar(&d.offline, "offline", false, "skip the credit call to the service")
	return cmd
}

func (d *doctor) run(ctx context.Context) doctorReport {
	d.rep = doctorReport{OK: true}
	d.resolve()
	d.checkHistory()
	d.checkDownloads()
	d.checkSidecars()
	if !d.offline {
		d.checkService(ctx)
	}
	return d.rep
}

// resolve finds the paths even when the config file is broken, so the
// other checks still run; the config check reports the breakage.
func (d *doctor) resolve() {
	set, err := config.Load(d.g.over, d.g.getenv)
	if err == nil {
		d.set, d.paths = set, set.Paths
	} else {
		d.paths = d.fallbackPaths()
	}
	if d.g.demo {
		downloads := d.paths.Downloads
		d.paths = d.paths.ForDemo()
		if d.g.over.DownloadDir != "" || d.g.getenv("VEOX_DOWNLOAD_DIR") != "" {
			d.paths.Downloads = downloads // an explicit choice wins, as in openEnv
		}
	}
	d.rep.add(d.configCheck(err))
}

func (d *doctor) fallbackPaths() config.Paths {
	home := firstOf(d.g.over.Home, d.g.getenv("VEOX_HOME"))
	p, err := config.ResolvePaths(home, d.g.getenv)
	if err != nil {
		p = config.Paths{}
	}
	if dir := firstOf(d.g.over.DownloadDir, d.g.getenv("VEOX_DOWNLOAD_DIR")); dir != "" {
		p.Downloads = dir
	}
	return p
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// configCheck: readable, valid JSON, private. The key's value is never
// shown, only where it comes from.
func (d *doctor) configCheck(loadErr error) doctorCheck {
	c := doctorCheck{Name: "config", Status: checkOK}
	path := d.paths.Config
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Summary = fmt.Sprintf("no config file at %s: settings come from flags and the environment", path)
	case err != nil:
		c.Status, c.Summary = checkAction, fmt.Sprintf("cannot read %s: %v", path, err)
	case loadErr != nil:
		c.Status, c.Summary = checkAction, api.Sanitize(loadErr.Error())
		c.Fix = []string{"fix the file or the setting it names (or move " + path + " away to start from defaults)"}
	case info.Mode().Perm() != 0o600:
		c.Status = checkAction
		c.Summary = fmt.Sprintf("%s has mode %04o; it may hold your API key, so only you should read it", path, info.Mode().Perm())
		c.Fix = []string{"chmod 600 " + shellQuote(path)}
	default:
		c.Summary = fmt.Sprintf("%s is valid JSON, mode 0600", path)
	}
	c.Details = append(c.Details, d.keySource())
	return c
}

func (d *doctor) keySource() string {
	switch {
	case d.g.demo:
		return "demo mode: the built-in simulator needs no key"
	case d.set.KeySource == "flag":
		return "API key: from --api-key (prefer VEOX_API_KEY or the config file: flags show up in ps)"
	case d.set.KeySource == "env":
		return "API key: from VEOX_API_KEY"
	case d.set.KeySource == "config":
		return "API key: from the config file"
	}
	return "API key: not set (set VEOX_API_KEY, or run 'veox' once to save one)"
}

// shellQuote makes a path safe to paste into a shell.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// checkService makes one credit call: the cheapest request that proves the
// key, the base URL and the network together. In demo mode it asks the
// built-in simulator, as every demo command does.
func (d *doctor) checkService(ctx context.Context) {
	c := doctorCheck{Name: "service"}
	base, key, stop, err := d.serviceTarget()
	if err != nil {
		c.Status, c.Summary = checkAction, api.Sanitize(err.Error())
		d.rep.add(c)
		return
	}
	defer stop()
	if key == "" {
		c.Status, c.Summary = checkAction, "no API key, so the service was not asked"
		c.Fix = []string{"export VEOX_API_KEY=… (or run 'veox' once to save one); 'veox doctor --offline' skips this check"}
		d.rep.add(c)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := api.New(api.Options{BaseURL: base, APIKey: key, Version: d.g.version,
		HTTPClient: &http.Client{Timeout: 15 * time.Second}, MaxAttempts: 3})
	credits, err := client.Credit(ctx)
	d.rep.add(serviceResult(base, credits, err))
}

func serviceResult(base string, credits float64, err error) doctorCheck {
	c := doctorCheck{Name: "service", Status: checkOK}
	if err != nil {
		c.Status = checkAction
		c.Summary = fmt.Sprintf("the credit call to %s failed: %s", base, oneLine(api.Sanitize(err.Error())))
		if e, ok := api.AsError(err); ok && e.Hint != "" {
			c.Fix = []string{e.Hint}
		} else {
			c.Fix = []string{"check the network and the base URL (VEOX_BASE_URL); 'veox doctor --offline' skips this check"}
		}
		return c
	}
	c.Summary = fmt.Sprintf("%s answers and the key works: %.2f credits", base, credits)
	c.Data = map[string]any{"baseUrl": base, "credits": credits}
	return c
}

// serviceTarget is where the credit call goes; stop releases the demo
// simulator.
func (d *doctor) serviceTarget() (base, key string, stop func(), err error) {
	if !d.g.demo {
		if d.set.BaseURL == "" {
			return "", "", nil, errors.New("the settings could not be read (see the config check), so the service was not asked")
		}
		return d.set.BaseURL, d.set.APIKey, func() {}, nil
	}
	if err := os.MkdirAll(d.paths.Demo, 0o700); err != nil {
		return "", "", nil, err
	}
	srv, err := startDemoSim(d.paths, d.g.getenv, log.New(io.Discard))
	if err != nil {
		return "", "", nil, err
	}
	return srv.URL, demoKey, func() { srv.Close() }, nil
}

// printDoctor is the readable report: one line per check, then its details
// and the steps to take.
func printDoctor(w io.Writer, rep doctorReport) {
	actions := 0
	for _, c := range rep.Checks {
		mark := map[string]string{checkOK: "ok    ", checkNote: "note  ", checkAction: "ACTION"}[c.Status]
		fmt.Fprintf(w, "%s  %-9s %s\n", mark, c.Name, api.Sanitize(c.Summary))
		for _, l := range c.Details {
			fmt.Fprintf(w, "                  %s\n", api.Sanitize(l))
		}
		for _, l := range c.Fix {
			fmt.Fprintf(w, "                  → %s\n", api.Sanitize(l))
		}
		if c.Status == checkAction {
			actions++
		}
	}
	if actions == 0 {
		fmt.Fprintln(w, "all is well")
		return
	}
	fmt.Fprintf(w, "%d finding(s) need your action (marked ACTION)\n", actions)
}

package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/veox/veox/api"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/tasks/archive"
)

// importCmd adds tasks to the history: one made elsewhere (by its id), every
// task a videos folder describes, or an export's.
func importCmd(g *globals) *cobra.Command {
	var folder, lines string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import ID | --from-folder DIR | --jsonl FILE|-",
		Short: "Add tasks to the history: one made elsewhere, a videos folder's, or an export's",
		Long: "import ID adds a task made elsewhere (the web dashboard, another machine) by asking the service.\n" +
			"import --from-folder DIR rebuilds the history from a videos folder: each video's sidecar\n" +
			"(<video>.json) describes its task; a video without one is found by the task id in its name,\n" +
			"asking the service while it still knows the task (14 days). Parents go in before their\n" +
			"extensions; the files' paths are those found.\n" +
			"import --jsonl FILE reads what 'veox export' wrote ('-' for stdin).\n" +
			"What the history holds already is never added twice: running an import again adds nothing.\n" +
			"Exit 0 when everything was brought back, 5 when something could not be (listed), 2 for bad input.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for _, set := range []bool{len(args) == 1, folder != "", lines != ""} {
				if set {
					given++
				}
			}
			if given != 1 {
				return usageErr(errors.New("give one of: a task ID, --from-folder DIR or --jsonl FILE"))
			}
			// Bad input is told before the history is opened (or created).
			switch {
			case folder != "":
				abs, err := checkFolder(folder)
				if err != nil {
					return err
				}
				return withEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
					return importFolder(cmd, env, abs, asJSON)
				})(cmd, args)
			case lines != "":
				in, source, closeIn, err := openExport(cmd, lines)
				if err != nil {
					return err
				}
				defer closeIn()
				return withEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
					return importLines(cmd, env, in, source, asJSON)
				})(cmd, args)
			}
			return withEnv(g, true, func(cmd *cobra.Command, env *Env, args []string) error {
				t, err := env.Service.Import(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				(&follow{json: asJSON}).print(cmd.OutOrStdout(), t)
				return nil
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&folder, "from-folder", "", "rebuild the history from the videos (and their sidecars) in this folder")
	f.StringVar(&lines, "jsonl", "", "read an export ('veox export'); - for stdin")
	f.BoolVar(&asJSON, "json", false, "print the task, or what the import did, as JSON")
	return cmd
}

// importJSON is what --json prints for --from-folder and --jsonl.
type importJSON struct {
	From        string          `json:"from"`   // "folder" or "jsonl"
	Source      string          `json:"source"` // the folder or file ("-": stdin)
	Complete    bool            `json:"complete"`
	Added       int             `json:"added"`
	Existing    int             `json:"alreadyThere"`
	Relinked    int             `json:"relinked"`
	FromService int             `json:"fromService"`
	Videos      int             `json:"videos"`
	Lines       int             `json:"taskLines"`
	Ended       *bool           `json:"ended"` // jsonl: the export's last line was read and agrees; null for a folder
	Stories     int             `json:"stories"`
	Kept        int             `json:"kept"`
	NotImported []importProblem `json:"notImported"`
	Notes       []importProblem `json:"notes"`
	Ignored     []string        `json:"ignored"`
}

type importProblem struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

// checkFolder is --from-folder's folder, absolute, or a usage error.
func checkFolder(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", usageErr(err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", usageErr(fmt.Errorf("--from-folder %s: no such folder; give the folder that holds the videos (see 'veox paths')", api.Sanitize(dir)))
	}
	return abs, nil
}

func importFolder(cmd *cobra.Command, env *Env, abs string, asJSON bool) error {
	ask := env.Demo || env.Settings.APIKey != ""
	rep, err := env.Service.ImportFolder(cmd.Context(), abs, ask)
	if rep == nil {
		return err
	}
	return tellImport(cmd, importJSON{From: "folder", Source: abs}, rep, err, asJSON)
}

// openExport opens --jsonl's file ("-": stdin) and reads up to its first
// line that is not blank: something that is not an export is told as bad
// input before anything else happens. in gives the whole input again.
func openExport(cmd *cobra.Command, file string) (in io.Reader, source string, closeIn func(), err error) {
	var r io.Reader = cmd.InOrStdin()
	source, closeIn = "stdin", func() {}
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", nil, usageErr(fmt.Errorf("--jsonl %s: %w", api.Sanitize(file), errors.Unwrap(err)))
		}
		r, source, closeIn = f, file, func() { f.Close() }
		if abs, err := filepath.Abs(file); err == nil {
			source = abs
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var head []byte
	for {
		line, rerr := br.ReadSlice('\n')
		head = append(head, line...)
		if t := bytes.TrimSpace(line); len(t) > 0 || rerr != nil {
			if _, kerr := archive.KindOf(t); kerr != nil || rerr != nil && !errors.Is(rerr, io.EOF) {
				closeIn()
				what := "its first line is not an object veox wrote"
				if len(t) == 0 {
					what = "it is empty"
				}
				return nil, "", nil, usageErr(fmt.Errorf("%s is not a veox export (%s); nothing was added: give a file 'veox export' wrote", api.Sanitize(source), what))
			}
			break
		}
	}
	return io.MultiReader(bytes.NewReader(head), br), source, closeIn, nil
}

func importLines(cmd *cobra.Command, env *Env, in io.Reader, source string, asJSON bool) error {
	rep, err := env.Service.ImportLines(cmd.Context(), in)
	if errors.Is(err, tasks.ErrNotExport) {
		return usageErr(fmt.Errorf("%s is %w; nothing was added", api.Sanitize(source), err))
	}
	if rep == nil {
		return err
	}
	return tellImport(cmd, importJSON{From: "jsonl", Source: source}, rep, err, asJSON)
}

// tellImport prints what an import did (stdout: the summary or the JSON
// document; stderr: what could not be brought back) and gives the exit
// code: 5 when anything could not be, or the run was cut short.
func tellImport(cmd *cobra.Command, j importJSON, rep *tasks.ImportReport, runErr error, asJSON bool) error {
	j.Added, j.Existing, j.Relinked, j.FromService = rep.Added, rep.Existing, rep.Relinked, rep.Asked
	j.Videos, j.Lines, j.Stories, j.Kept = rep.Videos, rep.Lines, rep.Stories, rep.Kept
	j.NotImported, j.Notes, j.Ignored = problemsJSON(rep.Problems), problemsJSON(rep.Notes), nonNil(rep.Ignored)
	for i := range j.Ignored {
		j.Ignored[i] = api.Sanitize(j.Ignored[i])
	}
	cut := j.From == "jsonl" && !rep.Ended
	if j.From == "jsonl" {
		j.Ended = &rep.Ended
	}
	j.Complete = runErr == nil && len(rep.Problems) == 0 && !cut
	errOut := cmd.ErrOrStderr()
	if asJSON {
		writeJSON(cmd.OutOrStdout(), j)
	} else {
		fmt.Fprintln(cmd.OutOrStdout(), importSummary(j))
	}
	for _, p := range j.NotImported {
		fmt.Fprintf(errOut, "veox: not brought back: %s %s\n", p.Where, p.Reason)
	}
	if !asJSON {
		for _, p := range j.Notes {
			fmt.Fprintf(errOut, "veox: note: %s %s\n", p.Where, p.Reason)
		}
	}
	if cut && runErr == nil {
		fmt.Fprintln(errOut, "veox: the export has no last line that agrees with what it holds: it may have been cut short (export again), or it was written by hand")
	}
	switch {
	case runErr != nil:
		return localStep(kindLocal, runErr) // the document above stands; Execute says why
	case !j.Complete:
		return quietExit(ExitLocal)
	}
	return nil
}

func problemsJSON(list []tasks.ImportProblem) []importProblem {
	out := []importProblem{}
	for _, p := range list {
		out = append(out, importProblem{api.Sanitize(p.Where), api.Sanitize(p.Reason)})
	}
	return out
}

func importSummary(j importJSON) string {
	var b strings.Builder
	fmt.Fprintf(&b, "added %d task(s)", j.Added)
	if j.FromService > 0 {
		fmt.Fprintf(&b, " (%d described by the service)", j.FromService)
	}
	fmt.Fprintf(&b, ", %d already in the history", j.Existing)
	if j.Relinked > 0 {
		fmt.Fprintf(&b, " (%d now point at the files found)", j.Relinked)
	}
	if j.Stories > 0 || j.Kept > 0 {
		fmt.Fprintf(&b, ", %s, %s", count(j.Stories, "story", "stories"), count(j.Kept, "kept mark", "kept marks"))
	}
	switch j.From {
	case "folder":
		fmt.Fprintf(&b, "; %d video(s) in %s", j.Videos, api.Sanitize(j.Source))
		if n := len(j.Ignored); n > 0 {
			fmt.Fprintf(&b, ", %d of them not veox's (no sidecar, not a veox name)", n)
		}
	default:
		fmt.Fprintf(&b, "; %d task line(s) read", j.Lines)
	}
	if n := len(j.NotImported); n > 0 {
		fmt.Fprintf(&b, "; %d not brought back (see above)", n)
	}
	return b.String()
}

// exportCmd writes the history as JSON lines.
func exportCmd(g *globals) *cobra.Command {
	var since, out string
	var lines, asJSON bool
	cmd := &cobra.Command{
		Use:   "export [--since D] [--jsonl] [--out FILE]",
		Short: "Write the whole history as JSON lines (move it with 'veox import --jsonl')",
		Long: "export writes the history as JSON lines: a first line, one line per task (newest first), the\n" +
			"stories and kept marks, and a last line with the counts, so 'veox import --jsonl' tells a whole\n" +
			"export from a cut one. Moving to a new machine: veox export --out h.jsonl, then there\n" +
			"veox import --jsonl h.jsonl. It streams: memory stays small however long the history.\n" +
			"--since takes a date (2026-03-01), an RFC 3339 time, an age (36h, 7d, 2w) or today, week, month.\n" +
			"To a terminal it prints only with --jsonl; --out writes a file (mode 0600) that appears only whole.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Bad input is told before the history is opened (or created).
			from, err := exportSince(since, time.Now())
			if err != nil {
				return usageErr(err)
			}
			if out == "" && !lines && isTerminal(cmd.OutOrStdout()) {
				return usageErr(errors.New("export writes the whole history as JSON lines: redirect it (veox export > history.jsonl), give --out FILE, or --jsonl to print them here"))
			}
			return withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
				return runExport(cmd, env, from, out, asJSON)
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "only tasks created since: a date, an RFC 3339 time, an age such as 7d, or today, week, month")
	f.BoolVar(&lines, "jsonl", false, "JSON lines on stdout, even to a terminal")
	f.StringVarP(&out, "out", "o", "", "write to this file (atomically, mode 0600) instead of stdout")
	f.BoolVar(&asJSON, "json", false, "with --out, print what was written as a JSON object")
	return cmd
}

// runExport writes the export to stdout or the --out file and tells what
// it wrote on stderr.
func runExport(cmd *cobra.Command, env *Env, from time.Time, out string, asJSON bool) error {
	stdout := cmd.OutOrStdout()
	by := "veox " + env.Version
	var n tasks.ExportCounts
	var err error
	if out == "" {
		n, err = env.Service.Export(cmd.Context(), stdout, from, by)
	} else {
		n, err = exportToFile(cmd, env, out, from, by)
	}
	if err != nil {
		return localStep(kindLocal, err)
	}
	errOut := cmd.ErrOrStderr()
	where := "stdout"
	if out != "" {
		where = out
	}
	if asJSON && out != "" {
		writeJSON(stdout, map[string]any{"file": out, "tasks": n.Tasks, "stories": n.Stories, "kept": n.Kept, "unreadable": n.Skipped})
	}
	fmt.Fprintf(errOut, "veox: exported %s, %s, %s to %s\n", count(n.Tasks, "task", "tasks"),
		count(n.Stories, "story", "stories"), count(n.Kept, "kept mark", "kept marks"), where)
	if n.Skipped > 0 {
		fmt.Fprintf(errOut, "veox: %d record(s) of the history could not be read and are not in the export: run 'veox doctor'\n", n.Skipped)
		return quietExit(ExitLocal)
	}
	return nil
}

// exportToFile writes the export beside FILE first and gives it the name
// only once whole and on disk, so a cut export never passes for a whole one.
func exportToFile(cmd *cobra.Command, env *Env, path string, since time.Time, by string) (tasks.ExportCounts, error) {
	var n tasks.ExportCounts
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return n, err
	}
	defer os.Remove(f.Name()) // gone once renamed
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return n, err
	}
	if n, err = env.Service.Export(cmd.Context(), f, since, by); err != nil {
		f.Close()
		return n, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return n, err
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), path)
}

// exportSince reads export's --since: an RFC 3339 time, or what
// 'veox spend --since' takes (a date, 7d, 2w, 36h, today, week, month).
func exportSince(s string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t, nil
	}
	t, err := parseSince(s, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w, or an RFC 3339 time", err)
	}
	return t, nil
}

// isTerminal: w is (or wraps) a terminal.
func isTerminal(w io.Writer) bool {
	if c, ok := w.(*countingWriter); ok {
		w = c.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// count is "1 task", "2 tasks".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

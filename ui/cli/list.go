package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

func listCmd(g *globals) *cobra.Command {
	var status string
	var limit int
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tasks from the local history, newest first",
		Long: "list prints the newest tasks (50 unless --limit or --all says otherwise), as a table or,\n" +
			"with --json, as one JSON array. Whole histories stream: memory stays small however long.",
		Args: cobra.NoArgs,
		RunE: withBrowseEnv(g, false, func(cmd *cobra.Command, env *Env, _ []string) error {
			q := store.Query{Limit: limit}
			if status != "" {
				if !validStatus(status) {
					return usageErr(fmt.Errorf("--status %q: use running, succeeded, failed, refused, unknown or submitting", status))
				}
				q.Statuses = []string{status}
			}
			if limit < 1 {
				return usageErr(errors.New("--limit must be at least 1 (or use --all)"))
			}
			if all {
				q.Limit = 0
			}
			return streamList(cmd.OutOrStdout(), cmd.ErrOrStderr(), env.Store, q, asJSON)
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only running, succeeded, failed, refused, unknown or submitting tasks")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many tasks")
	cmd.Flags().BoolVar(&all, "all", false, "every task in the history (overrides --limit)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// rowSink takes the tasks a batch at a time.
type rowSink interface {
	rows(batch []store.Task) error
	end(total int) error
}

// streamList prints what q selects as the store reads it, a batch at a
// time, through one buffer: a few large writes instead of several per row,
// and memory bounded by a batch however long the history. If reading
// fails halfway, what was printed is closed properly (a JSON array stays
// an array) and the error says why; if it fails before anything reached
// stdout, nothing is printed, so --json's error document stands alone.
func streamList(stdout, stderr io.Writer, st *store.Store, q store.Query, asJSON bool) error {
	out := &sentBytes{w: stdout}
	buf := bufio.NewWriterSize(out, 64<<10)
	var sink rowSink = &tableSink{w: buf}
	if asJSON {
		sink = &jsonSink{w: buf, now: time.Now()}
	}
	total := 0
	skipped, err := st.Walk(q, func(batch []store.Task) error {
		total += len(batch)
		return sink.rows(batch)
	})
	if err != nil && out.n == 0 {
		buf.Reset(out) // nothing reached stdout: leave it to the error document
		return err
	}
	if cerr := sink.end(total); err == nil {
		err = cerr
	}
	if ferr := buf.Flush(); err == nil {
		err = ferr
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "veox: %d record(s) of the history could not be read and are not listed: run 'veox doctor'\n", skipped)
	}
	return err
}

// sentBytes counts what the buffer passed on to stdout.
type sentBytes struct {
	w io.Writer
	n int64
}

func (c *sentBytes) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// tableSink prints the table; columns are aligned within each batch of
// the walk (a thousand rows), so no row waits for the whole history.
type tableSink struct {
	w      io.Writer
	header bool
}

func (s *tableSink) rows(batch []store.Task) error {
	tw := tabwriter.NewWriter(s.w, 0, 0, 2, ' ', 0)
	if !s.header {
		s.header = true
		fmt.Fprintln(tw, "STATUS\tTASK\tKIND\tCREATED\tSEED\tFILES\tPROMPT")
	}
	for i := range batch {
		t := &batch[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", format.Status(t.Status), format.ID(t), format.Kind(t),
			format.Stamp(t.CreatedAt), format.Seed(t), format.FileCount(t), clip(t.Request.Prompt, 48))
	}
	return tw.Flush()
}

func (s *tableSink) end(total int) error {
	if total == 0 {
		_, err := fmt.Fprintln(s.w, "no tasks yet: try 'veox extend --help' (or 'veox --demo')")
		return err
	}
	return nil
}

// jsonSink prints one JSON array, byte for byte as writeJSON would print
// the whole slice, each batch's objects written on every core by
// appendTaskElement. Whether files are on disk is asked a folder at a
// time (tasks.OnDisk), before the batch is encoded.
type jsonSink struct {
	w       io.Writer
	started bool
	now     time.Time
	enc     tasks.BatchEncoder
	disk    tasks.OnDisk
	missing map[string]bool
}

func (s *jsonSink) rows(batch []store.Task) error {
	clear(s.missing)
	for i := range batch {
		s.missing = s.disk.MissingFiles(&batch[i], s.missing)
	}
	missing := func(path string) bool { return s.missing[path] }
	encode := func(dst []byte, t *store.Task) ([]byte, error) { return appendTaskElement(dst, t, s.now, missing) }
	return s.enc.Encode(batch, encode, func(b []byte) error {
		sep := ",\n  "
		if !s.started {
			s.started, sep = true, "[\n  "
		}
		if _, err := io.WriteString(s.w, sep); err != nil {
			return err
		}
		_, err := s.w.Write(b)
		return err
	})
}

func (s *jsonSink) end(int) error {
	end := "\n]\n"
	if !s.started {
		end = "[]\n"
	}
	_, err := io.WriteString(s.w, end)
	return err
}

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/veox/veox/store"
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
		sink = &jsonSink{w: buf}
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
// the whole slice, each batch's objects encoded on every core.
type jsonSink struct {
	w       io.Writer
	started bool
}

func (s *jsonSink) rows(batch []store.Task) error {
	encoded, err := encodeAll(batch)
	if err != nil {
		return err
	}
	for _, b := range encoded {
		sep := ",\n  "
		if !s.started {
			s.started, sep = true, "[\n  "
		}
		if _, err := io.WriteString(s.w, sep); err != nil {
			return err
		}
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonSink) end(int) error {
	end := "\n]\n"
	if !s.started {
		end = "[]\n"
	}
	_, err := io.WriteString(s.w, end)
	return err
}

// encodeAll encodes each task's JSON shape as an element of an indented
// array.
func encodeAll(batch []store.Task) ([][]byte, error) {
	out := make([][]byte, len(batch))
	errs := make([]error, len(batch))
	workers := min(runtime.GOMAXPROCS(0), max(len(batch)/32, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// One buffer a worker for the compact form: an Encoder writes
			// what json.Marshal returns plus a newline, without a fresh
			// buffer for every task.
			var compact bytes.Buffer
			enc := json.NewEncoder(&compact)
			for i := w; i < len(batch); i += workers {
				compact.Reset()
				if errs[i] = enc.Encode(toJSON(&batch[i])); errs[i] != nil {
					continue
				}
				b := bytes.TrimSuffix(compact.Bytes(), []byte("\n"))
				out[i] = indentElement(make([]byte, 0, len(b)*3/2), b)
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// indentElement appends compact JSON (as json.Marshal writes it: no white
// space outside strings) indented as an element of an array that
// writeJSON prints — what json.MarshalIndent(v, "  ", "  ") gives, without
// its general scanner, which cost a third of 'veox list --json --all'.
// Empty objects and arrays stay {} and [], as json.Indent leaves them.
func indentElement(dst, src []byte) []byte {
	depth := 1
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	inString, escaped := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			dst = append(dst, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

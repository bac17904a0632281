package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
)

// TestClassifyKeepsTheMoneyRule: a failure that leaves a task upstream is
// never a 1 or a 2 (which invite a second, paid, create), and one before
// anything was sent is never a 5.
func TestClassifyKeepsTheMoneyRule(t *testing.T) {
	transport := &api.Error{Kind: api.KindTransport, Op: "record-info", Message: "connection reset"}
	cases := []struct {
		name string
		err  error
		exit int
		kind string
	}{
		{"network while asking", transport, ExitLocal, "transport"},
		{"5xx while asking", &api.Error{Kind: api.KindServer, Code: 500}, ExitLocal, "server"},
		{"key refused", &api.Error{Kind: api.KindAuth, Code: 401, Hint: "check your API key"}, ExitFailed, "auth"},
		{"no credits", &api.Error{Kind: api.KindCredits, Code: 402}, ExitFailed, "credits"},
		{"network before a create left", notSent(transport), ExitFailed, "transport"},
		{"input before a create", notSent(&tasks.ValidationError{Fields: []tasks.FieldError{{Field: "seed", Message: "too small"}}}), ExitUsage, kindInput},
		{"answer lost", fmt.Errorf("%w: boom", tasks.ErrUnknownOutcome), ExitUnknown, kindUnknown},
		{"no such local task", fmt.Errorf("dismiss: %w", store.ErrNotFound), ExitUsage, kindNotFound},
		{"history held", store.ErrLocked, ExitLocal, kindHistory},
		{"download after done", localStep(kindDownload, errors.New("disk full")), ExitLocal, kindDownload},
		{"bad flag", usageErr(errors.New("--limit must be at least 1")), ExitUsage, kindUsage},
		{"disk", &os.PathError{Op: "mkdir", Path: "/x", Err: errors.New("read-only file system")}, ExitLocal, kindLocal},
	}
	for _, c := range cases {
		f := classify(c.err)
		if f.exit != c.exit || f.kind != c.kind {
			t.Errorf("%s: exit %d kind %q, want %d %q", c.name, f.exit, f.kind, c.exit, c.kind)
		}
	}
	if f := classify(&api.Error{Kind: api.KindAuth, Code: 401, Hint: "check your API key"}); f.code != 401 || f.hint == "" {
		t.Errorf("the service's code and hint are lost: %+v", f)
	}
}

// TestInterruptedCommandSaysSoInJSON: Ctrl-C before any task exists is a
// 130 and, with --json, one error document of kind "interrupted".
func TestInterruptedCommandSaysSoInJSON(t *testing.T) {
	h := newDoctorHome(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(interruption{os.Interrupt})
	var out, errb bytes.Buffer
	root := NewRoot(Wiring{Version: "test", Getenv: func(k string) string { return h.env[k] }, Stdout: &out, Stderr: &errb})
	code := Execute(ctx, root, []string{"--demo", "credits", "--json"})
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130; stderr %q", code, errb.String())
	}
	var doc struct {
		Error struct{ Kind string } `json:"error"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Error.Kind != kindInterrupted {
		t.Fatalf("stdout %q: %v", out.String(), err)
	}
}

// 'veox receive' prints each callback from the request that brought it,
// so stdout is written from several goroutines at once: what Execute
// counts to know whether --json's error document may still be printed
// must add up (the race detector watches the count in CI's -race run).
func TestStdoutCountedAcrossGoroutines(t *testing.T) {
	t.Parallel()
	c := &countingWriter{w: io.Discard}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Write([]byte("callback\n"))
			}
		})
	}
	wg.Wait()
	if got := c.n.Load(); got != 8*100*9 {
		t.Fatalf("counted %d bytes, %d were written", got, 8*100*9)
	}
}

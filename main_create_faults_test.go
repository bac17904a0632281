package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/veox/veox/api/apitest"
)

// Issue 9.1 through the built binary: a create whose HTTP/2 stream is
// reset after the service read it (or disowned by GOAWAY) is sent once and
// ends "unknown", exit 3, whatever the fault. The stand resets every
// create, over HTTP/2 and HTTP/1.1 alike.
func TestBinaryCreateUnderStreamResetsIsSentOnceAndUnknown(t *testing.T) {
	t.Parallel()
	for _, f := range []struct {
		name  string
		fault apitest.Fault
	}{{"RST_STREAM", apitest.FaultRST}, {"GOAWAY", apitest.FaultGoAway}, {"RST_STREAM+GOAWAY", apitest.FaultRSTGoAway}} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			s := apitest.NewStand(t, apitest.Options{Fault: f.fault, Faulty: 1 << 20})
			home := t.TempDir()
			certs := filepath.Join(home, "stand.pem")
			if err := os.WriteFile(certs, s.PEM, 0o600); err != nil {
				t.Fatal(err)
			}
			r := veoxProc(t, home, []string{"VEOX_BASE_URL=" + s.URL, "VEOX_API_KEY=k", "SSL_CERT_FILE=" + certs}, // Go reads SSL_CERT_FILE from the process
				"generate", "--prompt", "a paid cat", "--json")
			t.Logf("%s: exit %d, %d POST(s) (%d HTTP/2, %d HTTP/1.1)", f.name, r.code, s.Posts.Load(), s.H2Posts.Load(), s.H1Posts.Load())
			if r.code != 3 || s.Posts.Load() != 1 {
				t.Fatalf("exit %d after %d POSTs, want exit 3 after 1\nstdout: %s\nstderr: %s", r.code, s.Posts.Load(), r.stdout, r.stderr)
			}
			if task := decode[taskOut](t, r); task.Status != "unknown" || task.Error == nil || !strings.Contains(task.Error.Hint, "proves nothing") {
				t.Fatalf("task %+v", task)
			}
		})
	}
}

// Issue 9.4 through the built binary: envelope 5xx and codes the service
// does not document are "maybe created" (exit 3, sent once, the balance
// note); a documented refusal is exit 1.
func TestBinaryCreateCodesThatAreNoRefusalAreUnknown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code, exit int
	}{{500, 3}, {503, 3}, {504, 3}, {0, 3}, {201, 3}, {999, 3}, {422, 1}, {433, 1}} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					io.WriteString(w, `{"code":200,"msg":"success","data":250}`)
					return
				}
				posts.Add(1)
				fmt.Fprintf(w, `{"code":%d,"msg":"the service says %d","data":null}`, c.code, c.code)
			}))
			defer srv.Close()
			home := t.TempDir()
			r := veox(t, home, []string{"VEOX_BASE_URL=" + srv.URL, "VEOX_API_KEY=k"}, "generate", "--prompt", "a paid cat", "--json")
			if r.code != c.exit || posts.Load() != 1 {
				t.Fatalf("code %d: exit %d after %d POSTs, want exit %d after 1\nstderr: %s", c.code, r.code, posts.Load(), c.exit, r.stderr)
			}
			task := decode[taskOut](t, r)
			if c.exit == 3 && (task.Status != "unknown" || task.Error == nil || !strings.Contains(task.Error.Hint, "balance did not fall")) {
				t.Fatalf("code %d: %+v", c.code, task)
			}
			if c.exit == 1 && task.Status != "refused" { // a documented refusal: nothing made, nothing charged
				t.Fatalf("code %d: %+v", c.code, task)
			}
		})
	}
}

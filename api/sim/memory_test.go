package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// In memory, the service runs on the bubble's fake clock: a task that
// takes ten minutes is done after ten fake minutes and no real wait, and
// closing leaves no goroutine behind (synctest.Test would fail).
func TestInMemoryServiceRunsOnFakeTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := StartInMemory(Options{APIKey: testKey, MinDuration: 10 * time.Minute, MaxDuration: 10 * time.Minute})
		defer srv.Close()
		c := srv.Client()
		call := func(method, path, body string) (code int, data json.RawMessage) {
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env struct {
				Code int             `json:"code"`
				Data json.RawMessage `json:"data"`
			}
			b, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(b, &env); err != nil {
				t.Fatalf("%s: %s", path, b)
			}
			return env.Code, env.Data
		}
		start := time.Now()
		code, data := call("POST", PathGenerate, `{"prompt":"a slow one"}`)
		var d struct{ TaskID string }
		if code != 200 || json.Unmarshal(data, &d) != nil {
			t.Fatalf("generate: %d %s", code, data)
		}
		time.Sleep(10*time.Minute + time.Second)
		code, data = call("GET", PathRecord+"?taskId="+d.TaskID, "")
		if code != 200 || !strings.Contains(string(data), `"successFlag":1`) {
			t.Fatalf("after ten fake minutes: %d %s", code, data)
		}
		if time.Since(start) < 10*time.Minute {
			t.Errorf("the clock did not move")
		}
		resp, err := c.Get(srv.FilesURL + "/nothing.mp4")
		if err != nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("the file host: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

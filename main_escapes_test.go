package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Issue 9.10 through the built binary: escape sequences in every field
// record-info can fill reach neither stdout nor stderr, in import, status
// and list, readable and JSON. Ids and URLs carrying them are refused.
func TestBinaryServiceFieldsCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	const h = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[H\x1b]0;pwned\x07\u009b31m"
	params, _ := json.Marshal(map[string]any{"prompt": "a fox" + h, "waterMark": "mark" + h, "aspectRatio": "16:9" + h, "model": "veo3" + h})
	recs := map[string]map[string]any{
		"t-failed": {"taskId": "t-failed", "paramJson": string(params), "successFlag": 2, "errorCode": 400,
			"errorMessage": "refused" + h, "response": map[string]any{"resolution": "720p" + h}},
		"t-evil-id": {"taskId": "t-evil" + h, "successFlag": 0},
		"t-evil-url": {"taskId": "t-evil-url", "successFlag": 1,
			"response": map[string]any{"resultUrls": []string{"https://files.example/a" + h + ".mp4"}}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := recs[r.URL.Query().Get("taskId")]
		if !ok {
			fmt.Fprint(w, `{"code":200,"msg":"success`+h+`","data":1}`)
			return
		}
		b, _ := json.Marshal(map[string]any{"code": 200, "msg": "success" + h, "data": rec})
		w.Write(b)
	}))
	defer srv.Close()
	home := t.TempDir()
	env := []string{"VEOX_BASE_URL=" + srv.URL, "VEOX_API_KEY=k"}
	var runs []run
	for _, args := range [][]string{
		{"import", "t-failed"}, {"import", "t-failed", "--json"}, {"status", "t-failed"}, {"status", "t-failed", "--json"},
		{"import", "t-evil-id"}, {"import", "t-evil-id", "--json"}, {"import", "t-evil-url"}, {"import", "t-evil-url", "--json"},
		{"list"}, {"list", "--json"},
	} {
		runs = append(runs, veox(t, home, env, args...))
	}
	if !strings.Contains(runs[0].stdout+runs[0].stderr, "refused") {
		t.Fatalf("the service's message was lost instead of cleaned: %+v", runs[0])
	}
	for _, i := range []int{4, 5, 6, 7} {
		if runs[i].code == 0 {
			t.Errorf("run %d was accepted: %+v", i, runs[i])
		}
	}
	for i, r := range runs {
		for _, s := range []string{r.stdout, r.stderr} {
			if strings.ContainsAny(s, "\x1b\x07\u009b") || strings.Contains(strings.ToLower(s), `\u001b`) || strings.Contains(s, `\u0007`) {
				t.Fatalf("run %d: an escape sequence reached the output: %q", i, s)
			}
		}
	}
	if list := decode[[]taskOut](t, runs[9]); len(list) != 1 || list[0].TaskID != "t-failed" {
		t.Fatalf("history: %+v", list)
	}
}

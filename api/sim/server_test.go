package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStartServesAPIAndFilesOnLoopback(t *testing.T) {
	t.Parallel()
	srv, err := Start(Options{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || !strings.HasPrefix(srv.FilesURL, "http://127.0.0.1:") || srv.URL == srv.FilesURL {
		t.Errorf("URLs %q %q", srv.URL, srv.FilesURL)
	}
	req, _ := http.NewRequest("GET", srv.URL+PathRecord+"?taskId="+DemoLighthouse, nil)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Code int
		Data struct{ Response struct{ ResultUrls []string } }
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || env.Code != 200 || len(env.Data.Response.ResultUrls) != 1 {
		t.Fatalf("record: %v %+v", err, env)
	}
	link := env.Data.Response.ResultUrls[0]
	if !strings.HasPrefix(link, srv.FilesURL+"/r/") {
		t.Errorf("link %q not on %s", link, srv.FilesURL)
	}
	file, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(file.Body)
	file.Body.Close()
	if file.StatusCode != 200 || len(b) < 1000 || string(b[4:8]) != "ftyp" {
		t.Errorf("file: %d, %d bytes", file.StatusCode, len(b))
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(srv.URL + PathCredit); err == nil {
		t.Error("server still answering after Close")
	}
}

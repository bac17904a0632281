package tasks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/api/download"
	"github.com/veox/veox/api/sim"
	"github.com/veox/veox/store"
)

// fronted puts a server written in the test in front of the simulator's
// API: intercept answers what it wants to (returning true) and everything
// else goes to the simulator. It counts the POSTs that reach either.
func fronted(t *testing.T, o sim.Options, intercept func(w http.ResponseWriter, r *http.Request) bool) (*rig, *atomic.Int64) {
	t.Helper()
	r := newRig(t, o)
	var posts atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost {
			posts.Add(1)
		}
		if intercept == nil || !intercept(w, req) {
			r.srv.Sim.Handler().ServeHTTP(w, req)
		}
	}))
	t.Cleanup(front.Close)
	client := api.New(api.Options{BaseURL: front.URL, APIKey: "test-key", CreateTimeout: 2 * time.Second,
		BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond})
	r.svc = New(Options{API: client, Downloader: download.New(download.Options{}), Store: r.st,
		DownloadDir: r.dir, PollInterval: 20 * time.Millisecond, NullGrace: time.Second})
	return r, &posts
}

func envelope(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"code":` + strconv.Itoa(code) + `,"msg":"` + msg + `","data":null}`))
}

func sourceRefusal(t *testing.T, err error) string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.For("source") == "" {
		t.Fatalf("want the source refused before sending, got %v", err)
	}
	return ve.For("source")
}

// A video generated at 1080p or 4k is refused before anything is sent,
// with the reason in words (the service would answer "1080P-generated
// videos cannot be extended").
func TestNativeHighResSourcesAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	r, posts := fronted(t, sim.Options{}, nil)
	for _, res := range []string{"1080p", "4k"} {
		src, err := r.svc.Generate(ctx(t), GenerateInput{Prompt: "a " + res + " render", Resolution: res})
		if err != nil {
			t.Fatal(err)
		}
		if src, err = r.svc.Wait(ctx(t), src.LocalID, nil); err != nil || src.Status != store.StatusSucceeded {
			t.Fatalf("source: %v", err)
		}
		sent := posts.Load()
		_, err = r.svc.Extend(ctx(t), ExtendInput{Source: src.TaskID, Prompt: "more"})
		if why := sourceRefusal(t, err); !strings.Contains(why, "rendered at "+res) {
			t.Errorf("%s: reason %q does not name the render", res, why)
		}
		if posts.Load() != sent {
			t.Errorf("%s: an extend was sent for a source the service cannot extend", res)
		}
	}
	sent := posts.Load()
	_, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoUpscaled, Prompt: "more"})
	if why := sourceRefusal(t, err); !strings.Contains(why, "rendered at 4k") {
		t.Errorf("the demo's upscaled source: %q", why)
	}
	if posts.Load() != sent || r.srv.Sim.Creates() != 2 {
		t.Errorf("the demo's 4k source was sent (%d creates)", r.srv.Sim.Creates())
	}
}

// A 1080p request the service refused made nothing, so the source can
// still be extended.
func TestRefused1080pLeavesTheSourceExtendable(t *testing.T) {
	t.Parallel()
	r, _ := fronted(t, sim.Options{}, func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != sim.Path1080p {
			return false
		}
		envelope(w, 402, "Credits insufficient")
		return true
	})
	up, err := r.svc.Upscale(ctx(t), sim.DemoLighthouse, Upscale1080)
	if err == nil || up == nil || up.TaskID != "" {
		t.Fatalf("want the 1080p request refused: %v %+v", err, up)
	}
	src, _ := r.st.Get(sim.DemoLighthouse)
	if why := WhyNotExtendable(src, time.Now()); why != "" {
		t.Fatalf("a refused 1080p request still blocks extending: %s", why)
	}
	if _, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "more"}); err != nil {
		t.Fatalf("extend after a refused 1080p request: %v", err)
	}
}

// A 1080p request that went through blocks; a 4K request only warns.
func TestAccepted1080pBlocksAnd4KWarns(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, sim.Options{})
		if _, err := r.svc.Upscale(ctx(t), sim.DemoForest, Upscale1080); err != nil {
			t.Fatal(err)
		}
		_, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoForest, Prompt: "more"})
		if why := sourceRefusal(t, err); !strings.Contains(why, "1080p version was requested") {
			t.Errorf("reason %q", why)
		}
		if _, err := r.svc.Upscale(ctx(t), sim.DemoCity, Upscale4K); err != nil {
			t.Fatal(err)
		}
		src, err := r.svc.CheckSource(ctx(t), sim.DemoCity)
		if err != nil {
			t.Fatalf("a 4K request must not block extending: %v", err)
		}
		if w := r.svc.ExtendWarning(src); !strings.Contains(w, "4K") {
			t.Errorf("no warning about the 4K request: %q", w)
		}
		if _, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoCity, Prompt: "more"}); err != nil {
			t.Fatalf("extend after a 4K request: %v", err)
		}
		if w := r.svc.ExtendWarning(mustGet(t, r, sim.DemoLighthouse)); w != "" {
			t.Errorf("a source without a 4K request warns: %q", w)
		}
	})
}

func mustGet(t *testing.T, r *rig, id string) *store.Task {
	t.Helper()
	if _, err := r.svc.Import(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	tk, err := r.st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// A video past the service's 14 days is refused by the same rule.
func TestSourcePastRetentionIsNotExtendable(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tk := &store.Task{TaskID: "x", Kind: store.KindGenerate, Status: store.StatusSucceeded, CreatedAt: now.Add(-Retention - time.Hour)}
	if why := WhyNotExtendable(tk, now); !strings.Contains(why, "14 days") {
		t.Errorf("expired source: %q", why)
	}
	if got := ExpiresAt(tk); !got.Equal(tk.CreatedAt.Add(14 * 24 * time.Hour)) {
		t.Errorf("ExpiresAt = %v", got)
	}
	tk.CreatedAt = now.Add(-time.Hour)
	if why := WhyNotExtendable(tk, now); why != "" {
		t.Errorf("a fresh source: %q", why)
	}
}

// When the service refuses an extend on a rule of its own, the hint does
// not send the user looking for a field the message does not name.
func TestServiceRefusalOfAnExtendHasNoFieldHint(t *testing.T) {
	t.Parallel()
	r, _ := fronted(t, sim.Options{}, func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != sim.PathExtend {
			return false
		}
		envelope(w, 422, "1080P-generated videos cannot be extended")
		return true
	})
	tk, err := r.svc.Extend(ctx(t), ExtendInput{Source: sim.DemoLighthouse, Prompt: "more"})
	e, ok := api.AsError(err)
	if !ok || tk == nil {
		t.Fatalf("want a refusal recorded: %v %+v", err, tk)
	}
	for _, hint := range []string{e.Hint, tk.Error.Hint} {
		if strings.Contains(hint, "field") || !strings.Contains(hint, "nothing was created") {
			t.Errorf("hint %q", hint)
		}
	}
}

// An answer in the older shape (no response object, so no resolution)
// still tells a 4k render by the request it echoes in paramJson.
func TestLegacyAnswerStillTellsA4KRender(t *testing.T) {
	t.Parallel()
	const id = "veo_task_legacy_4k"
	r, posts := fronted(t, sim.Options{}, func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != sim.PathRecord || req.URL.Query().Get("taskId") != id {
			return false
		}
		_, _ = w.Write([]byte(`{"code":200,"msg":"success","data":{"taskId":"` + id + `",` +
			`"paramJson":"{\"prompt\":\"a kite\",\"resolution\":\"4k\"}","resultUrls":"[\"https://files.invalid/a.mp4\"]",` +
			`"successFlag":1}}`))
		return true
	})
	_, err := r.svc.Extend(ctx(t), ExtendInput{Source: id, Prompt: "more"})
	if why := sourceRefusal(t, err); !strings.Contains(why, "rendered at 4k") {
		t.Errorf("reason %q", why)
	}
	if posts.Load() != 0 {
		t.Error("an extend was sent")
	}
}

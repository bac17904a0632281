package sim

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/assets"
)

func TestGenerationGoesFromNullToRunningToSucceeded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NullGrace: 2 * time.Second, MinDuration: time.Minute, MaxDuration: time.Minute})
	id := e.generate(map[string]any{"prompt": "a red kite", "model": "veo3_fast", "aspectRatio": "16:9"})
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Fatalf("task id %q is not 32 lower-case hex", id)
	}

	a, _ := e.record(id)
	if a.status != 200 || a.Code != 422 || a.Msg != "record is null" {
		t.Fatalf("during grace: HTTP %d code %d %q, want 200/422 record is null", a.status, a.Code, a.Msg)
	}

	e.clock.Advance(3 * time.Second)
	a, r := e.record(id)
	if a.Code != 200 || r.SuccessFlag != 0 || r.Response != nil || r.CompleteTime != nil {
		t.Fatalf("running: %s", a.body)
	}
	if !bytes.Contains(a.data(), []byte(`"response":null`)) {
		t.Errorf("running record must carry response:null: %s", a.Data)
	}

	e.clock.Advance(time.Minute)
	a, r = e.record(id)
	if r.SuccessFlag != 1 || r.ErrorCode != nil || r.ErrorMessage != nil || r.FallbackFlag {
		t.Fatalf("succeeded: %s", a.body)
	}
	checkCanonical(t, e, a, r)
}

// checkCanonical compares a success body with veo-api.md's example shape.
func checkCanonical(t *testing.T, e *env, a answer, r record) {
	t.Helper()
	if !bytes.HasPrefix(a.body, []byte(`{"code":200,"msg":"success","data":{"taskId":"`)) {
		t.Errorf("envelope/field order differs: %.80s", a.body)
	}
	var params map[string]any
	if err := json.Unmarshal([]byte(r.ParamJSON), &params); err != nil || params["waterMark"] == nil {
		t.Errorf("paramJson %q: want a JSON string with waterMark", r.ParamJSON)
	}
	if _, ok := r.CreateTime.(float64); !ok {
		t.Errorf("createTime %v, want epoch ms", r.CreateTime)
	}
	want := float64(e.clock.Now().Add(-time.Minute - 3*time.Second).UnixMilli())
	if r.CreateTime != want {
		t.Errorf("createTime %v, want %v", r.CreateTime, want)
	}
	resp := r.Response
	if resp["originUrls"] != nil || resp["resolution"] != "720p" || len(urls(t, resp["fullResultUrls"])) != 0 {
		t.Errorf("response %v", resp)
	}
	if !bytes.Contains(a.data(), []byte(`"hasAudioList":[true],"seeds":[`)) {
		t.Errorf("hasAudioList/seeds missing: %s", a.Data)
	}
	link := urls(t, resp["resultUrls"])[0]
	if !strings.HasPrefix(link, e.files.URL+"/r/") || !strings.Contains(link, ".mp4?exp=") {
		t.Errorf("result link %q", link)
	}
	_, body, err := fetch(t, link, nil)
	if err != nil || !bytes.Equal(body, e.sim.clips[sourceClip(r.TaskID)]) {
		t.Errorf("download of %s: %v, %d bytes", link, err, len(body))
	}
}

func (a answer) data() []byte { return a.Data }

func TestExtensionChainGrowsTheStitchedVideo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	src := e.generate(nil)
	for i, want := range []string{assets.Extended15, assets.Extended22, stitchedName(29)} {
		ext := e.extend(src, "the camera pulls back")
		a, r := e.record(ext)
		if r.SuccessFlag != 1 {
			t.Fatalf("extension %d: %s", i, a.body)
		}
		full := urls(t, r.Response["fullResultUrls"])
		if len(full) != 1 || len(urls(t, r.Response["resultUrls"])) != 1 {
			t.Fatalf("extension %d: want one full and one result link: %v", i, r.Response)
		}
		_, body, err := fetch(t, full[0], nil)
		clip, _, cerr := e.sim.clipBytes(want)
		if err != nil || cerr != nil || !bytes.Equal(body, clip) {
			t.Errorf("extension %d: full video is not %s (%v)", i, want, cerr)
		}
		src = ext
	}
}

func TestExtendRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ok := e.generate(nil)
	e.sim.PushPlan(Plan{Duration: time.Hour})
	running := e.generate(nil)
	e.sim.PushPlan(Plan{Fail: true})
	failed := e.generate(nil)
	upscaled := e.generate(nil)
	native := e.generate(map[string]any{"prompt": "x", "resolution": "1080p"})
	if a := e.get(Path1080p + "?taskId=" + upscaled + "&index=0"); a.Code != 200 {
		t.Fatalf("1080p: %s", a.body)
	}
	cases := []struct {
		name string
		body map[string]any
		code int
		msg  string
	}{
		{"unknown", map[string]any{"taskId": "nope", "prompt": "x"}, 422, "record is null"},
		{"running", map[string]any{"taskId": running, "prompt": "x"}, 422, "still generating"},
		{"failed", map[string]any{"taskId": failed, "prompt": "x"}, 422, "failed"},
		{"upscaled", map[string]any{"taskId": upscaled, "prompt": "x"}, 422, "upscaled"},
		{"native 1080p render", map[string]any{"taskId": native, "prompt": "x"}, 422, "1080P-generated videos cannot be extended"},
		{"demo 4k render", map[string]any{"taskId": DemoUpscaled, "prompt": "x"}, 422, "4K-generated videos cannot be extended"},
		{"no prompt", map[string]any{"taskId": ok}, 500, "This field is required"},
		{"no task", map[string]any{"prompt": "x"}, 422, "taskId"},
		{"generate model name", map[string]any{"taskId": ok, "prompt": "x", "model": "veo3_fast"}, 422, "model"},
		{"seed too small", map[string]any{"taskId": ok, "prompt": "x", "seeds": 9999}, 422, "seeds"},
		{"seed too big", map[string]any{"taskId": ok, "prompt": "x", "seeds": 100000}, 422, "seeds"},
		{"content policy", map[string]any{"taskId": ok, "prompt": "something forbidden"}, 400, "content polic"},
	}
	before := e.sim.Creates()
	for _, c := range cases {
		a := e.post(PathExtend, c.body)
		if a.status != 200 || a.Code != c.code || !strings.Contains(a.Msg, c.msg) {
			t.Errorf("%s: HTTP %d code %d %q, want code %d containing %q", c.name, a.status, a.Code, a.Msg, c.code, c.msg)
		}
	}
	if e.sim.Creates() != before {
		t.Errorf("refused extends created tasks")
	}
	for _, m := range []string{"fast", "quality", "lite"} {
		e.taskID(e.post(PathExtend, map[string]any{"taskId": ok, "prompt": "x", "model": m, "seeds": 10000}))
	}
}

func TestExtendFailPromptEndsFailedAndRefunds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	src := e.generate(nil)
	before := e.sim.Balance()
	ext := e.extend(src, "then it explodes [fail]")
	a, r := e.record(ext)
	if r.SuccessFlag != 2 || r.ErrorCode != float64(501) || r.ErrorMessage == nil || r.Response != nil {
		t.Fatalf("want failed 2/501: %s", a.body)
	}
	if got := e.sim.Balance(); got != before {
		t.Errorf("balance %v after a failed extension, want refunded %v", got, before)
	}
}

func TestGenerateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	img := []string{"https://example.com/a.png"}
	cases := []struct {
		name string
		body map[string]any
		code int
	}{
		{"no prompt", map[string]any{"model": "veo3"}, 500},
		{"bad model", map[string]any{"prompt": "x", "model": "veo2"}, 422},
		{"square", map[string]any{"prompt": "x", "aspectRatio": "1:1"}, 422},
		{"lower auto", map[string]any{"prompt": "x", "aspectRatio": "auto"}, 422},
		{"seed low", map[string]any{"prompt": "x", "seeds": 9999}, 422},
		{"seed high", map[string]any{"prompt": "x", "seeds": 100000}, 422},
		{"duration 5", map[string]any{"prompt": "x", "duration": 5}, 422},
		{"bad type", map[string]any{"prompt": "x", "generationType": "IMAGE"}, 422},
		{"frames none", map[string]any{"prompt": "x", "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO"}, 422},
		{"frames three", map[string]any{"prompt": "x", "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO", "imageUrls": []string{"https://a", "https://b", "https://c"}}, 422},
		{"reference quality", map[string]any{"prompt": "x", "generationType": "REFERENCE_2_VIDEO", "model": "veo3", "imageUrls": img}, 422},
		{"reference 6 s", map[string]any{"prompt": "x", "generationType": "REFERENCE_2_VIDEO", "duration": 6, "imageUrls": img}, 422},
		{"reference four", map[string]any{"prompt": "x", "generationType": "REFERENCE_2_VIDEO", "imageUrls": []string{"https://a", "https://b", "https://c", "https://d"}}, 422},
		{"image not public", map[string]any{"prompt": "x", "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO", "imageUrls": []string{"file:///etc/passwd"}}, 451},
		{"content policy", map[string]any{"prompt": "a Forbidden scene"}, 400},
		{"not English", map[string]any{"prompt": "一只猫在滑板上", "enableTranslation": false}, 400},
		{"ok text", map[string]any{"prompt": "x", "model": "veo3_lite", "aspectRatio": "Auto", "duration": 4, "seeds": 99999, "enableTranslation": true}, 200},
		{"ok frames", map[string]any{"prompt": "x", "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO", "imageUrls": img, "aspectRatio": "9:16"}, 200},
		{"ok translated", map[string]any{"prompt": "一只猫在滑板上", "enableTranslation": true}, 200},
		{"ok reference", map[string]any{"prompt": "x", "generationType": "REFERENCE_2_VIDEO", "imageUrls": []string{"https://a", "https://b", "https://c"}}, 200},
	}
	for _, c := range cases {
		e.clock.Advance(time.Second) // every create request counts towards the rate limit
		a := e.post(PathGenerate, c.body)
		if a.status != 200 || a.Code != c.code {
			t.Errorf("%s: HTTP %d code %d %q, want code %d", c.name, a.status, a.Code, a.Msg, c.code)
		}
	}
	if a := e.post(PathGenerate, nil); a.Code != 422 {
		t.Errorf("empty body: code %d, want 422", a.Code)
	}
	if e.sim.Creates() != 4 {
		t.Errorf("Creates() = %d, want only the 4 valid ones", e.sim.Creates())
	}
}

func TestVerticalRenderHasOriginURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.generate(map[string]any{"prompt": "x", "aspectRatio": "9:16"})
	_, r := e.record(id)
	if len(urls(t, r.Response["originUrls"])) != 1 {
		t.Errorf("9:16 render: originUrls %v, want one link", r.Response["originUrls"])
	}
}

func TestAuthAndRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, key := range []string{"", "wrong"} {
		e.key = key
		a := e.get(PathCredit)
		if a.status != 200 || a.Code != 401 {
			t.Errorf("key %q: HTTP %d code %d, want 200/401", key, a.status, a.Code)
		}
	}
	e.key = testKey
	a := e.get("/api/v1/veo/nope")
	var spring map[string]any
	if err := json.Unmarshal(a.body, &spring); a.status != 404 || err != nil ||
		spring["status"] != float64(404) || spring["error"] != "Not Found" || spring["path"] != "/api/v1/veo/nope" {
		t.Errorf("unknown path: HTTP %d %s", a.status, a.body)
	}
	if a := e.get(PathGenerate); a.status != 405 {
		t.Errorf("GET generate: HTTP %d, want 405", a.status)
	}

	open := newEnv(t, Options{})
	open.sim.o.APIKey = "" // any non-empty key is fine when none is configured
	open.key = "whatever"
	if a := open.get(PathCredit); a.Code != 200 {
		t.Errorf("open sim: code %d", a.Code)
	}
}

func TestCreditsAreChargedRefundedAndEnforced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	credit := func() float64 {
		a := e.get(PathCredit)
		var f float64
		if err := json.Unmarshal(a.Data, &f); err != nil {
			t.Fatalf("credit data %s: %v", a.Data, err)
		}
		return f
	}
	if c := credit(); c != 5000 {
		t.Fatalf("start balance %v", c)
	}
	e.generate(map[string]any{"prompt": "x", "model": "veo3"})
	e.generate(map[string]any{"prompt": "x", "model": "veo3_fast"})
	e.generate(map[string]any{"prompt": "x", "model": "veo3_lite"})
	if c := credit(); c != 5000-250-60-30 {
		t.Errorf("after three generations: %v", c)
	}
	// veo-api.md's table by resolution: 1080p and 4k cost more.
	e.generate(map[string]any{"prompt": "x", "model": "veo3_fast", "resolution": "1080p"})
	e.generate(map[string]any{"prompt": "x", "model": "veo3_lite", "resolution": "4k"})
	if c := credit(); c != 4660-65-150 {
		t.Errorf("after a 1080p and a 4k generation: %v, want %v", c, 4660-65-150)
	}
	e.sim.PushPlan(Plan{Fail: true, Duration: 10 * time.Second})
	id := e.generate(nil)
	if c := credit(); c != 4445-60 {
		t.Errorf("running failing task is billed until it ends: %v, want 4385", c)
	}
	e.clock.Advance(11 * time.Second)
	if c := credit(); c != 4445 {
		t.Errorf("after failure: %v, want refund to 4445", c)
	}
	if f, _ := e.sim.TaskState(id); f != 2 {
		t.Errorf("TaskState = %d, want 2", f)
	}

	poor := newEnv(t, Options{Credits: 50})
	a := poor.post(PathGenerate, map[string]any{"prompt": "x"})
	if a.Code != 402 || poor.sim.Creates() != 0 || poor.sim.Balance() != 50 {
		t.Errorf("insufficient: code %d creates %d balance %v", a.Code, poor.sim.Creates(), poor.sim.Balance())
	}
	poor.generate(map[string]any{"prompt": "x", "model": "veo3_lite"})
	if poor.sim.Balance() != 20 {
		t.Errorf("lite: balance %v", poor.sim.Balance())
	}
}

func TestRateLimitRefusesThe21stCreateUntilTheWindowSlides(t *testing.T) {
	t.Parallel()
	for _, asHTTP := range []bool{false, true} {
		e := newEnv(t, Options{RateLimitAsHTTP: asHTTP})
		for i := range 20 {
			e.generate(map[string]any{"prompt": "x", "model": "veo3_lite"})
			if i == 9 {
				e.clock.Advance(4 * time.Second)
			}
		}
		a := e.post(PathGenerate, map[string]any{"prompt": "x", "model": "veo3_lite"})
		if a.Code != 429 {
			t.Fatalf("asHTTP=%v: 21st create code %d", asHTTP, a.Code)
		}
		if asHTTP && (a.status != 429 || a.header.Get("Retry-After") != "6") {
			t.Errorf("HTTP 429: status %d Retry-After %q, want 429 and 6", a.status, a.header.Get("Retry-After"))
		}
		if !asHTTP && a.status != 200 {
			t.Errorf("envelope 429: HTTP %d", a.status)
		}
		if e.sim.Creates() != 20 {
			t.Errorf("rate-limited request created a task")
		}
		// Reads are not limited.
		if a := e.get(PathCredit); a.Code != 200 {
			t.Errorf("credit while limited: %d", a.Code)
		}
		e.clock.Advance(6 * time.Second) // the first ten leave the window
		for range 10 {
			e.generate(map[string]any{"prompt": "x", "model": "veo3_lite"})
		}
		if a := e.post(PathGenerate, map[string]any{"prompt": "x", "model": "veo3_lite"}); a.Code != 429 {
			t.Errorf("window full again: code %d", a.Code)
		}
	}
}

func TestUpscale1080p(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MinDuration: 30 * time.Second, MaxDuration: 30 * time.Second})
	id := e.generate(nil)
	hd := Path1080p + "?taskId=" + id + "&index=0"
	if a := e.get(hd); a.Code != 422 {
		t.Errorf("1080p of a running task: code %d", a.Code)
	}
	e.clock.Advance(30 * time.Second)
	before := e.sim.Balance()
	a := e.get(hd)
	if a.Code != 400 || !strings.Contains(a.Msg, "1080P is processing") {
		t.Fatalf("first 1080p call: code %d %q", a.Code, a.Msg)
	}
	if e.sim.Balance() != before-5 {
		t.Errorf("1080p cost: %v -> %v", before, e.sim.Balance())
	}
	e.get(hd)
	if e.sim.Balance() != before-5 {
		t.Errorf("1080p billed twice")
	}
	e.clock.Advance(time.Minute)
	a = e.get(hd)
	var d struct{ ResultURL string }
	if a.Code != 200 || json.Unmarshal(a.Data, &d) != nil || d.ResultURL == "" {
		t.Fatalf("ready: %s", a.body)
	}
	if resp, _, err := fetch(t, d.ResultURL, nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("1080p download: %v", err)
	}
	if a := e.post(PathExtend, map[string]any{"taskId": id, "prompt": "x"}); a.Code != 422 {
		t.Errorf("extend after 1080p: code %d", a.Code)
	}
}

func TestUpscale4K(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.generate(nil)
	before, creates := e.sim.Balance(), e.sim.Creates()
	e.sim.PushPlan(Plan{Duration: 5 * time.Minute})
	body := map[string]any{"taskId": id, "index": 0}
	a := e.post(Path4K, body)
	var d struct {
		TaskID     string
		ResultURLs []string
		ImageURLs  []string
	}
	if a.Code != 200 || json.Unmarshal(a.Data, &d) != nil || d.TaskID == "" || d.ResultURLs == nil || len(d.ResultURLs) != 0 {
		t.Fatalf("4K start: %s", a.body)
	}
	if e.sim.Balance() != before-120 || e.sim.Creates() != creates+1 {
		t.Errorf("4K start: balance %v creates %d", e.sim.Balance(), e.sim.Creates())
	}
	if a := e.post(Path4K, body); a.Code != 422 || !strings.Contains(a.Msg, "4k is processing") {
		t.Errorf("4K pending: code %d %q", a.Code, a.Msg)
	}
	e.clock.Advance(5 * time.Minute)
	a = e.post(Path4K, body)
	if a.Code != 422 || a.Msg != "The video has been generated successfully" || json.Unmarshal(a.Data, &d) != nil || len(d.ResultURLs) != 1 {
		t.Fatalf("4K done: %s", a.body)
	}
	if resp, _, err := fetch(t, d.ResultURLs[0], nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("4K download: %v", err)
	}
	if e.sim.Creates() != creates+1 || e.sim.Balance() != before-120 {
		t.Errorf("status calls billed or created")
	}
	// veo-api.md does not say a 4K request blocks extending: the rule
	// (tasks/rules) warns and the service extends.
	if a := e.post(PathExtend, map[string]any{"taskId": id, "prompt": "x"}); a.Code != 200 {
		t.Errorf("extend after 4K: code %d %q", a.Code, a.Msg)
	}
}

func TestDemoSourcesAreExtendable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, id := range DemoSources() {
		a, r := e.record(id)
		if r.SuccessFlag != 1 {
			t.Errorf("%s: %s", id, a.body)
		}
	}
	for _, id := range DemoSources()[:3] {
		e.extend(id, "and then the sun comes out")
	}
	if e.sim.Creates() != 3 {
		t.Errorf("Creates = %d", e.sim.Creates())
	}
}

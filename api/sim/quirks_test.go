package sim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEachQuirkShapeAppears(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	src := e.generate(nil)
	cases := []struct {
		name   string
		q      Quirks
		fail   bool
		extend bool
		check  func(t *testing.T, raw map[string]any)
	}{
		{"urls as string", Quirks{URLsAsString: true}, false, false, func(t *testing.T, d map[string]any) {
			s, ok := resp(d)["resultUrls"].(string)
			var list []string
			if !ok || json.Unmarshal([]byte(s), &list) != nil || len(list) != 1 {
				t.Errorf("resultUrls %v, want a string holding a JSON array", resp(d)["resultUrls"])
			}
		}},
		{"urls bracketed", Quirks{URLsBracketed: true}, false, false, func(t *testing.T, d map[string]any) {
			s, ok := resp(d)["resultUrls"].(string)
			if !ok || !strings.HasPrefix(s, "[http") || !strings.HasSuffix(s, "]") || strings.Contains(s, `"`) {
				t.Errorf("resultUrls %v, want [http…] unquoted", resp(d)["resultUrls"])
			}
		}},
		{"legacy urls", Quirks{LegacyURLs: true}, false, false, func(t *testing.T, d map[string]any) {
			if _, has := d["response"]; has {
				t.Errorf("legacy body has a response object")
			}
			if l, ok := d["resultUrls"].([]any); !ok || len(l) != 1 {
				t.Errorf("data.resultUrls %v", d["resultUrls"])
			}
		}},
		{"time as string", Quirks{TimeAsString: true}, false, false, func(t *testing.T, d map[string]any) {
			s, _ := d["createTime"].(string)
			if _, err := time.Parse(time.DateTime, s); err != nil {
				t.Errorf("createTime %v", d["createTime"])
			}
			if _, ok := d["completeTime"].(string); !ok {
				t.Errorf("completeTime %v", d["completeTime"])
			}
		}},
		{"time ISO", Quirks{TimeISO: true}, false, false, func(t *testing.T, d map[string]any) {
			s, _ := d["completeTime"].(string)
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				t.Errorf("completeTime %v", d["completeTime"])
			}
		}},
		{"error code string", Quirks{ErrorCodeString: true}, true, false, func(t *testing.T, d map[string]any) {
			if d["errorCode"] != "501" || d["successFlag"] != float64(2) {
				t.Errorf("errorCode %#v successFlag %v", d["errorCode"], d["successFlag"])
			}
		}},
		{"no full result", Quirks{NoFullResult: true}, false, true, func(t *testing.T, d map[string]any) {
			if l, ok := resp(d)["fullResultUrls"].([]any); !ok || len(l) != 0 {
				t.Errorf("fullResultUrls %v, want []", resp(d)["fullResultUrls"])
			}
			if l, _ := resp(d)["resultUrls"].([]any); len(l) != 1 {
				t.Errorf("resultUrls %v", resp(d)["resultUrls"])
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.sim.PushPlan(Plan{Quirks: c.q, Fail: c.fail})
			var id string
			if c.extend {
				id = e.extend(src, "more")
			} else {
				id = e.generate(nil)
			}
			a := e.get(PathRecord + "?taskId=" + id)
			var d map[string]any
			if err := json.Unmarshal(a.Data, &d); err != nil {
				t.Fatal(err)
			}
			c.check(t, d)
		})
	}
}

func resp(d map[string]any) map[string]any {
	m, _ := d["response"].(map[string]any)
	return m
}

func TestFailureShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.sim.PushPlan(Plan{Fail: true, SuccessFlag: 3, ErrorCode: 400, ErrorMessage: "English only"})
	id := e.generate(nil)
	a, r := e.record(id)
	if r.SuccessFlag != 3 || r.ErrorCode != float64(400) || r.ErrorMessage != "English only" || r.CompleteTime == nil {
		t.Errorf("failed record: %s", a.body)
	}
	e.sim.PushPlan(Plan{Fail: true, ErrorCode: 500})
	_, r = e.record(e.generate(nil))
	if r.SuccessFlag != 2 || r.ErrorCode != float64(500) || r.ErrorMessage == "" {
		t.Errorf("default flag/message: %+v", r)
	}
}

func TestQuirkRateVariesAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{QuirkRate: 1, Seed: 7})
	id := e.extend(e.generate(nil), "more")
	shapes := map[string]bool{}
	for range 40 {
		a := e.get(PathRecord + "?taskId=" + id)
		var d map[string]any
		_ = json.Unmarshal(a.Data, &d)
		shapes[shape(d)] = true
	}
	if len(shapes) < 4 {
		t.Errorf("QuirkRate 1 gave only %d shapes: %v", len(shapes), shapes)
	}
}

// shape names which quirk a record shows.
func shape(d map[string]any) string {
	switch {
	case d["response"] == nil:
		return "legacy"
	case d["errorCode"] != nil:
		return "error"
	}
	r := resp(d)
	if s, ok := r["resultUrls"].(string); ok {
		return "string:" + s[:2]
	}
	if _, ok := d["createTime"].(string); ok {
		return "time:" + d["createTime"].(string)[10:11]
	}
	if l, _ := r["fullResultUrls"].([]any); len(l) == 0 {
		return "nofull"
	}
	return "canonical"
}

func TestPlanRejectAndPlanOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.sim.PushPlan(Plan{RejectCode: 455, RejectMsg: "maintenance"})
	e.sim.PushPlan(Plan{Fail: true})
	if a := e.post(PathGenerate, map[string]any{"prompt": "x"}); a.Code != 455 || a.Msg != "maintenance" {
		t.Errorf("reject: code %d %q", a.Code, a.Msg)
	}
	if e.sim.Creates() != 0 || e.sim.Balance() != 5000 {
		t.Errorf("rejected create was made or billed")
	}
	id := e.generate(nil)
	if f, _ := e.sim.TaskState(id); f != 2 {
		t.Errorf("second plan not applied to the next create: flag %d", f)
	}
	if f, _ := e.sim.TaskState(e.generate(nil)); f != 1 {
		t.Errorf("plans leak past their create: flag %d", f)
	}
}

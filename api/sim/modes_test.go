package sim

import (
	"encoding/json"
	"strings"
	"testing"
)

// With SparseEvery 2, every second record-info answer is the older shape:
// resultUrls (the new part alone, as a string) under data, no response,
// no paramJson, no times; the others are complete.
func TestSparseAnswersEveryNth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{SparseEvery: 2})
	id := e.extend(DemoLighthouse, "a storm rolls in")
	var shapes []string
	for range 4 {
		a, r := e.record(id)
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(a.Data, &raw)
		switch {
		case r.Response != nil && r.ParamJSON != "" && r.CreateTime != nil:
			if full := urls(t, r.Response["fullResultUrls"]); len(full) != 1 || !strings.Contains(full[0], "/full.mp4") {
				t.Errorf("a complete answer lacks the stitched video: %s", a.body)
			}
			shapes = append(shapes, "full")
		case raw["response"] == nil && raw["paramJson"] == nil && raw["createTime"] == nil:
			s, ok := r.ResultURLs.(string)
			if !ok || !strings.Contains(s, "/video.mp4") || strings.Contains(s, "full") {
				t.Errorf("a sparse answer must carry the new part alone, as a string: %s", a.body)
			}
			shapes = append(shapes, "sparse")
		default:
			t.Fatalf("neither shape: %s", a.body)
		}
	}
	if strings.Join(shapes, ",") != "full,sparse,full,sparse" {
		t.Errorf("shapes %v", shapes)
	}
	e.sim.SetSparseEvery(0)
	for range 2 {
		if _, r := e.record(id); r.Response == nil {
			t.Error("switched off, an answer is still sparse")
		}
	}
}

// FourKSameID names the 4K by its source's id, in the first answer and in
// the state answers after it; off, by a new id.
func TestFourKAnswersUnderEitherID(t *testing.T) {
	t.Parallel()
	for _, same := range []bool{false, true} {
		e := newEnv(t, Options{})
		e.sim.SetFourKSameID(same)
		src := e.generate(nil)
		var d struct{ TaskID string }
		a := e.post(Path4K, map[string]any{"taskId": src, "index": 0})
		if a.Code != 200 || json.Unmarshal(a.Data, &d) != nil {
			t.Fatalf("4K start: %s", a.body)
		}
		if (d.TaskID == src) != same || d.TaskID == "" {
			t.Errorf("same=%v: the 4K is named %q, the source %q", same, d.TaskID, src)
		}
		a = e.post(Path4K, map[string]any{"taskId": src, "index": 0})
		if json.Unmarshal(a.Data, &d) != nil || (d.TaskID == src) != same {
			t.Errorf("same=%v: the state answer names %q: %s", same, d.TaskID, a.body)
		}
		if e.sim.Creates() != 2 {
			t.Errorf("creates %d, want the generation and one 4K", e.sim.Creates())
		}
	}
}

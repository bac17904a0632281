package rules

import (
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	ok := Video{ID: "a", Status: Succeeded, Created: now.Add(-time.Hour), Resolution: "720p"}
	with := func(f func(*Video)) Video { v := ok; f(&v); return v }
	cases := []struct {
		name  string
		v     Video
		want  Blocker
		words string
	}{
		{"720p success", ok, None, ""},
		{"resolution unknown is the default 720p", with(func(v *Video) { v.Resolution = "" }), None, ""},
		{"4K asked only warns", with(func(v *Video) { v.FourKAsked = true }), None, ""},
		{"no id", with(func(v *Video) { v.ID = "" }), NoID, "no service task id"},
		{"upscale", with(func(v *Video) { v.Upscale = true }), IsUpscale, "upscaled"},
		{"running", with(func(v *Video) { v.Status = Running }), NotDone, "still running"},
		{"failed", with(func(v *Video) { v.Status = Failed }), IsFailed, "failed"},
		{"unknown", with(func(v *Video) { v.Status = "unknown" }), NotFinal, "it is unknown"},
		{"expired", with(func(v *Video) { v.Created = now.Add(-Retention - time.Minute) }), Expired, "14 days"},
		{"just inside 14 days", with(func(v *Video) { v.Created = now.Add(-Retention + time.Minute) }), None, ""},
		{"native 1080p", with(func(v *Video) { v.Resolution = "1080P" }), NativeHD, "rendered at 1080p"},
		{"native 4k", with(func(v *Video) { v.Resolution = "4k" }), NativeHD, "rendered at 4k"},
		{"1080p requested", with(func(v *Video) { v.HDAsked = true }), HDRequested, "1080p version was requested"},
	}
	for _, c := range cases {
		got := Check(c.v, now)
		if got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if w := got.Explain(c.v); !strings.Contains(w, c.words) || (c.want == None) != (w == "") {
			t.Errorf("%s: explained as %q, want it to say %q", c.name, w, c.words)
		}
		if (got.Short(c.v) == "") != (c.want == None) {
			t.Errorf("%s: short form %q", c.name, got.Short(c.v))
		}
	}
}

func TestWarningOnlyFor4K(t *testing.T) {
	if Warning(Video{HDAsked: true}) != "" {
		t.Error("a 1080p request blocks; it is not a warning")
	}
	if !strings.Contains(Warning(Video{FourKAsked: true}), "4K") {
		t.Error("a 4K request must warn")
	}
}

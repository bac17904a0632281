package download

import (
	"slices"
	"testing"
	"time"
)

// Inspect judges a file found on disk as a download's last check does.
func TestInspect(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	data := sample(3)
	if err := root.WriteFile(testName, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Inspect(root, testName)
	if err != nil || res.SHA256 != sha(data) || res.Size != int64(len(data)) || res.Width != 1920 {
		t.Fatalf("%+v %v", res, err)
	}
	if err := root.WriteFile("cut.mp4", data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(root, "cut.mp4"); err == nil {
		t.Fatal("a cut file passed")
	}
}

func TestParseFileName(t *testing.T) {
	t.Parallel()
	type want struct {
		ids       []NameID
		part      bool
		upscaleOf string
	}
	cases := map[string]want{
		FileName(fnCreated, "c2ac913cc2618ee809dd315065c48c5a", "A drone over a fjord", 0): {ids: []NameID{{"c2ac913cc2618ee809dd315065c48c5a", 0}}},
		FileName(fnCreated, "veo_task_demo_lighthouse", "storm", 0):                        {ids: []NameID{{"veo_task_demo_lighthouse", 0}}},
		FileName(fnCreated, "veo_task_abc", "same", 1):                                     {ids: []NameID{{"veo_task_abc", 1}, {"veo_task_abc_same", 0}}},
		PartName(FileName(fnCreated, "abc123", "then", 0)):                                 {ids: []NameID{{"abc123", 0}}, part: true},
		FileName(fnCreated, "abc123-1080p", "up", 0):                                       {ids: []NameID{{"abc123-1080p", 0}}, upscaleOf: "abc123"},
		FileName(fnCreated, "abc", "2", 0):                                                 {ids: []NameID{{"abc", 0}}},
	}
	for name, w := range cases {
		got, ok := ParseFileName(name)
		if !ok || !slices.Equal(got.IDs, w.ids) || got.Part != w.part || got.UpscaleOf != w.upscaleOf || !got.Date.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("ParseFileName(%q) = %+v, %v; want %+v", name, got, ok, w)
		}
	}
	for _, name := range []string{"holiday.mp4", "2026-11-23_onlyone.mp4", "2026-13-45_a_b.mp4", "2026-11-23_a_B.mp4", "2026-11-23_a_b.mov", "x_a_b.mp4"} {
		if got, ok := ParseFileName(name); ok {
			t.Errorf("ParseFileName(%q) = %+v: not a name veox gives", name, got)
		}
	}
	if got, ok := ParseFileName(FileName(time.Time{}, "abc", "x", 0)); !ok || !got.Date.IsZero() {
		t.Errorf("undated: %+v %v", got, ok)
	}
}

// Whatever id and prompt a name was made from, reading it back offers the
// id the name holds (a long one cut to 40 characters, as FileName cuts it).
func FuzzParseFileName(f *testing.F) {
	f.Add("veo_task_abc", "a storm rolls in", 0)
	f.Add("c2ac913cc2618ee809dd315065c48c5a", "2", 1)
	f.Add("x_y_", "_", 3)
	f.Fuzz(func(t *testing.T, id, prompt string, index int) {
		if index < 0 || index > 1000 {
			return
		}
		name := FileName(fnCreated, id, prompt, index)
		info, ok := ParseFileName(name)
		if !ok {
			t.Fatalf("ParseFileName(%q) failed", name)
		}
		want := NameID{safeTaskID(id), index}
		if !slices.Contains(info.IDs, want) {
			t.Fatalf("ParseFileName(%q) = %+v, want among them %+v", name, info.IDs, want)
		}
	})
}

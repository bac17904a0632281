package tasks

import (
	"strings"
	"testing"
)

func TestParseSeed(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": 0, "random": 0, "12345": 12345, " 10000 ": 10000, "99999": 99999} {
		if got, err := ParseSeed(in); err != nil || got != want {
			t.Errorf("ParseSeed(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"9999", "100000", "12a45", "-12345", "1e4"} {
		if _, err := ParseSeed(in); err == nil || !strings.Contains(err.Error(), "10000") {
			t.Errorf("ParseSeed(%q) accepted or unhelpful: %v", in, err)
		}
	}
	for range 1000 {
		if s := RandomSeed(); s < 10000 || s > 99999 {
			t.Fatalf("random seed %d out of range", s)
		}
	}
}

func TestValidateGenerateNormalisesAndNamesRules(t *testing.T) {
	t.Parallel()
	in := GenerateInput{Prompt: " hi ", Type: "frames", ImageURLs: []string{"https://x.test/a.png", " "}, Aspect: "auto"}
	if err := ValidateGenerate(&in); err != nil {
		t.Fatal(err)
	}
	if in.Type != "FIRST_AND_LAST_FRAMES_2_VIDEO" || in.Aspect != "Auto" || in.Model != "veo3_fast" || len(in.ImageURLs) != 1 || in.Prompt != "hi" {
		t.Fatalf("not normalised: %+v", in)
	}
	bad := []struct {
		in    GenerateInput
		field string
	}{
		{GenerateInput{Prompt: "x", Aspect: "1:1"}, "aspect"},
		{GenerateInput{Prompt: "x", Type: "frames"}, "images"},
		{GenerateInput{Prompt: "x", Type: "text", ImageURLs: []string{"https://a/b.png"}}, "images"},
		{GenerateInput{Prompt: "x", Type: "reference", Model: "veo3", ImageURLs: []string{"https://a/b.png"}}, "model"},
		{GenerateInput{Prompt: "x", Type: "frames", ImageURLs: []string{"file:///etc/passwd"}}, "images"},
		{GenerateInput{Prompt: "x", Duration: 5}, "duration"},
		{GenerateInput{Prompt: "x", Resolution: "8k"}, "resolution"},
		{GenerateInput{Prompt: "x", Model: "fast"}, "model"},
		{GenerateInput{Prompt: "x", CallbackURL: "https://user:pw@hook.test/"}, "callback"},
		{GenerateInput{Prompt: "x", Watermark: "a\x1b[31mb"}, "watermark"},
	}
	for _, c := range bad {
		err := ValidateGenerate(&c.in)
		ve, ok := err.(*ValidationError)
		if !ok || ve.For(c.field) == "" {
			t.Errorf("%+v: want a %s error, got %v", c.in, c.field, err)
		}
	}
}

func TestValidateExtend(t *testing.T) {
	t.Parallel()
	in := ExtendInput{Source: " abc ", Prompt: "go", Model: "Quality"}
	if err := ValidateExtend(&in); err != nil || in.Model != "quality" || in.Source != "abc" {
		t.Fatalf("%v %+v", err, in)
	}
	for _, in := range []ExtendInput{
		{Source: "has space", Prompt: "x"},
		{Source: "", Prompt: "x"},
		{Source: "a", Prompt: "x", Model: "veo3_fast"},
		{Source: "a", Prompt: "x", CallbackURL: "not a url"},
		{Source: "a", Prompt: "x\x07"},
	} {
		if err := ValidateExtend(&in); err == nil {
			t.Errorf("accepted %+v", in)
		}
	}
}

func TestLooksEnglish(t *testing.T) {
	t.Parallel()
	if !LooksEnglish("The camera rises over the city") || LooksEnglish("カメラが街の上に上がる") || !LooksEnglish("") {
		t.Fatal("heuristic wrong")
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("prompt", "veo_task_x", "fast", "mark", "https://a.b/c", 12345, "text", "https://i/1.png", "16:9")
	f.Add("", "", "", "\x1b[2J", "::", -1, "reference", "", "1:1")
	f.Fuzz(func(t *testing.T, prompt, src, model, wm, cb string, seed int, typ, img, aspect string) {
		e := ExtendInput{Source: src, Prompt: prompt, Seed: seed, Model: model, Watermark: wm, CallbackURL: cb}
		if err := ValidateExtend(&e); err == nil {
			if e.Seed != 0 && (e.Seed < 10000 || e.Seed > 99999) || strings.TrimSpace(e.Prompt) == "" {
				t.Fatalf("accepted invalid %+v", e)
			}
		}
		g := GenerateInput{Prompt: prompt, Model: model, Type: typ, ImageURLs: []string{img}, Aspect: aspect, Seed: seed, Watermark: wm, CallbackURL: cb}
		_ = ValidateGenerate(&g)
		_, _ = ParseSeed(prompt)
	})
}

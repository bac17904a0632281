package download

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fnCreated = time.Date(2026, 11, 23, 22, 5, 0, 0, time.UTC)

func TestFileName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id, prompt string
		index      int
		want       string
	}{
		{"a1b2c3", "A drone shot over a misty fjord at dawn, slow push-in", 0, "2026-11-23_a1b2c3_a-drone-shot-over-a-misty.mp4"},
		{"a1b2c3", "Same", 1, "2026-11-23_a1b2c3_same_2.mp4"},
		{"a1b2c3", "Same", 2, "2026-11-23_a1b2c3_same_3.mp4"},
		{"", "", 0, "2026-11-23_task_video.mp4"},
		{"../../etc/passwd", "x", 0, "2026-11-23_etcpasswd_x.mp4"},
		{"veo_task-42", "Crème brûlée on a café terrace in Łódź", 0, "2026-11-23_veo_task-42_creme-brulee-on-a-cafe-terrace.mp4"},
		{"t", "Don't stop — Straße, Æsir, œuvre", 0, "2026-11-23_t_dont-stop-strasse-aesir-oeuvre.mp4"},
		{"t", "e\u0301te\u0301 (combining accents)", 0, "2026-11-23_t_ete-combining-accents.mp4"},
		{"t", "東京の夜景 at night", 0, "2026-11-23_t_at-night.mp4"},
		{"t", "東京の夜景", 0, "2026-11-23_t_video.mp4"},
		{"t", "\x1b[2J\x00\n.hidden -dash", 0, "2026-11-23_t_2j-hidden-dash.mp4"},
		{"t", "2×3 ÷ 4", 0, "2026-11-23_t_2-3-4.mp4"},
		{"t", strings.Repeat("a", 100), 0, "2026-11-23_t_" + strings.Repeat("a", 40) + ".mp4"},
		{"t", "supercalifragilisticexpialidocious and then some words", 0, "2026-11-23_t_supercalifragilisticexpialidocious-and.mp4"},
		{strings.Repeat("X", 60), "x", 0, "2026-11-23_" + strings.Repeat("X", 40) + "_x.mp4"},
	}
	for _, c := range cases {
		if got := FileName(fnCreated, c.id, c.prompt, c.index); got != c.want {
			t.Errorf("FileName(%q, %q, %d) = %q, want %q", c.id, c.prompt, c.index, got, c.want)
		}
	}
}

func TestFileNameOddDatesAndIndexes(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Time{{}, time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		name := FileName(d, "t", "p", 0)
		checkFileName(t, name)
	}
	for _, i := range []int{-1, math.MaxInt} {
		checkFileName(t, FileName(fnCreated, strings.Repeat("x", 99), strings.Repeat("word ", 99), i))
	}
	if got := FileName(fnCreated, "t", "p", math.MaxInt); !strings.HasSuffix(got, "_9223372036854775808.mp4") {
		t.Errorf("MaxInt index: %q", got)
	}
}

// Every Latin-1/Extended-A letter folds to lowercase ASCII letters, so the
// tables cannot drift out of alignment silently.
func TestLatinTables(t *testing.T) {
	t.Parallel()
	for r := rune(0xc0); r <= 0x17f; r++ {
		s, sep := slugFold(r)
		if r == '×' || r == '÷' {
			if !sep {
				t.Errorf("%c should separate words", r)
			}
			continue
		}
		if sep || s == "" || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("%c (%U) folds to %q, %v", r, r, s, sep)
		}
	}
	spot := map[rune]string{'É': "e", 'ç': "c", 'Ø': "o", 'ñ': "n", 'ÿ': "y", 'Ā': "a", 'č': "c", 'ğ': "g", 'ı': "i", 'ł': "l", 'ŋ': "n", 'ř': "r", 'š': "s", 'ţ': "t", 'ů': "u", 'ŵ': "w", 'Ÿ': "y", 'ž': "z", 'ſ': "s"}
	for r, want := range spot {
		if got, _ := slugFold(r); got != want {
			t.Errorf("%c folds to %q, want %q", r, got, want)
		}
	}
}

func checkFileName(t *testing.T, name string) {
	t.Helper()
	if len(name) > 120 || !strings.HasSuffix(name, ".mp4") || !utf8.ValidString(name) {
		t.Fatalf("bad name %q", name)
	}
	if strings.ContainsAny(name, `/\:*?"<>|`) || name[0] == '.' || name[0] == '-' {
		t.Fatalf("unsafe name %q", name)
	}
	for _, r := range name {
		if r < 0x20 || r >= 0x7f {
			t.Fatalf("non-printable or non-ASCII %q in %q", r, name)
		}
	}
}

func FuzzFileName(f *testing.F) {
	f.Add(int64(0), "a1b2c3", "A drone shot over a misty fjord", 0)
	f.Add(int64(1e18), "../..", "Crème brûlée \x1b[31m", 3)
	f.Add(int64(-1e18), "", "", -7)
	f.Add(int64(1e17), strings.Repeat("x", 200), "\xff\xfe 東京", 1<<40)
	f.Fuzz(func(t *testing.T, unix int64, id, prompt string, index int) {
		name := FileName(time.Unix(unix, 0).UTC(), id, prompt, index)
		checkFileName(t, name)
		if name != FileName(time.Unix(unix, 0).UTC(), id, prompt, index) {
			t.Fatal("not deterministic")
		}
		slug := Slug(prompt)
		if len(slug) > maxSlugLen || strings.Count(slug, "-") >= maxSlugWords || strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") || strings.Contains(slug, "--") {
			t.Fatalf("slug %q", slug)
		}
	})
}

package api

import (
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "record is null", "record is null"},
		{"unicode kept", "vidéo 生成 ✓ \ufffd", "vidéo 生成 ✓ \ufffd"},
		{"newline kept", "a\nb", "a\nb"},
		{"tab becomes space", "a\tb", "a b"},
		{"crlf", "line one\r\nline two", "line one\nline two"},
		{"carriage return overwrite", "safe\rEVIL", "safeEVIL"},
		{"sgr colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"csi with params", "\x1b[1;31;48;5;200mX\x1b[2J\x1b[H", "X"},
		{"private csi", "\x1b[?1049hY\x1b[?25l", "Y"},
		{"osc 8 hyperlink BEL", "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click"},
		{"osc 8 hyperlink ST", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"osc 52 clipboard", "ok\x1b]52;c;cm0gLXJmIH4=\x07done", "okdone"},
		{"osc title", "\x1b]0;pwned\x07t", "t"},
		{"osc unterminated", "before\x1b]52;c;AAAA", "before"},
		{"osc aborted by new escape", "\x1b]0;x\x1b[31mred", "red"},
		{"dcs", "\x1bPq#0;2;0;0;0\x1b\\after", "after"},
		{"apc", "\x1b_Gf=100;AAAA\x1b\\img", "img"},
		{"bel", "ding\x07dong", "dingdong"},
		{"c1 csi", "\u009b31mred", "red"},
		{"c1 osc with c1 st", "\u009d0;title\u009cvisible", "visible"},
		{"c1 other dropped", "a\u0085b\u0080c", "abc"},
		{"raw 0x9b byte is invalid utf8", "a\x9b31mb", "a\ufffd31mb"},
		{"del", "a\x7fb", "ab"},
		{"nul and friends", "a\x00b\x01c\x1fd\x08e", "abcde"},
		{"charset designation", "\x1b(0lqk\x1b(B", "lqk"},
		{"single char escapes", "\x1bcreset\x1b7\x1b8", "reset"},
		{"lone escape at end", "text\x1b", "text"},
		{"escape before utf8", "\x1bé", "é"},
		{"invalid utf8", "bad\xff\xfebytes", "bad\ufffd\ufffdbytes"},
		{"csi cut by newline", "\x1b[31\nnext", "\nnext"},
		{"can aborts osc", "\x1b]0;x\x18after", "after"},
	}
	for _, tc := range cases {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("%s: Sanitize(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		checkSanitized(t, tc.in, Sanitize(tc.in))
	}
}

// checkSanitized is the promise Sanitize makes to every screen of veox.
func checkSanitized(t testing.TB, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", in, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("Sanitize(%q) = %q: byte %#x at %d", in, out, c, i)
		}
	}
	for _, r := range out {
		if r >= 0x80 && r <= 0x9f {
			t.Fatalf("Sanitize(%q) = %q: C1 control %U", in, out, r)
		}
	}
	if len(out) > 3*len(in) {
		t.Fatalf("Sanitize(%q) grew to %d bytes", in, len(out))
	}
}

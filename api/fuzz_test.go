package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addTestdata seeds a fuzzer with every recorded body, whole and as data.
func addTestdata(f *testing.F, dataOnly bool) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if !dataOnly {
			f.Add(b)
			continue
		}
		if _, _, data, err := DecodeEnvelope(b); err == nil {
			f.Add([]byte(data))
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	addTestdata(f, false)
	for _, s := range []string{
		`{"code":200,"msg":"success","data":5916.25}`,
		`{"code":"429","msg":"rate limited","data":null}`,
		`{"code":455.0,"msg":null}`,
		`{"code":500,"msg":"This field is required"}`,
		`{"code":400,"msg":"\u001b]52;c;AAAA\u0007bad"}`,
		`{"timestamp":1,"status":404,"error":"Not Found","path":"/x"}`,
		`<!DOCTYPE html><html>403</html>`,
		`{"code":200,"msg":"succ`,
		``, `null`, `{"code":1e400}`, `{"code":-0}`, `{"code":9223372036854775808}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, msg, data, err := DecodeEnvelope(body)
		if err != nil {
			return
		}
		checkSanitized(t, string(body), msg)
		if data != nil && !json.Valid(data) {
			t.Fatalf("data %q is not JSON", data)
		}
	})
}

func FuzzParseURLList(f *testing.F) {
	for _, s := range []string{
		`null`, `""`, `"[]"`, `[]`, `["https://a.mp4"]`, `["https://a.mp4",null,""," https://b "]`,
		`"[\"https://a.mp4\",\"https://b.mp4\"]"`, `"[https://a.mp4,https://b.mp4]"`,
		`"[https://a.mp4?x=1,2, https://b.mp4]"`, `"['https://a', 'https://b']"`, `"https://a.mp4"`,
		`"https://a,https://b"`, `"[,]"`, `"[\"\"]"`, `"['']"`, `[1]`, `"[https://a"`, `"[\"a\",1]"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		urls, err := ParseURLList(raw)
		if err != nil && urls != nil {
			t.Fatalf("both %q and %v", urls, err)
		}
		for _, u := range urls {
			if u == "" || strings.TrimSpace(u) != u {
				t.Fatalf("ParseURLList(%q) gave %q", raw, urls)
			}
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		`null`, `""`, `0`, `1773967426000`, `"1773967426000"`, `1773967426`, `1773967426000.5`,
		`"2025-06-06 10:30:00"`, `"2025-06-06T10:30:00Z"`, `"2025-06-06T10:30:00.123+08:00"`,
		`"2025-06-06T10:30:00"`, `"2025-06-06T18:30:00+0800"`, `"2025-06-06"`, `-1`, `1e300`,
		`253402300799999`, `253402300800000`, `"NaN"`, `"Inf"`, `true`, `"  42  "`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ts, err := ParseTimestamp(raw)
		if err != nil {
			if !ts.IsZero() {
				t.Fatalf("error %v with time %v", err, ts)
			}
			return
		}
		if !ts.IsZero() && (ts.Location().String() != "UTC" || ts.Year() > 10000) {
			t.Fatalf("ParseTimestamp(%q) = %v", raw, ts)
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	addTestdata(f, true)
	for _, s := range []string{
		`{}`, `null`, `"{\"taskId\":\"x\"}"`, `{"successFlag":"2","errorCode":"400","errorMessage":"\u001b[31mno"}`,
		`{"response":"{\"resultUrls\":\"[https://a]\"}"}`, `{"resultUrls":"https://a","response":{"resultUrls":[]}}`,
		`{"seeds":12345,"hasAudioList":"true"}`, `{"paramJson":{"model":"veo3"}}`, `{"paramJson":"[1,2]"}`,
		`{"successFlag":1e3}`, `{"createTime":"x","completeTime":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := DecodeRecord(data)
		if err != nil {
			return
		}
		for _, list := range [][]string{rec.ResultURLs, rec.FullResultURLs, rec.OriginURLs} {
			for _, u := range list {
				if u == "" {
					t.Fatalf("empty URL from %q", data)
				}
			}
		}
		wantState := StateFailed
		switch rec.SuccessFlag {
		case 0:
			wantState = StateRunning
		case 1:
			wantState = StateSucceeded
		}
		if rec.State != wantState {
			t.Fatalf("flag %d gave %v", rec.SuccessFlag, rec.State)
		}
		checkSanitized(t, string(data), rec.ErrorMessage)
		checkSanitized(t, string(data), rec.Resolution)
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"plain", "\x1b[31mred\x1b[0m", "\x1b]8;;https://e\x07link\x1b]8;;\x07", "\x1b]52;c;AAAA\x07",
		"\x1b]0;t\x1b\\x", "a\x07b", "\u009b31m", "\u009d0;t\u009c", "\xc2", "\x1b", "\x1b[", "\x1b]",
		"a\r\nb\tc", "\x7f", "\xff\xfe", "\x1bP\x1b\\", "\x1b(0", "é\x1b[?25l生",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		checkSanitized(t, s, out)
		if Sanitize(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, Sanitize(out))
		}
		if utf8.ValidString(s) && !strings.ContainsAny(s, "\x1b\u009b\u0090\u0098\u009d\u009e\u009f") {
			// without any sequence introducer, only control characters go
			for _, r := range out {
				if !strings.ContainsRune(s, r) && r != ' ' {
					t.Fatalf("%q invented %q", s, r)
				}
			}
		}
	})
}

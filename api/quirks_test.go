package api

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

func TestParseURLList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{``, nil},
		{`null`, nil},
		{`""`, nil},
		{`"[]"`, nil},
		{`[]`, nil},
		{`"null"`, nil},
		{`["https://a.mp4"]`, []string{"https://a.mp4"}},
		{`["https://a.mp4", null, "", " https://b.mp4 "]`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"[\"https://a.mp4\",\"https://b.mp4\"]"`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"[https://a.mp4,https://b.mp4]"`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"[https://a.mp4, https://b.mp4]"`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"['https://a.mp4', 'https://b.mp4']"`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"[https://a.mp4?sig=1,2&x=3, https://b.mp4]"`, []string{"https://a.mp4?sig=1,2&x=3", "https://b.mp4"}},
		{`"https://a.mp4"`, []string{"https://a.mp4"}},
		{`"https://a.mp4,https://b.mp4"`, []string{"https://a.mp4", "https://b.mp4"}},
		{`"[,]"`, nil},
		{`"[ ]"`, nil},
	}
	for _, tc := range cases {
		got, err := ParseURLList(json.RawMessage(tc.in))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseURLList(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`[1,2]`, `{"a":"b"}`, `42`, `true`, `"[https://a.mp4"`, `["x"`} {
		if got, err := ParseURLList(json.RawMessage(bad)); err == nil {
			t.Errorf("ParseURLList(%s) = %q, want an error", bad, got)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	ms := time.Date(2026, 3, 20, 0, 43, 46, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{`null`, time.Time{}},
		{``, time.Time{}},
		{`""`, time.Time{}},
		{`0`, time.Time{}},
		{`"0"`, time.Time{}},
		{`1773967426000`, ms},
		{`"1773967426000"`, ms},
		{`1773967426`, ms}, // seconds
		{`1773967426000.0`, ms},
		{`1773967426500`, ms.Add(500 * time.Millisecond)},
		{`"2025-06-06 10:30:00"`, time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)},
		{`"2025-06-06 10:30:00.250"`, time.Date(2025, 6, 6, 10, 30, 0, 250e6, time.UTC)},
		{`"2025-06-06T10:30:00Z"`, time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)},
		{`"2025-06-06T10:30:00.123456789Z"`, time.Date(2025, 6, 6, 10, 30, 0, 123456789, time.UTC)},
		{`"2025-06-06T18:30:00+08:00"`, time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)},
		{`"2025-06-06T18:30:00+0800"`, time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)},
		{`"2025-06-06T10:30:00"`, time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)},
		{`"2025-06-06T10:30:00.5"`, time.Date(2025, 6, 6, 10, 30, 0, 5e8, time.UTC)},
		{`"2025-06-06"`, time.Date(2025, 6, 6, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		got, err := ParseTimestamp(json.RawMessage(tc.in))
		if err != nil || !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseTimestamp(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`true`, `"yesterday"`, `-5`, `1e300`, `"2025-13-45 10:00:00"`, `{}`, `"NaN"`} {
		if got, err := ParseTimestamp(json.RawMessage(bad)); err == nil {
			t.Errorf("ParseTimestamp(%s) = %v, want an error", bad, got)
		}
	}
}

func TestDecodeEnvelope(t *testing.T) {
	cases := []struct {
		in   string
		code int
		msg  string
		data string
	}{
		{`{"code":200,"msg":"success","data":{"taskId":"x"}}`, 200, "success", `{"taskId":"x"}`},
		{`{"code":"422","msg":"record is null","data":null}`, 422, "record is null", `null`},
		{`{"code":455.0,"msg":null}`, 455, "", ``},
		{` {"code":400,"msg":"bad \u001b[1mword\u001b[0m\r\n"} `, 400, "bad word\n", ``},
		{`{"code":500,"msg":42}`, 500, "42", ``},
	}
	for _, tc := range cases {
		code, msg, data, err := DecodeEnvelope([]byte(tc.in))
		if err != nil || code != tc.code || msg != tc.msg || string(data) != tc.data {
			t.Errorf("DecodeEnvelope(%s) = %d %q %s %v", tc.in, code, msg, data, err)
		}
	}
	for _, bad := range []string{``, `null`, `[]`, `<html></html>`, `{"timestamp":1,"status":404,"error":"Not Found","path":"/x"}`,
		`{"code":200,"msg":"succ`, `{"code":"abc"}`, `{"code":2.5}`, `{"code":200}{"code":200}`} {
		if _, _, _, err := DecodeEnvelope([]byte(bad)); err == nil {
			t.Errorf("DecodeEnvelope(%q) accepted", bad)
		}
	}
}

func loadRecord(t *testing.T, name string) *Record {
	t.Helper()
	body, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	code, _, data, err := DecodeEnvelope(body)
	if err != nil || code != 200 {
		t.Fatalf("%s: envelope %d %v", name, code, err)
	}
	rec, err := DecodeRecord(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rec
}

func TestDecodeRecordDocumented(t *testing.T) {
	r := loadRecord(t, "record_success")
	want := &Record{
		TaskID:      "c2ac913cc2618ee809dd315065c48c5a",
		Params:      map[string]any{"aspectRatio": "16:9", "model": "veo3_fast", "prompt": "a cat on a skateboard", "waterMark": ""},
		ParamsRaw:   `{"aspectRatio":"16:9","model":"veo3_fast","prompt":"a cat on a skateboard","waterMark":""}`,
		ResultURLs:  []string{"https://tempfile.example/a.mp4"},
		Resolution:  "720p",
		HasAudio:    []bool{true},
		Seeds:       []int{34186},
		SuccessFlag: 1, State: StateSucceeded,
		CreateTime:   time.UnixMilli(1773967426000).UTC(),
		CompleteTime: time.UnixMilli(1773967493000).UTC(),
	}
	r.Raw = nil
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
}

func TestDecodeRecordStringQuirks(t *testing.T) {
	r := loadRecord(t, "record_string_urls")
	if !reflect.DeepEqual(r.ResultURLs, []string{"https://cdn.example/1.mp4", "https://cdn.example/2.mp4"}) ||
		!reflect.DeepEqual(r.OriginURLs, []string{"https://cdn.example/o1.mp4", "https://cdn.example/o2.mp4?x=1,2"}) ||
		r.FullResultURLs != nil {
		t.Errorf("urls %q %q %q", r.ResultURLs, r.OriginURLs, r.FullResultURLs)
	}
	if !reflect.DeepEqual(r.HasAudio, []bool{true, false}) || !reflect.DeepEqual(r.Seeds, []int{10001, 99999}) {
		t.Errorf("audio %v seeds %v", r.HasAudio, r.Seeds)
	}
	if r.State != StateSucceeded || r.ErrorCode != 0 || !r.FallbackFlag || r.Resolution != "1080p" {
		t.Errorf("%+v", r)
	}
	if !r.CreateTime.Equal(time.Date(2025, 6, 6, 10, 30, 0, 0, time.UTC)) ||
		!r.CompleteTime.Equal(time.Date(2025, 6, 6, 2, 35, 12, 5e8, time.UTC)) {
		t.Errorf("times %v %v", r.CreateTime, r.CompleteTime)
	}
}

func TestDecodeRecordOlderBody(t *testing.T) {
	r := loadRecord(t, "record_old")
	if !reflect.DeepEqual(r.ResultURLs, []string{"https://old.example/v.mp4"}) || r.Params != nil ||
		r.ParamsRaw != "not json at all" || r.State != StateSucceeded {
		t.Errorf("%+v", r)
	}
	if !r.CreateTime.Equal(time.UnixMilli(1773967426000)) || !r.CompleteTime.Equal(time.Date(2026, 3, 20, 0, 44, 53, 0, time.UTC)) {
		t.Errorf("times %v %v", r.CreateTime, r.CompleteTime)
	}
}

func TestDecodeRecordExtensionPrefersFullVideo(t *testing.T) {
	r := loadRecord(t, "record_extend")
	if !reflect.DeepEqual(r.BestURLs(), []string{"https://cdn.example/ext-full.mp4"}) ||
		!reflect.DeepEqual(r.ResultURLs, []string{"https://cdn.example/ext-part.mp4"}) {
		t.Errorf("best %q results %q", r.BestURLs(), r.ResultURLs)
	}
	if r.Params["model"] != "fast" {
		t.Errorf("params %v", r.Params)
	}
}

func TestDecodeRecordFailureIsSanitised(t *testing.T) {
	r := loadRecord(t, "record_failed")
	if r.State != StateFailed || r.SuccessFlag != 3 || r.ErrorCode != 501 || r.ErrorMessage != "generation failed click" {
		t.Errorf("%+v (msg %q)", r, r.ErrorMessage)
	}
	if r.ResultURLs != nil || r.HasAudio != nil || r.Seeds != nil || !r.CompleteTime.IsZero() {
		t.Errorf("%+v", r)
	}
}

func TestDecodeRecordRunning(t *testing.T) {
	r := loadRecord(t, "record_running")
	if r.State != StateRunning || !r.CreateTime.Equal(time.UnixMilli(1773967426000)) || !r.CompleteTime.IsZero() {
		t.Errorf("%+v", r)
	}
}

func TestDecodeRecordFlags(t *testing.T) {
	for flag, want := range map[string]State{`0`: StateRunning, `1`: StateSucceeded, `2`: StateFailed,
		`3`: StateFailed, `-1`: StateFailed, `"1"`: StateSucceeded, `null`: StateRunning, `7`: StateFailed} {
		r, err := DecodeRecord(json.RawMessage(`{"taskId":"x","successFlag":` + flag + `}`))
		if err != nil || r.State != want {
			t.Errorf("successFlag %s: %v, %v", flag, r, err)
		}
	}
	for _, bad := range []string{`null`, `""`, `[]`, `42`, `{"successFlag":"yes"}`, `{"response":{"resultUrls":[1]}}`} {
		if r, err := DecodeRecord(json.RawMessage(bad)); err == nil {
			t.Errorf("DecodeRecord(%s) = %+v", bad, r)
		}
	}
	// data as a string holding the object, and response as one too
	r, err := DecodeRecord(json.RawMessage(`"{\"taskId\":\"x\",\"successFlag\":1,\"response\":\"{\\\"resultUrls\\\":[\\\"https://a\\\"]}\"}"`))
	if err != nil || r.TaskID != "x" || len(r.ResultURLs) != 1 {
		t.Errorf("string-wrapped record: %+v, %v", r, err)
	}
}

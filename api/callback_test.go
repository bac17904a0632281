package api

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veox/veox/api/sim"
)

func TestDecodeCallbackShapes(t *testing.T) {
	ok := `{"code":200,"msg":"Veo3.1 video generated successfully.","data":{"taskId":"abc","info":{"resultUrls":"[https://a.test/1.mp4]","originUrls":[],"resolution":"720p"},"promptJson":{"prompt":"a fox","seeds":12345},"fallbackFlag":false}}`
	cb, err := DecodeCallback([]byte(ok))
	if err != nil || !cb.Succeeded || cb.TaskID != "abc" || cb.Prompt != "a fox" || len(cb.ResultURLs) != 1 {
		t.Fatalf("%v %+v", err, cb)
	}
	fail := `{"code":501,"msg":"generation failed \u001b[2J","data":{"taskId":"abc"}}`
	cb, err = DecodeCallback([]byte(fail))
	if err != nil || cb.Succeeded || cb.Code != 501 || strings.ContainsRune(cb.Message, 0x1b) {
		t.Fatalf("%v %+v", err, cb)
	}
	asString := `{"code":200,"msg":"ok","data":{"taskId":"x","promptJson":"{\"prompt\":\"p\"}"}}`
	if cb, err = DecodeCallback([]byte(asString)); err != nil || cb.Prompt != "p" {
		t.Fatalf("promptJson as a string: %v %+v", err, cb)
	}
	for _, bad := range []string{``, `<html>`, `{"code":200,"data":{}}`, `{"code":200,"data":null}`} {
		if _, err := DecodeCallback([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestVerifyCallback(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := sim.SignCallback("s3cret", "task1", ts)
	if err := VerifyCallback("s3cret", "task1", ts, sig, now); err != nil {
		t.Fatal(err)
	}
	if VerifyCallback("s3cret", "task2", ts, sig, now) == nil {
		t.Fatal("a signature for another task was accepted")
	}
	if VerifyCallback("other", "task1", ts, sig, now) == nil {
		t.Fatal("a signature with another key was accepted")
	}
	if VerifyCallback("s3cret", "task1", ts, sig, now.Add(6*time.Minute)) == nil {
		t.Fatal("a stale callback was accepted")
	}
	if VerifyCallback("s3cret", "task1", "", "", now) == nil {
		t.Fatal("an unsigned callback was accepted with a key set")
	}
}

func FuzzDecodeCallback(f *testing.F) {
	f.Add([]byte(`{"code":200,"msg":"ok","data":{"taskId":"a","info":{"resultUrls":["https://x/y.mp4"]},"promptJson":{"prompt":"p"}}}`))
	f.Add([]byte(`{"code":"500","msg":null,"data":{"taskId":"a","promptJson":"[1,2"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cb, err := DecodeCallback(b)
		if err == nil && (cb.TaskID == "" || strings.ContainsRune(cb.Message, 0x1b)) {
			t.Fatalf("bad decode %+v", cb)
		}
	})
}

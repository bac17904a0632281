package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// What a hostile service or CDN can put in any string it fills: a clipboard
// write (OSC 52), a screen clear, window-title changes (BEL and ST forms)
// and a C1 CSI.
var hostileText = []string{
	"\x1b]52;c;ZXZpbA==\x07",
	"\x1b[2J\x1b[H",
	"\x1b]0;pwned\x07",
	"\x1b]2;pwned\x1b\\",
	"\u009b31m",
}

// mustBeInert fails when s could still drive a terminal.
func mustBeInert(t *testing.T, where, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\x1b\x07\u009b\u009c\u009d") {
		t.Errorf("%s carries an escape sequence: %q", where, s)
	}
}

// Issue 9.10: every field the service fills. Ids and URLs with control
// characters are refused where they enter (a record, a create's answer, a
// 4K answer, a callback); messages come back cleaned.
func TestEscapeSequencesInEveryServiceField(t *testing.T) {
	for i, h := range hostileText {
		evilID := "c2ac913c" + h + "5a"
		evilURL := "https://cdn.example/a" + h + ".mp4"
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			okRecord := map[string]any{"taskId": "c2ac913c", "successFlag": 2, "errorCode": 400,
				"errorMessage": "refused " + h + "end", "response": map[string]any{"resolution": "720p" + h}}
			answers := map[string]any{
				"record taskId":          map[string]any{"taskId": evilID, "successFlag": 0},
				"record response.taskId": map[string]any{"successFlag": 0, "response": map[string]any{"taskId": evilID}},
				"record resultUrls":      map[string]any{"taskId": "t", "successFlag": 1, "response": map[string]any{"resultUrls": []string{evilURL}}},
				"record resultUrls text": map[string]any{"taskId": "t", "successFlag": 1, "response": map[string]any{"resultUrls": "[" + evilURL + "]"}},
				"record fullResultUrls":  map[string]any{"taskId": "t", "successFlag": 1, "response": map[string]any{"fullResultUrls": []string{evilURL}}},
				"record originUrls":      map[string]any{"taskId": "t", "successFlag": 1, "originUrls": []string{evilURL}},
			}
			for name, data := range answers {
				s := newCTServer(t, answer(200, envelopeJSON(200, "success"+h, data)))
				rec, err := ctClient(s.URL, func(o *Options) { o.MaxAttempts = 1 }).RecordInfo(context.Background(), "t")
				if err == nil {
					t.Errorf("%s: accepted (id %q, urls %q)", name, rec.TaskID, rec.BestURLs())
					continue
				}
				mustBeInert(t, name+" error", err.Error())
			}

			s := newCTServer(t, answer(200, envelopeJSON(200, "success"+h, okRecord)))
			rec, err := ctClient(s.URL).RecordInfo(context.Background(), "t")
			if err != nil {
				t.Fatal(err)
			}
			mustBeInert(t, "record errorMessage", rec.ErrorMessage)
			mustBeInert(t, "record resolution", rec.Resolution)
			if !strings.Contains(rec.ErrorMessage, "end") {
				t.Errorf("message lost: %q", rec.ErrorMessage)
			}

			// A failed envelope's message, on a read and a create.
			s = newCTServer(t, answer(200, envelopeJSON(422, "bad "+h+"field", nil)))
			_, err = ctClient(s.URL).Generate(context.Background(), GenerateRequest{Prompt: "p"})
			mustBeInert(t, "create refusal", err.Error())

			// A create's answer naming an id with an escape: accepted
			// upstream, so it may exist, but the id is refused.
			s = newCTServer(t, answer(200, envelopeJSON(200, "success"+h, map[string]string{"taskId": evilID})))
			id, err := ctClient(s.URL).Generate(context.Background(), GenerateRequest{Prompt: "p"})
			if id != "" || !MaybeCreated(err) || s.hits.Load() != 1 {
				t.Errorf("create answer: id %q err %v after %d POSTs", id, err, s.hits.Load())
			}
			mustBeInert(t, "create answer error", fmt.Sprint(err))

			// 4K answers: the id, the video and image URLs.
			for name, data := range map[string]any{
				"4K taskId":    map[string]any{"taskId": evilID},
				"4K resultUrl": map[string]any{"taskId": "t", "resultUrls": []string{evilURL}},
				"4K imageUrls": map[string]any{"taskId": "t", "imageUrls": "[" + evilURL + "]"},
			} {
				s = newCTServer(t, answer(200, envelopeJSON(200, "success"+h, data)))
				up, err := ctClient(s.URL).Get4K(context.Background(), FourKRequest{TaskID: "t"})
				if err == nil || !MaybeCreated(err) {
					t.Errorf("%s: accepted %+v, %v", name, up, err)
				}
				mustBeInert(t, name, fmt.Sprint(err))
			}
			s = newCTServer(t, answer(200, envelopeJSON(422, "4k is processing"+h, nil)))
			up, err := ctClient(s.URL).Get4K(context.Background(), FourKRequest{TaskID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			mustBeInert(t, "4K message", up.Message)

			// Callbacks: the id is refused, the message and prompt cleaned,
			// URLs with escapes dropped.
			cb := func(id string, urls any) []byte {
				b, _ := json.Marshal(map[string]any{"code": 200, "msg": "done" + h, "data": map[string]any{
					"taskId": id, "info": map[string]any{"resultUrls": urls},
					"promptJson": map[string]any{"prompt": "a cat" + h}}})
				return b
			}
			if got, err := DecodeCallback(cb(evilID, nil)); err == nil {
				t.Errorf("callback id accepted: %q", got.TaskID)
			} else {
				mustBeInert(t, "callback error", err.Error())
			}
			got, err := DecodeCallback(cb("t1", []string{evilURL}))
			if err != nil {
				t.Fatal(err)
			}
			mustBeInert(t, "callback message", got.Message)
			mustBeInert(t, "callback prompt", got.Prompt)
			if len(got.ResultURLs) != 0 {
				t.Errorf("callback URL kept: %q", got.ResultURLs)
			}
		})
	}
}

// No real URL holds a control character; one that does is refused, in
// every shape a list comes in.
func TestParseURLListRefusesControlCharacters(t *testing.T) {
	for _, raw := range []string{`["https://a/\u001b]52;c;QQ==\u0007.mp4"]`, `"[https://a/\u0007x.mp4]"`, `"https://a/\u009b31m"`} {
		if urls, err := ParseURLList(json.RawMessage(raw)); err == nil {
			t.Errorf("%s: accepted %q", raw, urls)
		}
	}
	if urls, err := ParseURLList(json.RawMessage(`["https://a/é.mp4?x=1,2"]`)); err != nil || len(urls) != 1 {
		t.Errorf("a plain URL: %q %v", urls, err)
	}
}

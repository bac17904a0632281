package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxCallbackBody bounds what a callback receiver reads: real bodies are a
// few KB, and a receiver open to the internet must not buffer more.
const MaxCallbackBody = 64 << 10

// CallbackSkew is how far a signed callback's timestamp may stray from our
// clock before it is refused as stale or replayed.
const CallbackSkew = 5 * time.Minute

// Callback is a decoded task-end notification. It is a hint, not a fact:
// the body is not signed, so callers confirm with record-info.
type Callback struct {
	Code       int
	Message    string // sanitised
	TaskID     string
	Succeeded  bool
	ResultURLs []string
	Prompt     string         // from promptJson, when the service echoes the request
	Params     map[string]any // promptJson decoded, nil if absent
}

// DecodeCallback reads the success or failure shape of veo-api.md.
func DecodeCallback(body []byte) (*Callback, error) {
	code, msg, data, err := DecodeEnvelope(body)
	if err != nil {
		return nil, fmt.Errorf("callback body: %w", err)
	}
	var d struct {
		TaskID     string          `json:"taskId"`
		Info       json.RawMessage `json:"info"`
		PromptJSON json.RawMessage `json:"promptJson"`
	}
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("callback data: %w", err)
		}
	}
	cb := &Callback{Code: code, Message: msg, TaskID: strings.TrimSpace(d.TaskID), Succeeded: code == 200}
	if cb.TaskID == "" {
		return nil, errors.New("callback names no taskId")
	}
	if !validTaskID(cb.TaskID) {
		return nil, errors.New("callback taskId holds spaces or control characters")
	}
	cb.ResultURLs = callbackURLs(d.Info)
	cb.Params = callbackParams(d.PromptJSON)
	if p, ok := cb.Params["prompt"].(string); ok {
		cb.Prompt = Sanitize(p)
	}
	return cb, nil
}

func callbackURLs(info json.RawMessage) []string {
	var i struct {
		ResultURLs json.RawMessage `json:"resultUrls"`
	}
	if len(info) == 0 || json.Unmarshal(info, &i) != nil {
		return nil
	}
	urls, _ := ParseURLList(i.ResultURLs)
	return urls
}

// callbackParams accepts promptJson as an object or as a string holding
// one, like paramJson in record-info.
func callbackParams(raw json.RawMessage) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &m) == nil {
		return m
	}
	return nil
}

// VerifyCallback checks the optional signature: X-Webhook-Signature is
// base64(HMAC-SHA256(secret, taskId + "." + timestamp)) and the timestamp
// (Unix seconds) must be within CallbackSkew of now.
func VerifyCallback(secret, taskID, timestamp, signature string, now time.Time) error {
	if timestamp == "" || signature == "" {
		return errors.New("unsigned callback, but a signing key is set")
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("callback timestamp is not Unix seconds")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > CallbackSkew || d < -CallbackSkew {
		return fmt.Errorf("callback timestamp is %s away from now: stale or replayed", d.Round(time.Second))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(taskID + "." + timestamp))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return errors.New("callback signature does not match")
	}
	return nil
}

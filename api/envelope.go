package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

var (
	errNotEnvelope = errors.New("not an envelope")
	errNoRecord    = errors.New("record: no data")
)

// envelope is one decoded answer plus what the HTTP layer said about it.
type envelope struct {
	code       int
	msg        string // sanitised
	data       json.RawMessage
	status     int
	retryAfter time.Duration
}

// DecodeEnvelope reads {"code","msg","data"}. code may be a number or a
// numeric string; msg comes back sanitised (it goes to the screen); data is
// nil when absent. A body without a code is not an envelope (a Spring 404, an
// HTML page, a cut body) and gives an error.
func DecodeEnvelope(body []byte) (code int, msg string, data json.RawMessage, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return 0, "", nil, errNotEnvelope
	}
	var w struct {
		Code json.RawMessage `json:"code"`
		Msg  json.RawMessage `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return 0, "", nil, err
	}
	code, ok := flexInt(w.Code)
	if !ok {
		return 0, "", nil, fmt.Errorf("%w: no code", errNotEnvelope)
	}
	return code, Sanitize(flexString(w.Msg)), w.Data, nil
}

// mediaWire is the part of a record that may sit under data.response or,
// in older bodies, straight under data.
type mediaWire struct {
	TaskID         json.RawMessage `json:"taskId"`
	ResultURLs     json.RawMessage `json:"resultUrls"`
	FullResultURLs json.RawMessage `json:"fullResultUrls"`
	OriginURLs     json.RawMessage `json:"originUrls"`
	Resolution     json.RawMessage `json:"resolution"`
	HasAudioList   json.RawMessage `json:"hasAudioList"`
	Seeds          json.RawMessage `json:"seeds"`
}

type recordWire struct {
	mediaWire
	ParamJSON    json.RawMessage `json:"paramJson"`
	Response     json.RawMessage `json:"response"`
	SuccessFlag  json.RawMessage `json:"successFlag"`
	ErrorCode    json.RawMessage `json:"errorCode"`
	ErrorMessage json.RawMessage `json:"errorMessage"`
	CreateTime   json.RawMessage `json:"createTime"`
	CompleteTime json.RawMessage `json:"completeTime"`
	FallbackFlag json.RawMessage `json:"fallbackFlag"`
}

// DecodeRecord turns record-info's data into a Record, resolving every quirk
// of veo-api.md. Only what veox cannot work around is an error: data that is
// not an object, URL lists of the wrong type, a successFlag that is no number.
// Odd timestamps, seeds or audio flags degrade to zero values instead.
func DecodeRecord(data json.RawMessage) (*Record, error) {
	data = unwrapJSONString(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errNoRecord
	}
	var top recordWire
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	var resp mediaWire
	if r := unwrapJSONString(top.Response); len(r) > 0 && r[0] == '{' {
		if err := json.Unmarshal(r, &resp); err != nil {
			return nil, fmt.Errorf("record: response: %w", err)
		}
	}
	rec := &Record{Raw: append(json.RawMessage(nil), data...)}
	if err := decodeMedia(rec, &resp, &top.mediaWire); err != nil {
		return nil, err
	}
	if err := decodeOutcome(rec, &top); err != nil {
		return nil, err
	}
	decodeParams(rec, top.ParamJSON)
	rec.CreateTime, _ = ParseTimestamp(top.CreateTime)
	rec.CompleteTime, _ = ParseTimestamp(top.CompleteTime)
	rec.FallbackFlag = flexBool(top.FallbackFlag)
	return rec, nil
}

// decodeMedia prefers data.response and falls back to data for each field.
func decodeMedia(rec *Record, resp, top *mediaWire) error {
	lists := []struct {
		dst       *[]string
		name      string
		primary   json.RawMessage
		secondary json.RawMessage
	}{
		{&rec.ResultURLs, "resultUrls", resp.ResultURLs, top.ResultURLs},
		{&rec.FullResultURLs, "fullResultUrls", resp.FullResultURLs, top.FullResultURLs},
		{&rec.OriginURLs, "originUrls", resp.OriginURLs, top.OriginURLs},
	}
	for _, l := range lists {
		v, err := firstURLList(l.primary, l.secondary)
		if err != nil {
			return fmt.Errorf("record: %s: %w", l.name, err)
		}
		*l.dst = v
	}
	rec.TaskID = strings.TrimSpace(flexString(top.TaskID))
	if rec.TaskID == "" {
		rec.TaskID = strings.TrimSpace(flexString(resp.TaskID))
	}
	if rec.TaskID != "" && !validTaskID(rec.TaskID) {
		return fmt.Errorf("record: taskId %q holds spaces or control characters", Sanitize(rec.TaskID))
	}
	rec.Resolution = Sanitize(firstString(resp.Resolution, top.Resolution))
	rec.HasAudio = flexBools(firstPresent(resp.HasAudioList, top.HasAudioList))
	rec.Seeds = flexInts(firstPresent(resp.Seeds, top.Seeds))
	return nil
}

func firstURLList(primary, secondary json.RawMessage) ([]string, error) {
	v, err := ParseURLList(primary)
	if err != nil || len(v) > 0 {
		return v, err
	}
	return ParseURLList(secondary)
}

func firstString(a, b json.RawMessage) string {
	if s := flexString(a); s != "" {
		return s
	}
	return flexString(b)
}

func firstPresent(a, b json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(a); len(t) > 0 && string(t) != "null" {
		return a
	}
	return b
}

// decodeOutcome reads successFlag and the error fields. A missing flag means
// the record is not finished yet; any flag but 0 and 1 is a terminal failure.
func decodeOutcome(rec *Record, top *recordWire) error {
	if t := bytes.TrimSpace(top.SuccessFlag); len(t) > 0 && string(t) != "null" {
		n, ok := flexInt(t)
		if !ok {
			return fmt.Errorf("record: successFlag %.20s is no number", t)
		}
		rec.SuccessFlag = n
	}
	switch rec.SuccessFlag {
	case 0:
		rec.State = StateRunning
	case 1:
		rec.State = StateSucceeded
	default:
		rec.State = StateFailed
	}
	rec.ErrorCode, _ = flexInt(top.ErrorCode)
	rec.ErrorMessage = Sanitize(flexString(top.ErrorMessage))
	return nil
}

// decodeParams keeps paramJson verbatim and decodes it when it is JSON; it is
// only an echo of the request, so a broken one must not cost the record.
func decodeParams(rec *Record, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	if raw[0] == '{' {
		rec.ParamsRaw = string(raw)
	} else {
		rec.ParamsRaw = flexString(raw)
	}
	var m map[string]any
	if json.Unmarshal([]byte(rec.ParamsRaw), &m) == nil {
		rec.Params = m
	}
}

// hintWrongBase is shown for a genuine HTTP 404: the task id is not the
// problem, the address is.
const hintWrongBase = "check the base URL (default " + DefaultBaseURL + "); veox may be talking to the wrong server, and no task was changed"

// httpFailure classifies an answer that is not an envelope. It never quotes
// the body: an HTML page would flood the screen and may carry escapes.
func httpFailure(op string, status int, header http.Header, body []byte, path string) *Error {
	e := &Error{Op: op, Code: status, HTTPStatus: status}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind, e.Message = KindRateLimited, "rate limited (HTTP 429)"
	case status == 455:
		e.Kind, e.Message = KindMaintenance, "the service is under maintenance (HTTP 455)"
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = KindAuth, "the service refused the API key (HTTP 401)"
	case status == http.StatusNotFound:
		// Not the envelope's 404 or "record is null" about a task: the
		// address itself is unknown (a Spring page, an edge's 404), so it
		// says nothing about any task.
		e.Kind = KindNoEndpoint
		e.Message = fmt.Sprintf("HTTP 404 Not Found for %s: wrong base URL or the service changed its API", springPath(body, path))
		e.Hint = hintWrongBase
		return e
	default:
		e.Kind, e.Message = KindServer, describeBody(status, header, body)
	}
	e.Hint = HintFor(e.Kind)
	return e
}

func describeBody(status int, header http.Header, body []byte) string {
	t := bytes.TrimSpace(body)
	switch {
	case len(t) == 0:
		return fmt.Sprintf("the service answered HTTP %d with an empty body", status)
	case looksHTML(header, t):
		return fmt.Sprintf("the service's CDN answered HTTP %d with an HTML page", status)
	}
	return fmt.Sprintf("the service sent a malformed answer (HTTP %d)", status)
}

func looksHTML(header http.Header, body []byte) bool {
	if strings.Contains(strings.ToLower(header.Get("Content-Type")), "html") {
		return true
	}
	return len(body) > 0 && body[0] == '<'
}

// springPath names the path a Spring 404 reports, falling back to ours.
func springPath(body []byte, ours string) string {
	var w struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(body, &w) == nil && w.Path != "" {
		return Sanitize(w.Path)
	}
	return ours
}

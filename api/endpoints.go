package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	pathGenerate   = "/api/v1/veo/generate"
	pathExtend     = "/api/v1/veo/extend"
	pathRecordInfo = "/api/v1/veo/record-info"
	path1080p      = "/api/v1/veo/get-1080p-video"
	path4K         = "/api/v1/veo/get-4k-video"
	pathCredit     = "/api/v1/chat/credit"
)

// Generate starts a video and returns its task id. On an error with
// MaybeCreated set the task may exist and be billed: do not resend.
func (c *Client) Generate(ctx context.Context, r GenerateRequest) (string, error) {
	if strings.TrimSpace(r.Prompt) == "" {
		return "", invalidInput("generate", "the prompt is empty")
	}
	return c.create(ctx, "generate", pathGenerate, r)
}

// Extend continues a finished video as a new task and returns its id. Same
// no-resend rule as Generate.
func (c *Client) Extend(ctx context.Context, r ExtendRequest) (string, error) {
	if err := checkTaskIDInput("extend", r.TaskID); err != nil {
		return "", err
	}
	if strings.TrimSpace(r.Prompt) == "" {
		return "", invalidInput("extend", "the prompt is empty")
	}
	return c.create(ctx, "extend", pathExtend, r)
}

func (c *Client) create(ctx context.Context, op, path string, body any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", &Error{Op: op, Kind: KindValidation, Err: err, Message: "could not encode the request"}
	}
	cl := &apiCall{op: op, method: http.MethodPost, path: path, body: b, create: true}
	var id string
	err = c.do(ctx, cl, func(env *envelope) *Error {
		if env.code != 200 {
			return createError(op, env)
		}
		var d struct {
			TaskID json.RawMessage `json:"taskId"`
		}
		_ = json.Unmarshal(unwrapJSONString(env.data), &d)
		id = strings.TrimSpace(flexString(d.TaskID))
		if checkTaskIDInput(op, id) != nil {
			e := &Error{Op: op, Kind: KindServer, Code: 200, HTTPStatus: env.status,
				Message: "the service accepted the request but sent no usable task id"}
			markMaybeCreated(e)
			return e
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordInfo fetches a task's record. A 422 "record is null" comes back as
// KindNotFound with Code 422 (see codeError).
func (c *Client) RecordInfo(ctx context.Context, taskID string) (*Record, error) {
	const op = "record-info"
	if err := checkTaskIDInput(op, taskID); err != nil {
		return nil, err
	}
	cl := &apiCall{op: op, method: http.MethodGet, path: pathRecordInfo,
		query: url.Values{"taskId": {taskID}}}
	var rec *Record
	err := c.do(ctx, cl, func(env *envelope) *Error {
		if env.code != 200 {
			return codeError(op, env)
		}
		if isNull(env.data) {
			return noRecord(op, env)
		}
		r, err := DecodeRecord(env.data)
		if err != nil {
			return malformedAnswer(op, env, err)
		}
		rec = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// Get1080p asks for the 1080p version of video index of a task. "Still
// being made" is a state (UpgradeProcessing), not an error.
func (c *Client) Get1080p(ctx context.Context, taskID string, index int) (*Upgrade, error) {
	const op = "get-1080p"
	if err := checkTaskIDInput(op, taskID); err != nil {
		return nil, err
	}
	if index < 0 {
		return nil, invalidInput(op, "the video index is negative")
	}
	cl := &apiCall{op: op, method: http.MethodGet, path: path1080p,
		query: url.Values{"taskId": {taskID}, "index": {strconv.Itoa(index)}}}
	var up *Upgrade
	err := c.do(ctx, cl, func(env *envelope) *Error {
		switch {
		case env.code == 400 && mentions(env.msg, "processing"):
			up = &Upgrade{State: UpgradeProcessing, Message: env.msg}
		case env.code != 200:
			return codeError(op, env)
		default:
			u, err := decodeUpgrade(env)
			if err != nil {
				return malformedAnswer(op, env, err)
			}
			up = u
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

// Get4K asks for the 4K version. The first call starts a paid job, so it
// follows the no-resend rules of creates; later calls report its state.
func (c *Client) Get4K(ctx context.Context, r FourKRequest) (*Upgrade, error) {
	const op = "get-4k"
	if err := checkTaskIDInput(op, r.TaskID); err != nil {
		return nil, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindValidation, Err: err, Message: "could not encode the request"}
	}
	cl := &apiCall{op: op, method: http.MethodPost, path: path4K, body: b, create: true}
	var up *Upgrade
	err = c.do(ctx, cl, func(env *envelope) *Error {
		if env.code != 200 && !(env.code == 422 && is4KState(env.msg)) {
			return createError(op, env)
		}
		u, err := decodeUpgrade(env)
		if err != nil {
			e := malformedAnswer(op, env, err)
			markMaybeCreated(e)
			return e
		}
		up = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

// createError is codeError for a request that costs money. Only the codes
// veo-api.md documents as refusals say that nothing was created: its 4xx
// table (content policy, key, credits, unknown source, validation, image
// fetch), 429 and 455 (dropped, not queued) and 433 (the sub-key's own
// limit). Everything else, envelope 5xx, 408 (a timeout upstream) and
// codes it does not know (0, 201, 999), may have created a billed task.
func createError(op string, env *envelope) *Error {
	e := codeError(op, env)
	switch env.code {
	case 400, 401, 402, 404, 422, 429, 433, 451, 455:
	default:
		markMaybeCreated(e)
	}
	return e
}

func is4KState(msg string) bool {
	return mentions(msg, "processing") || mentions(msg, "generated successfully")
}

// decodeUpgrade reads {"resultUrl"} (1080p) or {"taskId","resultUrls",
// "imageUrls"} (4K), tolerating either spelling and the list quirks. No URL
// yet means still processing.
func decodeUpgrade(env *envelope) (*Upgrade, error) {
	up := &Upgrade{Message: env.msg}
	data := unwrapJSONString(env.data)
	if len(data) > 0 && data[0] == '"' { // a bare URL as data
		urls, err := ParseURLList(data)
		up.ResultURLs = urls
		return readyIfURLs(up), err
	}
	var w struct {
		TaskID     json.RawMessage `json:"taskId"`
		ResultURL  json.RawMessage `json:"resultUrl"`
		ResultURLs json.RawMessage `json:"resultUrls"`
		ImageURLs  json.RawMessage `json:"imageUrls"`
	}
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
	}
	var err error
	if up.ResultURLs, err = firstURLList(w.ResultURLs, w.ResultURL); err != nil {
		return nil, err
	}
	if up.ImageURLs, err = ParseURLList(w.ImageURLs); err != nil {
		return nil, err
	}
	up.TaskID = strings.TrimSpace(flexString(w.TaskID))
	if up.TaskID != "" && !validTaskID(up.TaskID) {
		return nil, fmt.Errorf("taskId %q holds spaces or control characters", Sanitize(up.TaskID))
	}
	return readyIfURLs(up), nil
}

func readyIfURLs(up *Upgrade) *Upgrade {
	if len(up.ResultURLs) > 0 {
		up.State = UpgradeReady
	}
	return up
}

// Credit returns the balance in credits.
func (c *Client) Credit(ctx context.Context) (float64, error) {
	const op = "credit"
	cl := &apiCall{op: op, method: http.MethodGet, path: pathCredit}
	var credits float64
	err := c.do(ctx, cl, func(env *envelope) *Error {
		if env.code != 200 {
			return codeError(op, env)
		}
		f, ok := flexFloat(env.data)
		if !ok {
			return malformedAnswer(op, env, nil)
		}
		credits = f
		return nil
	})
	if err != nil {
		return 0, err
	}
	return credits, nil
}

// codeError turns a non-success envelope into an *Error. A 500 that is
// really a validation message ("This field is required") is not worth a
// retry, so it gets KindValidation. A 422 about a missing record is
// KindNotFound (Code stays 422): a brand-new task can briefly answer so, and
// callers allow a grace period before calling it lost.
func codeError(op string, env *envelope) *Error {
	kind := KindForCode(env.code)
	switch {
	case env.code == 500 && disguisedValidation(env.msg):
		kind = KindValidation
	case env.code == 422 && recordMissing(env.msg):
		kind = KindNotFound
	}
	e := &Error{Op: op, Kind: kind, Code: env.code, HTTPStatus: env.status,
		Message: orString(env.msg, "no message from the service"), Hint: HintFor(kind)}
	if kind == KindRateLimited || kind == KindMaintenance || kind == KindServer {
		e.RetryAfter = env.retryAfter
	}
	return e
}

// noRecord is a success envelope without data from record-info: the
// live gateway answers an unknown task so (code 200, data null), which is
// "record is null" in another shape, not a broken answer. Code stays 0:
// the 200 says nothing the user can act on.
func noRecord(op string, env *envelope) *Error {
	return &Error{Op: op, Kind: KindNotFound, HTTPStatus: env.status,
		Message: "the service has no record of this task (it answered with no data)", Hint: HintFor(KindNotFound)}
}

func isNull(raw []byte) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
}

// recordMissing: "record is null", the live gateway's "recordInfo is null",
// "record result data is blank".
func recordMissing(msg string) bool {
	return mentions(msg, "record") && (mentions(msg, "is null") || mentions(msg, "is blank"))
}

func disguisedValidation(msg string) bool {
	return mentions(msg, "is required") || mentions(msg, "must not be") || mentions(msg, "cannot be empty")
}

// malformedAnswer reports a success envelope whose data veox cannot read
// (or refuses: an id or URL with control characters). The envelope arrived
// whole, so asking again would bring the same.
func malformedAnswer(op string, env *envelope, err error) *Error {
	return &Error{Op: op, Kind: KindServer, Code: env.code, HTTPStatus: env.status, Err: err,
		Message: "the service sent a malformed answer", Hint: HintFor(KindServer), settled: true}
}

func mentions(msg, word string) bool {
	return strings.Contains(strings.ToLower(msg), word)
}

// checkTaskIDInput applies veo-api.md's only rule for ids: non-empty, printable,
// no spaces. The form is otherwise the service's business.
func checkTaskIDInput(op, id string) *Error {
	if id == "" {
		return invalidInput(op, "the task id is empty")
	}
	if !validTaskID(id) {
		return invalidInput(op, "the task id contains spaces or control characters")
	}
	return nil
}

// validTaskID: printable UTF-8 without spaces. An id goes to the terminal,
// file names and URLs, so one carrying an escape sequence is refused where
// it enters, not cleaned where it is shown.
func validTaskID(id string) bool {
	if !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func invalidInput(op, msg string) *Error {
	return &Error{Op: op, Kind: KindValidation, Message: msg, Hint: HintFor(KindValidation)}
}

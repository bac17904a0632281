package api

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what a caller branches on. It is derived from the envelope code
// (or, for real HTTP failures, from the status and the transport error).
type Kind int

const (
	KindUnknown     Kind = iota
	KindAuth             // 401: key missing or wrong; never retry
	KindCredits          // 402: not enough credits
	KindPolicy           // 400: content policy, English only, image fetch
	KindValidation       // 422 (and 500 disguised validation, see veo-api.md)
	KindNotFound         // 404, and 422 "record is null"
	KindRateLimited      // 429 in the envelope or as HTTP 429
	KindMaintenance      // 455
	KindServer           // 500, 5xx HTML pages, malformed answers
	KindFailed           // 501 generation failed, 408 no result upstream
	KindDisabled         // 505
	KindTransport        // connection refused/reset, timeouts, cut bodies
	KindImage            // 451: could not fetch an input image
	KindQuota            // 433: the sub-key's own hourly, daily or total limit
	KindNoEndpoint       // a genuine HTTP 404: wrong base URL, or the API changed
	KindRedirect         // a 3xx veox did not follow (any on a create, other origins on reads)
)

var kindNames = map[Kind]string{
	KindUnknown: "unknown", KindAuth: "auth", KindCredits: "credits", KindPolicy: "policy",
	KindValidation: "validation", KindNotFound: "not_found", KindRateLimited: "rate_limited",
	KindMaintenance: "maintenance", KindServer: "server", KindFailed: "failed",
	KindDisabled: "disabled", KindTransport: "transport", KindImage: "image",
	KindQuota: "quota", KindNoEndpoint: "no_endpoint", KindRedirect: "redirect",
}

func (k Kind) String() string { return kindNames[k] }

// Error is the one error type of the client. Message is the service's own
// text with control characters and escape sequences removed; Hint is a short
// sentence telling the user what to do (veo-api.md's table).
type Error struct {
	Kind       Kind
	Code       int           // envelope code, or the HTTP status when there was no envelope
	HTTPStatus int           // 0 when no HTTP answer arrived
	Message    string        // sanitised
	Hint       string        // what to do
	RetryAfter time.Duration // from Retry-After, capped; 0 if none
	// MaybeCreated is set on a create whose request may have reached the
	// server and whose outcome is not known: the task may exist and be billed.
	MaybeCreated bool
	Op           string // "extend", "record-info", …
	Err          error  // underlying transport error, if any
	// settled: the same request would get the same answer (a whole
	// envelope whose data veox refuses), so it is not retried.
	settled bool
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s: %s (code %d)", e.Op, msg, e.Code)
	}
	return fmt.Sprintf("%s: %s", e.Op, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err, KindUnknown if it is not an *Error.
func KindOf(err error) Kind {
	if e, ok := AsError(err); ok {
		return e.Kind
	}
	return KindUnknown
}

// MaybeCreated reports whether err comes from a create that may have reached
// the service: the caller must record "unknown" and must not resend.
func MaybeCreated(err error) bool {
	e, ok := AsError(err)
	return ok && e.MaybeCreated
}

// KindForCode maps an envelope code to a kind.
func KindForCode(code int) Kind {
	switch code {
	case 400:
		return KindPolicy
	case 401, 403:
		return KindAuth
	case 402:
		return KindCredits
	case 404:
		return KindNotFound
	case 408, 501:
		return KindFailed
	case 422:
		return KindValidation
	case 429:
		return KindRateLimited
	case 433:
		return KindQuota
	case 451:
		return KindImage
	case 455:
		return KindMaintenance
	case 505:
		return KindDisabled
	}
	if code >= 500 {
		return KindServer
	}
	return KindUnknown
}

// HintFor is the short advice shown beside the service's message.
func HintFor(k Kind) string {
	switch k {
	case KindAuth:
		return "check your API key (VEOX_API_KEY or the config file); nothing was sent again"
	case KindCredits:
		return "top up your credits, then try again; check the balance with 'veox credits'"
	case KindPolicy:
		return "rephrase the prompt (English, within the content policy) or check the image URLs"
	case KindValidation:
		return "fix the field the message names and try again"
	case KindNotFound:
		return "check the task id; records and media are kept 14 days"
	case KindRateLimited:
		return "too many creates at once; veox waits and retries on its own"
	case KindMaintenance:
		return "the service is under maintenance; try again later"
	case KindServer:
		return "the service had an error; try again in a moment"
	case KindFailed:
		return "the generation failed and was not charged; retry with another seed or prompt"
	case KindDisabled:
		return "this feature is disabled by the service"
	case KindTransport:
		return "the service could not be reached; check the network and try again"
	case KindImage:
		return "the service could not fetch an input image; check that the URL is public"
	case KindQuota:
		return "this key's own limit (hourly, daily or total) is reached; nothing was created: raise it in the service's dashboard or wait"
	case KindNoEndpoint:
		return hintWrongBase
	case KindRedirect:
		return "veox sends your key only to the base URL's own scheme, host and port: if the new address is the service, set it as the base URL"
	}
	return ""
}

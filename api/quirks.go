package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The service answers the same field in several shapes (veo-api.md, "Task
// details"); everything here turns those shapes into one Go value so the rest
// of veox never sees a quirk.

var errNotJSONList = errors.New("not a URL list")

// ParseURLList accepts a JSON array of strings, a JSON string holding such an
// array, a bracketed unquoted string "[https://a,https://b]" and a single
// bare URL. null, "", "[]" and [] give nil. Results are trimmed, never empty.
// A URL holding control characters or invalid UTF-8 is an error: no real
// URL does, and one that did could drive the terminal it is shown on.
func ParseURLList(raw json.RawMessage) ([]string, error) {
	urls, err := parseURLList(raw)
	if err != nil {
		return nil, err
	}
	for _, u := range urls {
		if !utf8.ValidString(u) || strings.ContainsFunc(u, unicode.IsControl) {
			return nil, fmt.Errorf("%w: a URL holds control characters", errNotJSONList)
		}
	}
	return urls, nil
}

func parseURLList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		return urlsFromJSONArray(raw)
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return urlsFromText(s)
	}
	return nil, fmt.Errorf("%w: %.40s", errNotJSONList, raw)
}

func urlsFromJSONArray(raw []byte) ([]string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if string(it) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(it, &s); err != nil {
			return nil, fmt.Errorf("%w: element %.40s", errNotJSONList, it)
		}
		if s = cleanURL(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// urlsFromText handles the string forms. It does not recurse: a string
// holding a string holding a list is not a shape the service sends.
func urlsFromText(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return nil, nil
	}
	if s[0] != '[' {
		return splitURLs(s), nil
	}
	if json.Valid([]byte(s)) {
		return urlsFromJSONArray([]byte(s))
	}
	if s[len(s)-1] != ']' {
		return nil, fmt.Errorf("%w: unterminated bracket", errNotJSONList)
	}
	return splitURLs(s[1 : len(s)-1]), nil
}

// splitURLs splits an unquoted list at commas. A non-blank piece without
// "://" is glued back to the URL before it: query strings may hold commas.
func splitURLs(s string) []string {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		n := len(parts)
		if n > 0 && strings.Contains(parts[n-1], "://") && !strings.Contains(p, "://") && strings.TrimSpace(p) != "" {
			parts[n-1] += "," + p
			continue
		}
		parts = append(parts, p)
	}
	var out []string
	for _, p := range parts {
		if p = cleanURL(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cleanURL trims blanks and the quotes a Python-style repr would leave; the
// URL itself is kept verbatim (its signature may depend on every byte).
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	for len(s) >= 1 && (s[0] == '"' || s[0] == '\'') {
		s = s[1:]
	}
	for len(s) >= 1 && (s[len(s)-1] == '"' || s[len(s)-1] == '\'') {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// maxEpochMs is 9999-12-31T23:59:59.999Z: beyond it a value is noise, and
// time.Time arithmetic on it would overflow.
const maxEpochMs = 253402300799999

// epochSecondsBelow: a number under it is read as seconds, not milliseconds
// (1e11 ms is 1973, no task of this service is that old).
const epochSecondsBelow = 1e11

var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// ParseTimestamp reads epoch milliseconds (number or numeric string; small
// values are taken as seconds), "2006-01-02 15:04:05" (UTC) and ISO 8601
// with or without zone and fraction. null, "", 0 give the zero time. The
// result is in UTC.
func ParseTimestamp(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		return parseTimeText(s)
	}
	if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		return parseEpoch(string(raw))
	}
	return time.Time{}, fmt.Errorf("timestamp: unexpected %.20s", raw)
}

func parseTimeText(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if looksNumeric(s) {
		return parseEpoch(s)
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp: unknown form %.40q", s)
}

func looksNumeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func parseEpoch(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("timestamp: bad number %.40q", s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil { // exact where floats round
		switch {
		case n == 0:
			return time.Time{}, nil
		case n > 0 && n < epochSecondsBelow:
			n *= 1000
		}
		return epochMs(n)
	}
	if f == 0 {
		return time.Time{}, nil
	}
	if f > 0 && f < epochSecondsBelow {
		f *= 1000
	}
	if f < 0 || f > maxEpochMs {
		return time.Time{}, fmt.Errorf("timestamp: %s out of range", s)
	}
	sec := math.Floor(f / 1000)
	nsec := (f - sec*1000) * 1e6
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

func epochMs(ms int64) (time.Time, error) {
	if ms < 0 || ms > maxEpochMs {
		return time.Time{}, fmt.Errorf("timestamp: %d out of range", ms)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// flexInt reads a number, an integral float or a numeric string. ok is false
// for null, absence and anything else.
func flexInt(raw json.RawMessage) (int, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// flexFloat reads a number or a numeric string.
func flexFloat(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// flexBool reads true/false, 0/1 and their string forms.
func flexBool(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return false
		}
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}

// flexString reads a string; a number or other value gives its JSON text,
// null gives "".
func flexString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// unwrapJSONString returns the JSON a string holds when the service sent an
// object or array encoded as a string; other values come back unchanged.
func unwrapJSONString(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return raw
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw
	}
	inner := bytes.TrimSpace([]byte(s))
	if len(inner) > 0 && (inner[0] == '{' || inner[0] == '[') && json.Valid(inner) {
		return inner
	}
	return raw
}

// flexList splits a per-video list (hasAudioList, seeds): an array, a string
// holding one, or a lone scalar.
func flexList(raw json.RawMessage) []json.RawMessage {
	raw = unwrapJSONString(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '[' {
		return []json.RawMessage{raw}
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	return items
}

func flexBools(raw json.RawMessage) []bool {
	var out []bool
	for _, it := range flexList(raw) {
		out = append(out, flexBool(it))
	}
	return out
}

func flexInts(raw json.RawMessage) []int {
	var out []int
	for _, it := range flexList(raw) {
		if n, ok := flexInt(it); ok {
			out = append(out, n)
		}
	}
	return out
}

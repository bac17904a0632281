package sim

import (
	"strconv"
	"strings"
	"time"
)

func (s *Sim) recordInfo(c *call) {
	id := c.r.URL.Query().Get("taskId")
	if strings.TrimSpace(id) == "" {
		c.reply(422, "taskId is required", nil)
		return
	}
	s.mu.Lock()
	data, ok := s.recordLocked(id)
	s.mu.Unlock()
	if !ok {
		c.reply(422, "record is null", nil)
		return
	}
	c.reply(200, "success", data)
}

// recordLocked renders a record as of now, or false for "record is null":
// unknown, older than 14 days, or still inside NullGrace.
func (s *Sim) recordLocked(id string) (object, bool) {
	now := s.now()
	t, ok := s.tasks[id]
	if !ok || t.expired(now) || !s.visible(t, now) {
		return nil, false
	}
	s.records++
	if s.sparse > 0 && s.records%s.sparse == 0 {
		return s.renderSparse(t, now), true
	}
	return s.renderRecord(t, now, s.quirksFor(t)), true
}

// renderSparse is the older, sparser shape (rec-notes-string-urls): the
// result links as a string straight under data and nothing else a client
// may have come to rely on. For an extension those links are the new part
// alone, never the stitched video.
func (s *Sim) renderSparse(t *task, now time.Time) object {
	flag := t.flag(now)
	o := object{{"taskId", t.ID}, {"successFlag", flag}}
	if flag == 1 {
		o = append(o, field{"resultUrls", urlList(s.resultLinks(t, now), Quirks{URLsAsString: true})})
	}
	if flag > 1 {
		o = append(o, s.errorFields(t, flag, Quirks{})...)
	}
	return o
}

// renderRecord builds data in the service's field order. Links are signed
// afresh on every answer, as the real service hands out new signed URLs.
func (s *Sim) renderRecord(t *task, now time.Time, q Quirks) object {
	flag := t.flag(now)
	o := object{{"taskId", t.ID}, {"paramJson", t.ParamJSON}}
	var resp any // JSON null while running and on failure
	if flag == 1 {
		resp = s.responseObject(t, now, q)
	}
	if q.LegacyURLs {
		if flag == 1 {
			o = append(o, field{"resultUrls", urlList(s.resultLinks(t, now), q)})
		}
	} else {
		o = append(o, field{"response", resp})
	}
	o = append(o, field{"successFlag", flag})
	o = append(o, s.errorFields(t, flag, q)...)
	o = append(o, field{"createTime", timeValue(t.Created, q)})
	var done any
	if flag != 0 {
		done = timeValue(t.end(), q)
	}
	return append(o, field{"completeTime", done}, field{"fallbackFlag", false})
}

func (s *Sim) responseObject(t *task, now time.Time, q Quirks) object {
	var origin any // null unless the render is not 16:9
	if t.AspectRatio == "9:16" {
		origin = urlList([]string{s.link(t, "origin", now)}, q)
	}
	full := []string{}
	if t.Kind == kindExtend && !q.NoFullResult {
		full = []string{s.link(t, "full", now)}
	}
	return object{
		{"taskId", t.ID},
		{"resultUrls", urlList(s.resultLinks(t, now), q)},
		{"originUrls", origin},
		{"fullResultUrls", urlList(full, q)},
		{"resolution", t.Resolution},
		{"hasAudioList", []bool{true}},
		{"seeds", []int{t.Seed}},
	}
}

func (s *Sim) resultLinks(t *task, now time.Time) []string {
	return []string{s.link(t, "video", now)}
}

func (s *Sim) errorFields(t *task, flag int, q Quirks) []field {
	if flag == 0 || flag == 1 {
		return []field{{"errorCode", nil}, {"errorMessage", nil}}
	}
	var code any = t.ErrorCode
	if q.ErrorCodeString {
		code = strconv.Itoa(t.ErrorCode)
	}
	return []field{{"errorCode", code}, {"errorMessage", t.ErrorMessage}}
}

// urlList renders a URL list in one of the three shapes the service uses.
func urlList(urls []string, q Quirks) any {
	switch {
	case q.URLsBracketed:
		return "[" + strings.Join(urls, ",") + "]"
	case q.URLsAsString:
		b, _ := marshal(urls)
		return string(b)
	}
	return urls
}

// timeValue renders a time in one of the three shapes the service uses:
// epoch milliseconds (usual), "2006-01-02 15:04:05" or RFC 3339.
func timeValue(t time.Time, q Quirks) any {
	switch {
	case q.TimeAsString:
		return t.UTC().Format(time.DateTime)
	case q.TimeISO:
		return t.UTC().Format(time.RFC3339)
	}
	return t.UnixMilli()
}

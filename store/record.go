package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// record is how a Task is stored (schema v2): the same fields as JSON, but
// times as Unix milliseconds, every time but createdAt as milliseconds
// after createdAt, and the local id left to the key. As RFC 3339 text the
// ten or so timestamps of a task were a third of its bytes; this way a
// task is about a quarter smaller, four fit a page instead of three, and
// they decode faster. Milliseconds are finer than anything veox shows or
// compares. v1 records (Task's own JSON, times as text) are still read:
// see decodeTask.
type record struct {
	LocalID  string   `json:"localId,omitempty"` // only where the key cannot say it (salvage)
	TaskID   string   `json:"taskId,omitempty"`
	Kind     string   `json:"kind"`
	ParentID string   `json:"parentTaskId,omitempty"`
	Request  Request  `json:"request"`
	Status   string   `json:"status"`
	Events   []rEvent `json:"events"`

	ResultURLs     []string `json:"resultUrls,omitempty"`
	FullResultURLs []string `json:"fullResultUrls,omitempty"`
	OriginURLs     []string `json:"originUrls,omitempty"`
	URLsAt         *int64   `json:"urlsAt,omitempty"`
	Resolution     string   `json:"resolution,omitempty"`
	Seeds          []int    `json:"seeds,omitempty"`
	HasAudio       []bool   `json:"hasAudio,omitempty"`
	Upscaled1080   bool     `json:"upscaled1080,omitempty"`

	CreditsBefore float64  `json:"creditsBefore,omitzero"`
	CreditsAfter  float64  `json:"creditsAfter,omitzero"`
	Charge        *rCharge `json:"charge,omitempty"`

	Files []rFile    `json:"files,omitempty"`
	Error *TaskError `json:"error,omitempty"`

	CreatedAt   int64  `json:"createdAt"` // Unix ms; the others are ms after it
	SubmittedAt *int64 `json:"submittedAt,omitempty"`
	CompletedAt *int64 `json:"completedAt,omitempty"`
	UpdatedAt   int64  `json:"updatedAt"`
	PolledAt    *int64 `json:"polledAt,omitempty"`
}

type rEvent struct {
	At     int64  `json:"at"` // ms after createdAt
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

type rFile struct {
	Path         string        `json:"path"`
	URL          string        `json:"url,omitempty"`
	SameAs       string        `json:"urlOf,omitempty"` // "r2", "f0": the URL is ResultURLs[2], FullResultURLs[0]
	Size         int64         `json:"size"`
	SHA256       string        `json:"sha256"`
	Duration     time.Duration `json:"duration,omitzero"`
	DownloadedAt int64         `json:"downloadedAt"` // ms after createdAt
	Part         bool          `json:"part,omitempty"`
}

// errRowOnly: a task read as a list row holds only what the row shows;
// writing it would lose the rest.
var errRowOnly = errors.New("store: a task read as a list row cannot be written back: read the whole task")

// ms is a time as stored: Unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the stored time back, in UTC; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// after is t as milliseconds after base (itself Unix ms). A zero t comes
// back as the zero time from since, whatever base is.
func after(t time.Time, base int64) int64 { return ms(t) - base }

func since(d, base int64) time.Time { return fromMS(base + d) }

// afterOpt is after for times that are often unset: nil (left out of the
// JSON) when t is zero.
func afterOpt(t time.Time, base int64) *int64 {
	if t.IsZero() {
		return nil
	}
	d := ms(t) - base
	return &d
}

func sinceOpt(d *int64, base int64) time.Time {
	if d == nil {
		return time.Time{}
	}
	return fromMS(base + *d)
}

// truncTimes brings t's times to what storing keeps, so the task a write
// returns is the task a read gives back.
func truncTimes(t *Task) {
	for _, p := range []*time.Time{&t.URLsAt, &t.CreatedAt, &t.SubmittedAt, &t.CompletedAt, &t.UpdatedAt, &t.PolledAt} {
		*p = fromMS(ms(*p))
	}
	for i := range t.Events {
		t.Events[i].At = fromMS(ms(t.Events[i].At))
	}
	if c := t.Charge; c != nil {
		c.From, c.To, c.EndFrom, c.EndTo = fromMS(ms(c.From)), fromMS(ms(c.To)), fromMS(ms(c.EndFrom)), fromMS(ms(c.EndTo))
	}
	for i := range t.Files {
		t.Files[i].DownloadedAt = fromMS(ms(t.Files[i].DownloadedAt))
	}
}

// encodeTask is the stored form of t.
func encodeTask(t *Task) ([]byte, error) {
	if t.Row != nil {
		return nil, errRowOnly
	}
	c := ms(t.CreatedAt)
	r := record{TaskID: t.TaskID, Kind: t.Kind, ParentID: t.ParentID, Request: t.Request, Status: t.Status,
		ResultURLs: t.ResultURLs, FullResultURLs: t.FullResultURLs, OriginURLs: t.OriginURLs, URLsAt: afterOpt(t.URLsAt, c),
		Resolution: t.Resolution, Seeds: t.Seeds, HasAudio: t.HasAudio, Upscaled1080: t.Upscaled1080,
		CreditsBefore: t.CreditsBefore, CreditsAfter: t.CreditsAfter, Charge: chargeRecord(t.Charge, c), Error: t.Error,
		CreatedAt: c, SubmittedAt: afterOpt(t.SubmittedAt, c), CompletedAt: afterOpt(t.CompletedAt, c),
		UpdatedAt: after(t.UpdatedAt, c), PolledAt: afterOpt(t.PolledAt, c)}
	r.Events = make([]rEvent, len(t.Events))
	for i, e := range t.Events {
		r.Events[i] = rEvent{At: after(e.At, c), Status: e.Status, Note: e.Note}
	}
	if len(t.Files) > 0 {
		r.Files = make([]rFile, len(t.Files))
		for i, f := range t.Files {
			r.Files[i] = rFile{Path: f.Path, URL: f.URL, Size: f.Size, SHA256: f.SHA256, Duration: f.Duration, DownloadedAt: after(f.DownloadedAt, c), Part: f.Part}
			if ref := urlRef(t, f.URL); ref != "" {
				r.Files[i].URL, r.Files[i].SameAs = "", ref
			}
		}
	}
	return json.Marshal(&r)
}

// fillFromRecord sets *t to the Task a record holds.
func fillFromRecord(r *record, t *Task) {
	c := r.CreatedAt
	*t = Task{LocalID: r.LocalID, TaskID: r.TaskID, Kind: r.Kind, ParentID: r.ParentID, Request: r.Request, Status: r.Status,
		ResultURLs: r.ResultURLs, FullResultURLs: r.FullResultURLs, OriginURLs: r.OriginURLs, URLsAt: sinceOpt(r.URLsAt, c),
		Resolution: r.Resolution, Seeds: r.Seeds, HasAudio: r.HasAudio, Upscaled1080: r.Upscaled1080,
		CreditsBefore: r.CreditsBefore, CreditsAfter: r.CreditsAfter, Charge: chargeOf(r.Charge, c), Error: r.Error,
		CreatedAt: fromMS(c), SubmittedAt: sinceOpt(r.SubmittedAt, c), CompletedAt: sinceOpt(r.CompletedAt, c),
		UpdatedAt: since(r.UpdatedAt, c), PolledAt: sinceOpt(r.PolledAt, c)}
	t.Events = make([]Event, len(r.Events))
	for i, e := range r.Events {
		t.Events[i] = Event{At: since(e.At, c), Status: e.Status, Note: e.Note}
	}
	if len(r.Files) > 0 {
		t.Files = make([]File, len(r.Files))
		for i, f := range r.Files {
			t.Files[i] = File{Path: f.Path, URL: f.URL, Size: f.Size, SHA256: f.SHA256, Duration: f.Duration, DownloadedAt: since(f.DownloadedAt, c), Part: f.Part}
			if f.SameAs != "" {
				t.Files[i].URL = urlOf(t, f.SameAs)
			}
		}
	}
}

// A downloaded file's URL is, nearly always, one of the task's result URLs
// (about 70 bytes). It is stored as a reference to it, resolved against
// the same record it is written in, so a later change of the result URLs
// rewrites the reference with the record and it never points elsewhere.
func urlRef(t *Task, url string) string {
	for i, u := range t.FullResultURLs {
		if u == url {
			return "f" + strconv.Itoa(i)
		}
	}
	for i, u := range t.ResultURLs {
		if u == url {
			return "r" + strconv.Itoa(i)
		}
	}
	return ""
}

func urlOf(t *Task, ref string) string {
	list := t.ResultURLs
	if strings.HasPrefix(ref, "f") {
		list = t.FullResultURLs
	}
	i, err := strconv.Atoi(ref[1:])
	if err != nil || i < 0 || i >= len(list) {
		return ""
	}
	return list[i]
}

// decodeTask reads a stored task: a v2 record, or (from a file being
// upgraded, or a page salvaged from an old one) a v1 Task as JSON. The key
// is authoritative for the local id.
func decodeTask(localID string, data []byte) (*Task, error) {
	t := new(Task)
	if err := decodeTaskInto(localID, data, t); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeTaskInto is decodeTask into *t, for a reader filling a slice of
// tasks (a page of the list) without a task allocated and copied each.
func decodeTaskInto(localID string, data []byte, t *Task) error {
	var r record // on the stack: encoding/json gets a record of its own
	var err error
	if !fastRecord(data, &r) {
		slow := new(record)
		err = json.Unmarshal(data, slow)
		r = *slow
	}
	fillFromRecord(&r, t)
	if err != nil {
		*t = Task{}
		if json.Unmarshal(data, t) != nil {
			return fmt.Errorf("%w: task %s: %v", ErrCorrupt, localID, err)
		}
	}
	if t.LocalID == "" {
		t.LocalID = localID
	}
	if t.LocalID != localID {
		return fmt.Errorf("%w: task stored under %s says it is %s", ErrCorrupt, localID, t.LocalID)
	}
	return nil
}

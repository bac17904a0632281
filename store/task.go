package store

import "time"

// Task kinds.
const (
	KindGenerate = "generate"
	KindExtend   = "extend"
	KindUpscale  = "upscale"
	KindImport   = "import"
)

// Task statuses. "submitting" is the intent written before a create is sent;
// "unknown" is a create whose answer never came: it may exist and be billed,
// and it is never resent on its own. "refused" is a create the service
// clearly turned down (content policy, credits, not extendable): nothing
// was created upstream and nothing was charged, so it is not a failure.
const (
	StatusSubmitting = "submitting"
	StatusRunning    = "running"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
	StatusUnknown    = "unknown"
	StatusRefused    = "refused"
)

// Finished reports whether a status no longer changes by polling: the task
// ended upstream, one way or the other, or never existed there (refused).
func Finished(status string) bool {
	return status == StatusSucceeded || status == StatusFailed || status == StatusRefused
}

// Request is what the user asked for. It never holds the API key.
type Request struct {
	Prompt         string   `json:"prompt"`
	Model          string   `json:"model,omitempty"`
	Seed           int      `json:"seed,omitempty"` // 0 = random
	Watermark      string   `json:"watermark,omitempty"`
	CallbackURL    string   `json:"callbackUrl,omitempty"`
	GenerationType string   `json:"generationType,omitempty"`
	ImageURLs      []string `json:"imageUrls,omitempty"`
	AspectRatio    string   `json:"aspectRatio,omitempty"`
	Resolution     string   `json:"resolution,omitempty"`
	Duration       int      `json:"duration,omitempty"`
	UpscaleTo      string   `json:"upscaleTo,omitempty"` // "1080p" | "4k" for upscale tasks
	Index          int      `json:"index,omitempty"`
}

// Event is one status change with its time.
type Event struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
}

// File is a downloaded result on disk.
type File struct {
	Path         string        `json:"path"` // absolute
	URL          string        `json:"url"`  // the URL it came from, verbatim
	Size         int64         `json:"size"`
	SHA256       string        `json:"sha256"`
	Duration     time.Duration `json:"duration,omitzero"` // from the MP4 mvhd box
	DownloadedAt time.Time     `json:"downloadedAt"`
	// Part: an extension's new part alone, saved because the stitched
	// whole video was not to be had yet; the whole is fetched beside it.
	Part bool `json:"part,omitempty"`
}

// TaskError is the service's error for a failed task or refused create.
type TaskError struct {
	Code    int    `json:"code"`
	Kind    string `json:"kind,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Task is one entry of the history. LocalID is ours and exists from the
// moment the intent is written; TaskID is the service's and exists once the
// create was accepted (or the user settled an unknown create).
type Task struct {
	LocalID  string  `json:"localId"`
	TaskID   string  `json:"taskId"`
	Kind     string  `json:"kind"`
	ParentID string  `json:"parentTaskId,omitempty"` // the service id of the source (extend, upscale)
	Request  Request `json:"request"`
	Status   string  `json:"status"`
	Events   []Event `json:"events"`

	ResultURLs     []string  `json:"resultUrls,omitempty"`
	FullResultURLs []string  `json:"fullResultUrls,omitempty"`
	OriginURLs     []string  `json:"originUrls,omitempty"`
	URLsAt         time.Time `json:"urlsAt,omitzero"` // when the URLs were last fetched
	Resolution     string    `json:"resolution,omitempty"`
	Seeds          []int     `json:"seeds,omitempty"`        // per video, as reported by the service
	HasAudio       []bool    `json:"hasAudio,omitempty"`     // per video: the service may drop the audio
	Upscaled1080   bool      `json:"upscaled1080,omitempty"` // a 1080p version was requested: no longer extendable

	// The credit balance just before the create was sent and, for a create
	// whose answer never came, just after: evidence for settling it.
	CreditsBefore float64 `json:"creditsBefore,omitzero"`
	CreditsAfter  float64 `json:"creditsAfter,omitzero"`
	// Charge is what the balance showed this task cost (charge.go); nil
	// until a create's answer came back.
	Charge *Charge `json:"charge,omitempty"`

	Files []File     `json:"files,omitempty"`
	Error *TaskError `json:"error,omitempty"`

	CreatedAt   time.Time `json:"createdAt"`            // when we wrote the intent (or imported)
	SubmittedAt time.Time `json:"submittedAt,omitzero"` // when the service accepted it
	CompletedAt time.Time `json:"completedAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt"`
	PolledAt    time.Time `json:"polledAt,omitzero"`

	// Row is set on a task List read as a list row only (Query.Rows): its
	// plain fields hold what a row shows (the ids, status, kind, times,
	// prompt, model, asked duration and upscale target) and nothing else.
	// nil on a whole task. A row is never written back (encodeTask).
	Row *RowFacts `json:"-"`
}

// BestURLs is what to download: the stitched video when present.
func (t *Task) BestURLs() []string {
	if len(t.FullResultURLs) > 0 {
		return t.FullResultURLs
	}
	return t.ResultURLs
}

// SetStatus records a status change with its time (no event if unchanged).
func (t *Task) SetStatus(status string, at time.Time, note string) {
	if t.Status == status && note == "" {
		return
	}
	t.Status = status
	t.Events = append(t.Events, Event{At: at, Status: status, Note: note})
	t.UpdatedAt = at
}

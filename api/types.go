package api

import (
	"encoding/json"
	"time"
)

// Models accepted by the extend endpoint (not the veo3… names of generate).
const (
	ExtendFast    = "fast"
	ExtendQuality = "quality"
	ExtendLite    = "lite"
)

// Models accepted by the generate endpoint.
const (
	ModelQuality = "veo3"
	ModelFast    = "veo3_fast"
	ModelLite    = "veo3_lite"
)

// Generation types.
const (
	TypeText      = "TEXT_2_VIDEO"
	TypeFrames    = "FIRST_AND_LAST_FRAMES_2_VIDEO"
	TypeReference = "REFERENCE_2_VIDEO"
)

// SeedMin and SeedMax bound the seeds the service accepts (inclusive).
const (
	SeedMin = 10000
	SeedMax = 99999
)

// GenerateRequest is the body of POST /api/v1/veo/generate. Zero values are
// omitted except EnableTranslation, which the service wants sent explicitly.
type GenerateRequest struct {
	Prompt            string   `json:"prompt"`
	Model             string   `json:"model,omitempty"`
	GenerationType    string   `json:"generationType,omitempty"`
	ImageURLs         []string `json:"imageUrls,omitempty"`
	AspectRatio       string   `json:"aspectRatio,omitempty"`
	Resolution        string   `json:"resolution,omitempty"`
	Duration          int      `json:"duration,omitempty"`
	Seeds             int      `json:"seeds,omitempty"`
	Watermark         string   `json:"watermark,omitempty"`
	EnableTranslation bool     `json:"enableTranslation"`
	CallBackURL       string   `json:"callBackUrl,omitempty"`
}

// ExtendRequest is the body of POST /api/v1/veo/extend.
type ExtendRequest struct {
	TaskID      string `json:"taskId"`
	Prompt      string `json:"prompt"`
	Seeds       int    `json:"seeds,omitempty"`
	Model       string `json:"model,omitempty"`
	Watermark   string `json:"watermark,omitempty"`
	CallBackURL string `json:"callBackUrl,omitempty"`
}

// FourKRequest is the body of POST /api/v1/veo/get-4k-video.
type FourKRequest struct {
	TaskID      string `json:"taskId"`
	Index       int    `json:"index"`
	CallBackURL string `json:"callBackUrl,omitempty"`
}

// State is a task's state as decoded from successFlag.
type State int

const (
	StateRunning   State = iota // successFlag 0
	StateSucceeded              // successFlag 1
	StateFailed                 // 2, 3 and any other value: terminal failure
)

func (s State) String() string {
	switch s {
	case StateRunning:
		return "running"
	case StateSucceeded:
		return "succeeded"
	default:
		return "failed"
	}
}

// Record is a decoded record-info answer, every quirk of veo-api.md already
// resolved: URL lists are plain slices, times are time.Time (zero if absent).
type Record struct {
	TaskID         string
	Params         map[string]any // paramJson decoded (nil if absent or not JSON)
	ParamsRaw      string         // paramJson verbatim
	ResultURLs     []string       // response.resultUrls, or data.resultUrls in older bodies
	FullResultURLs []string       // response.fullResultUrls (whole stitched video of an extension)
	OriginURLs     []string
	Resolution     string
	HasAudio       []bool
	Seeds          []int
	SuccessFlag    int
	State          State
	ErrorCode      int    // 0 if null
	ErrorMessage   string // sanitised
	CreateTime     time.Time
	CompleteTime   time.Time
	FallbackFlag   bool
	Raw            json.RawMessage // the data object verbatim, for debugging
}

// BestURLs is what to download: the whole stitched video when the service
// gives one, otherwise the plain results.
func (r *Record) BestURLs() []string {
	if len(r.FullResultURLs) > 0 {
		return r.FullResultURLs
	}
	return r.ResultURLs
}

// UpgradeState tells whether a 1080p or 4K version is ready.
type UpgradeState int

const (
	UpgradeProcessing UpgradeState = iota
	UpgradeReady
)

// Upgrade is the answer of get-1080p-video or get-4k-video.
type Upgrade struct {
	State      UpgradeState
	TaskID     string   // 4K only: the task the service made for it
	ResultURLs []string // 1080p: one URL; 4K: the URLs once ready
	ImageURLs  []string
	Message    string // the service's msg, sanitised
}

package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/veox/veox/assets"
	"github.com/veox/veox/tasks/rules"
)

// Task kinds.
const (
	kindGenerate = "generate"
	kindExtend   = "extend"
	kind4K       = "4k"
)

// retention is how long the service keeps records and media.
const retention = rules.Retention

// task is one record. Its progress is a pure function of Created, Run and
// the clock, so a state file reloaded in another process (or a fake clock)
// reproduces it exactly; only side effects of the end (refund, callback)
// are recorded, in Settled and Refunded.
type task struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Parent       string        `json:"parent,omitempty"` // extend source or 4K source
	Depth        int           `json:"depth,omitempty"`  // extensions in the chain so far
	Model        string        `json:"model"`
	Resolution   string        `json:"resolution"`
	AspectRatio  string        `json:"aspectRatio"`
	ParamJSON    string        `json:"paramJson"`
	Seed         int           `json:"seed"`
	Created      time.Time     `json:"created"`
	Run          time.Duration `json:"run"`
	Fail         bool          `json:"fail,omitempty"`
	SuccessFlag  int           `json:"successFlag,omitempty"` // when Fail: 2 or 3
	ErrorCode    int           `json:"errorCode,omitempty"`
	ErrorMessage string        `json:"errorMessage,omitempty"`
	Quirks       Quirks        `json:"quirks,omitzero"`
	Cost         float64       `json:"cost"`
	Refunded     bool          `json:"refunded,omitempty"`
	Settled      bool          `json:"settled,omitempty"`
	CallbackURL  string        `json:"callBackUrl,omitempty"`
	Clip         string        `json:"clip"`             // the 8 s clip behind resultUrls
	HDAt         *time.Time    `json:"hdAt,omitempty"`   // when 1080p was requested
	HDReady      time.Time     `json:"hdReady,omitzero"` // when the 1080p link is handed out
	FourK        string        `json:"fourK,omitempty"`  // id of the 4K task made from this one
}

func (t *task) end() time.Time { return t.Created.Add(t.Run) }

// flag is successFlag at now.
func (t *task) flag(now time.Time) int {
	switch {
	case now.Before(t.end()):
		return 0
	case t.Fail:
		return t.SuccessFlag
	}
	return 1
}

// video is what the extend rule needs to know of the task at now.
func (t *task) video(now time.Time) rules.Video {
	status := rules.Running
	switch t.flag(now) {
	case 0:
	case 1:
		status = rules.Succeeded
	default:
		status = rules.Failed
	}
	return rules.Video{ID: t.ID, Status: status, Upscale: t.Kind == kind4K, Created: t.Created,
		Resolution: t.Resolution, HDAsked: t.HDAt != nil, FourKAsked: t.FourK != ""}
}

// expired tells whether the service has forgotten the task (14 days).
func (t *task) expired(now time.Time) bool { return now.Sub(t.Created) > retention }

// visible is false during NullGrace, when a brand-new task still answers
// "record is null".
func (s *Sim) visible(t *task, now time.Time) bool {
	return !now.Before(t.Created.Add(s.o.NullGrace))
}

// fullClip is the stitched video of an extension chain, 7 s longer at
// each step: 8 → 15 → 22 s are embedded clips, longer ones are made
// (stitch.go).
func (t *task) fullClip() string {
	switch {
	case t.Depth <= 1:
		return assets.Extended15
	case t.Depth == 2:
		return assets.Extended22
	}
	return stitchedName(chainSeconds(t.Depth))
}

// bestClip is what 1080p/4K versions are made from: the whole video.
func (t *task) bestClip() string {
	if t.Kind == kindExtend {
		return t.fullClip()
	}
	return t.Clip
}

// sourceClip picks an 8 s clip deterministically from the task id so the
// same task always shows the same video.
func sourceClip(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	src := assets.Sources()
	return src[h.Sum32()%uint32(len(src))]
}

// newID makes a 32 lower-case hex id like the real service's. It hashes
// the seed and a persisted sequence number, so ids are deterministic for a
// seed yet never repeat when a state file is reused.
func (s *Sim) newID() string {
	for {
		s.seq++
		h := sha256.Sum256(fmt.Appendf(nil, "veox-sim/%d/%d", s.o.Seed, s.seq))
		id := hex.EncodeToString(h[:16])
		if _, taken := s.tasks[id]; !taken {
			return id
		}
	}
}

// runFor picks how long a new task runs: the plan's, else a random value
// between MinDuration and MaxDuration.
func (s *Sim) runFor(p Plan) time.Duration {
	switch {
	case p.Duration < 0:
		return 0
	case p.Duration > 0:
		return p.Duration
	}
	lo, hi := s.o.MinDuration, s.o.MaxDuration
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1))
}

// randomSeed is what the service picks when the request has no seeds.
func (s *Sim) randomSeed() int { return seedMin + s.rng.IntN(seedMax-seedMin+1) }

// Package archive is the one format in which veox writes its history
// outside bbolt: the sidecar beside each downloaded video and the lines of
// 'veox export'. Both are JSON objects that say what they are:
//
//	{"veox":"task","v":1, …the task's fields…}
//
// "veox" names the kind of object, "v" its format version. The kinds:
//
//	export  the first line of an export: exportedAt, by (veox's version), since
//	task    one task, with the fields it has in the history (store.Task's JSON:
//	        localId, taskId, kind, parentTaskId, request {prompt, model, seed,
//	        watermark, …}, status, events, resultUrls, fullResultUrls, resolution,
//	        seeds, files, error, charge, createdAt, submittedAt, completedAt, …).
//	        A sidecar is a task object with two more: video (the file it sits
//	        beside: file, size, sha256, durationSeconds, resolution, part, url,
//	        downloadedAt) and story (id and 1-based step, for a story's step).
//	story   a story's plan and state (store.Story's JSON)
//	kept    a kept mark: parentTaskId and childLocalId
//	end     the last line of an export: how many tasks, stories and kept marks
//	        it holds, so a cut file is told from a whole one
//
// Readers ignore fields and kinds they do not know, and read any "v": a
// later version only adds fields. A change that alters what a field means
// gets a new name, never a new meaning under the old one. Times are RFC 3339.
// Nothing here ever holds the API key (the history never does).
package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/veox/veox/store"
)

// Version is the format version veox writes.
const Version = 1

// The kinds of object.
const (
	KindExport = "export"
	KindTask   = "task"
	KindStory  = "story"
	KindKept   = "kept"
	KindEnd    = "end"
)

// Head is what every object starts with.
type Head struct {
	Veox string `json:"veox"`
	V    int    `json:"v"`
}

// Task is a task object: an export line, or (with Video) a sidecar.
// store.Task's fields sit at the top level beside Veox and V, so a new
// field of the history (the charge, say) is written and read back with no
// change here.
type Task struct {
	Head
	*store.Task
	Video *Video    `json:"video,omitempty"`
	Story *StoryRef `json:"story,omitempty"`
}

// Video describes the file a sidecar sits beside.
type Video struct {
	File         string    `json:"file"` // its name, in the same folder
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	Seconds      float64   `json:"durationSeconds"`
	Resolution   string    `json:"resolution,omitempty"`
	Part         bool      `json:"part,omitempty"` // an extension's new part alone, not its whole video
	URL          string    `json:"url,omitempty"`  // where it was fetched from (links expire)
	DownloadedAt time.Time `json:"downloadedAt"`
}

// StoryRef places a task in a story.
type StoryRef struct {
	ID   string `json:"id"`
	Step int    `json:"step"`            // 1-based
	Try  bool   `json:"retry,omitempty"` // an earlier attempt at the step that made no video
}

// Story is a story object.
type Story struct {
	Head
	*store.Story
}

// Kept is a kept mark: among the tasks made from ParentTaskID, the chain
// follows ChildLocalID.
type Kept struct {
	Head
	ParentTaskID string `json:"parentTaskId"`
	ChildLocalID string `json:"childLocalId"`
}

// Export is an export's first line.
type Export struct {
	Head
	ExportedAt time.Time `json:"exportedAt"`
	By         string    `json:"by,omitempty"`   // "veox <version>"
	Since      time.Time `json:"since,omitzero"` // only tasks created since
}

// End is an export's last line.
type End struct {
	Head
	Tasks   int `json:"tasks"`
	Stories int `json:"stories"`
	Kept    int `json:"kept"`
}

func head(kind string) Head { return Head{Veox: kind, V: Version} }

// TaskLine is t as one export line (no newline).
func TaskLine(t *store.Task) ([]byte, error) {
	return marshal(Task{Head: head(KindTask), Task: t}, "")
}

// StoryLine is st as one export line.
func StoryLine(st *store.Story) ([]byte, error) {
	return marshal(Story{Head: head(KindStory), Story: st}, "")
}

// KeptLine is a kept mark as one export line.
func KeptLine(parent, child string) ([]byte, error) {
	return marshal(Kept{Head: head(KindKept), ParentTaskID: parent, ChildLocalID: child}, "")
}

// ExportLine is an export's first line.
func ExportLine(at time.Time, by string, since time.Time) ([]byte, error) {
	return marshal(Export{Head: head(KindExport), ExportedAt: at, By: by, Since: since}, "")
}

// EndLine is an export's last line.
func EndLine(tasks, stories, kept int) ([]byte, error) {
	return marshal(End{Head: head(KindEnd), Tasks: tasks, Stories: stories, Kept: kept}, "")
}

// marshal is json.Marshal (indented when indent is set) without the
// escaping of <, > and & meant for HTML: result links carry '&', and
// people read these files.
func marshal(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Sidecar is the description written beside one of t's files: the task,
// the file, and its place in a story (nil when none). Indented: people
// open these.
func Sidecar(t *store.Task, f store.File, name string, story *StoryRef) ([]byte, error) {
	v := &Video{File: name, Size: f.Size, SHA256: f.SHA256, Seconds: f.Duration.Seconds(),
		Resolution: t.Resolution, Part: f.Part, URL: f.URL, DownloadedAt: f.DownloadedAt}
	b, err := marshal(Task{Head: head(KindTask), Task: t, Video: v, Story: story}, "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ErrNotVeox: the object is JSON but not one veox wrote (no "veox" kind).
var ErrNotVeox = errors.New("not a veox object")

// KindOf reads an object's kind and version. ErrNotVeox for JSON that is
// not veox's; a syntax error for what is not JSON.
func KindOf(b []byte) (Head, error) {
	var h Head
	if err := json.Unmarshal(b, &h); err != nil {
		return h, err
	}
	if h.Veox == "" {
		return h, ErrNotVeox
	}
	return h, nil
}

// DecodeTask reads a task object (a line or a sidecar). Unknown fields are
// ignored. It refuses an object with neither a local nor a service id, or
// with no creation time: nothing could be done with it.
func DecodeTask(b []byte) (*Task, error) {
	t := &Task{Task: new(store.Task)}
	if err := json.Unmarshal(b, t); err != nil {
		return nil, err
	}
	if t.Veox != KindTask {
		return nil, fmt.Errorf("a %q object, not a task", t.Veox)
	}
	if t.LocalID == "" && t.TaskID == "" {
		return nil, errors.New("a task with neither localId nor taskId")
	}
	if t.CreatedAt.IsZero() {
		return nil, errors.New("a task with no createdAt")
	}
	return t, nil
}

// DecodeStory reads a story object.
func DecodeStory(b []byte) (*store.Story, error) {
	s := Story{Story: new(store.Story)}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if s.ID == "" {
		return nil, errors.New("a story with no id")
	}
	return s.Story, nil
}

// DecodeKept reads a kept mark.
func DecodeKept(b []byte) (*Kept, error) {
	var k Kept
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, err
	}
	if k.ParentTaskID == "" || k.ChildLocalID == "" {
		return nil, errors.New("a kept mark without parentTaskId or childLocalId")
	}
	return &k, nil
}

// DecodeEnd reads an export's last line.
func DecodeEnd(b []byte) (*End, error) {
	var e End
	return &e, json.Unmarshal(b, &e)
}

package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// A task comes back from storage exactly as written, to the millisecond:
// unset times stay unset, times equal to or before createdAt survive, a
// file's URL kept as a reference to a result URL resolves to it.
func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	cases := map[string]*Task{
		"intent": {LocalID: "l1", Kind: KindGenerate, Status: StatusSubmitting, CreatedAt: created, UpdatedAt: created,
			Events: []Event{{At: created, Status: StatusSubmitting}}},
		"finished": {LocalID: "l2", TaskID: "t2", Kind: KindExtend, ParentID: "t1", Status: StatusSucceeded,
			Request:    Request{Prompt: "a fox", Seed: 12345, Watermark: "w"},
			ResultURLs: []string{"https://r/0.mp4", "https://r/1.mp4"}, FullResultURLs: []string{"https://r/full.mp4"},
			URLsAt: created.Add(time.Minute), Seeds: []int{7}, HasAudio: []bool{false}, CreditsBefore: 100.5, CreditsAfter: 40,
			Files: []File{
				{Path: "/v/a.mp4", URL: "https://r/full.mp4", Size: 5, SHA256: "ab", Duration: 8 * time.Second, DownloadedAt: created.Add(2 * time.Minute)},
				{Path: "/v/b.mp4", URL: "https://r/1.mp4", Size: 6, DownloadedAt: created, Part: true},
				{Path: "/v/c.mp4", URL: "https://elsewhere/c.mp4", Size: 7}, // never downloaded-at: zero
			},
			Error: &TaskError{Code: 501, Message: "m"},
			Charge: &Charge{State: ChargeRefunded, Billed: 250, When: ChargedAtAcceptance, From: created.Add(-1500 * time.Microsecond),
				To: created.Add(2*time.Second + 7*time.Microsecond), EndFrom: created.Add(time.Minute), EndTo: created.Add(time.Hour), Note: "n"},
			CreatedAt: created, SubmittedAt: created, CompletedAt: created.Add(time.Hour),
			UpdatedAt: created.Add(time.Hour), PolledAt: created.Add(-time.Second), // before created: imported clocks differ
			Events: []Event{{At: created.Add(-time.Hour), Status: "imported", Note: "n"}, {At: time.Time{}, Status: StatusSucceeded}}},
		"zero created": {LocalID: "l3", Status: StatusUnknown, UpdatedAt: created},
	}
	for name, task := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := encodeTask(task)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeTask(task.LocalID, data)
			if err != nil {
				t.Fatal(err)
			}
			want := *task
			want.Events = append([]Event{}, task.Events...)
			want.Files = append([]File(nil), task.Files...)
			truncTimes(&want)
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("round trip changed the task:\n got %+v\nwant %+v\nstored %s", got, &want, data)
			}
			if bytes.Contains(data, []byte(task.LocalID)) {
				t.Errorf("the local id is stored in the value too: %s", data)
			}
		})
	}
}

// Records written by schema v1 (Task's own JSON, times as text) are still
// read, so a file can be upgraded and old pages salvaged.
func TestDecodesV1Records(t *testing.T) {
	t.Parallel()
	old := Task{LocalID: "l1", TaskID: "t1", Kind: KindGenerate, Status: StatusRunning, Request: Request{Prompt: "p"},
		CreatedAt: epoch, UpdatedAt: epoch.Add(time.Second), Events: []Event{{At: epoch, Status: StatusRunning}}}
	data, _ := json.Marshal(old)
	got, err := decodeTask("l1", data)
	if err != nil || !reflect.DeepEqual(*got, old) {
		t.Fatalf("v1 record: %+v, %v", got, err)
	}
	if _, err := decodeTask("l2", data); err == nil {
		t.Fatal("a record under another key than its own id was accepted")
	}
	if _, err := decodeTask("l1", []byte(`{"kind":`)); err == nil {
		t.Fatal("broken JSON decoded")
	}
}

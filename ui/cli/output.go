package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/theme"
)

// taskJSON is the --json shape of a task: the contract of veox's headless
// commands. Absent values are null, not omitted, so scripts can rely on keys.
type taskJSON struct {
	TaskID         string     `json:"taskId"`
	LocalID        string     `json:"localId"`
	Kind           string     `json:"kind"`
	ParentTaskID   *string    `json:"parentTaskId"`
	Prompt         string     `json:"prompt"`
	Model          string     `json:"model"`
	Seed           *int       `json:"seed"`
	Watermark      string     `json:"watermark"`
	CallbackURL    string     `json:"callbackUrl"`
	Status         string     `json:"status"`
	Error          *errorJSON `json:"error"`
	ResultURLs     []string   `json:"resultUrls"`
	FullResultURLs []string   `json:"fullResultUrls"`
	Files          []string   `json:"files"`
	Downloads      []fileJSON `json:"downloads"`
	UpscaleTo      string     `json:"upscaleTo,omitempty"`
	CreditsBefore  *float64   `json:"creditsBefore"`
	CreditsAfter   *float64   `json:"creditsAfter"`
	CreatedAt      time.Time  `json:"createdAt"`
	SubmittedAt    *time.Time `json:"submittedAt"`
	CompletedAt    *time.Time `json:"completedAt"`
	Events         []eventRow `json:"events"`
}

type errorJSON struct {
	Code    int    `json:"code"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

type fileJSON struct {
	Path     string  `json:"path"`
	Size     int64   `json:"size"`
	SHA256   string  `json:"sha256"`
	Seconds  float64 `json:"durationSeconds"`
	FromURL  string  `json:"url"`
	Received string  `json:"downloadedAt"`
}

type eventRow struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
}

func toJSON(t *store.Task) taskJSON {
	j := taskJSON{TaskID: t.TaskID, LocalID: t.LocalID, Kind: t.Kind, Prompt: t.Request.Prompt,
		Model: t.Request.Model, Watermark: t.Request.Watermark, CallbackURL: t.Request.CallbackURL,
		Status: t.Status, ResultURLs: nonNil(t.ResultURLs), FullResultURLs: nonNil(t.FullResultURLs),
		Files: []string{}, Downloads: []fileJSON{}, UpscaleTo: t.Request.UpscaleTo, CreatedAt: t.CreatedAt,
		SubmittedAt: timePtr(t.SubmittedAt), CompletedAt: timePtr(t.CompletedAt), Events: []eventRow{}}
	if t.ParentID != "" {
		j.ParentTaskID = &t.ParentID
	}
	j.CreditsBefore, j.CreditsAfter = floatPtr(t.CreditsBefore), floatPtr(t.CreditsAfter)
	if seed := seedOf(t); seed != 0 {
		j.Seed = &seed
	}
	if e := t.Error; e != nil {
		j.Error = &errorJSON{e.Code, e.Kind, e.Message, e.Hint}
	}
	for _, f := range t.Files {
		j.Files = append(j.Files, f.Path)
		j.Downloads = append(j.Downloads, fileJSON{f.Path, f.Size, f.SHA256, f.Duration.Seconds(), f.URL,
			f.DownloadedAt.Format(time.RFC3339)})
	}
	for _, e := range t.Events {
		j.Events = append(j.Events, eventRow{e.At, e.Status, e.Note})
	}
	return j
}

// seedOf is the seed asked for, else the one the service reports.
func seedOf(t *store.Task) int {
	if t.Request.Seed != 0 {
		return t.Request.Seed
	}
	if len(t.Seeds) > 0 {
		return t.Seeds[0]
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func floatPtr(f float64) *float64 {
	if f == 0 {
		return nil
	}
	return &f
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTask is the readable form of one task.
func printTask(w io.Writer, t *store.Task) {
	fmt.Fprintf(w, "%s %s  %s %s\n", theme.Glyph(t.Status), theme.StatusWord(t.Status), t.Kind, idOf(t))
	if t.ParentID != "" {
		fmt.Fprintf(w, "  source    %s\n", t.ParentID)
	}
	if t.Request.UpscaleTo != "" {
		fmt.Fprintf(w, "  upscale   %s\n", t.Request.UpscaleTo)
	}
	fmt.Fprintf(w, "  prompt    %s\n", api.Sanitize(t.Request.Prompt))
	row(w, "model", t.Request.Model)
	if seed := seedOf(t); seed != 0 {
		fmt.Fprintf(w, "  seed      %d\n", seed)
	}
	row(w, "watermark", t.Request.Watermark)
	row(w, "callback", t.Request.CallbackURL)
	fmt.Fprintf(w, "  created   %s\n", t.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	if !t.CompletedAt.IsZero() {
		fmt.Fprintf(w, "  finished  %s (%s)\n", t.CompletedAt.Local().Format("2006-01-02 15:04:05"), took(t))
	}
	if e := t.Error; e != nil {
		fmt.Fprintf(w, "  error     %s", api.Sanitize(e.Message))
		if e.Code != 0 {
			fmt.Fprintf(w, " (code %d)", e.Code)
		}
		fmt.Fprintln(w)
		row(w, "what now", e.Hint)
	}
	if t.CreditsAfter != 0 {
		fmt.Fprintf(w, "  balance   %.2f before, %.2f after\n", t.CreditsBefore, t.CreditsAfter)
	}
	for _, u := range t.BestURLs() {
		fmt.Fprintf(w, "  result    %s\n", u)
	}
	for _, f := range t.Files {
		fmt.Fprintf(w, "  file      %s (%s, %.1f s, sha256 %s)\n", f.Path, humanBytes(f.Size), f.Duration.Seconds(), short(f.SHA256, 12))
	}
}

func row(w io.Writer, label, v string) {
	if v != "" {
		fmt.Fprintf(w, "  %-9s %s\n", label, api.Sanitize(v))
	}
}

func idOf(t *store.Task) string {
	if t.TaskID != "" {
		return t.TaskID + "  (local " + t.LocalID + ")"
	}
	return "(no service id yet; local " + t.LocalID + ")"
}

func took(t *store.Task) string {
	start := t.SubmittedAt
	if start.IsZero() {
		start = t.CreatedAt
	}
	return t.CompletedAt.Sub(start).Round(time.Second).String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// clip shortens text to n runes on one line, for tables.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(api.Sanitize(s)), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

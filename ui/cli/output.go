package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
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
	Files          []string   `json:"files"`     // the files on disk now, newest first
	Downloads      []fileJSON `json:"downloads"` // every file ever downloaded, in order, gone ones marked missing
	UpscaleTo      string     `json:"upscaleTo"`
	Estimate       int        `json:"estimatedCredits"` // from the price table; "about", prices drift
	Charged        *float64   `json:"charged"`          // what the balance showed it cost; null when it could not tell
	ChargeState    string     `json:"chargeState"`      // how the cost is known (README)
	ChargeNote     string     `json:"chargeNote"`       // the same in words
	Extendable     bool       `json:"extendable"`
	NotExtendable  *string    `json:"whyNotExtendable"` // the reason in words, null when extendable
	CreditsBefore  *float64   `json:"creditsBefore"`
	CreditsAfter   *float64   `json:"creditsAfter"`
	CreatedAt      time.Time  `json:"createdAt"`
	SubmittedAt    *time.Time `json:"submittedAt"`
	CompletedAt    *time.Time `json:"completedAt"`
	Events         []eventRow `json:"events"`
}

// errorJSON is a failure, on a task or alone: the same four keys.
type errorJSON struct {
	Kind    string      `json:"kind"`
	Code    *int        `json:"code"` // the service's code; null when it gave none
	Message string      `json:"message"`
	Hint    string      `json:"hint"`
	Budget  *budgetJSON `json:"budget,omitempty"` // kind "budget" past the daily limit: the numbers
}

// budgetJSON is a refusal by the daily limit, in numbers a script can use.
type budgetJSON struct {
	Day        string  `json:"day"`        // the calendar day counted, 2006-01-02
	Cost       float64 `json:"cost"`       // this create's estimate, from the price table
	SpentToday float64 `json:"spentToday"` // what today's tasks cost before it
	DailyLimit float64 `json:"dailyLimit"`
	Over       float64 `json:"over"` // by how much it would pass the limit
}

func newErrorJSON(kind string, code int, message, hint string) *errorJSON {
	e := &errorJSON{Kind: kind, Message: api.Sanitize(message), Hint: api.Sanitize(hint)}
	if code != 0 {
		e.Code = &code
	}
	return e
}

// errorDocJSON is what --json prints when a command fails before (or
// without) a task to print: {"error": {"kind", "code", "message", "hint"}}.
type errorDocJSON struct {
	Error *errorJSON `json:"error"`
}

func errorDoc(f failure) errorDocJSON {
	hint := f.hint
	if hint == "" {
		hint = kindHints[f.kind]
	}
	e := newErrorJSON(f.kind, f.code, f.message, hint)
	if b := f.budget; b != nil {
		e.Budget = &budgetJSON{Day: b.Day.Format(time.DateOnly), Cost: b.Cost, SpentToday: b.Spent, DailyLimit: b.Limit,
			Over: math.Round((b.Spent+b.Cost-b.Limit)*100) / 100}
	}
	return errorDocJSON{e}
}

// kindHints say what to do about veox's own kinds (the service's come
// with their hint).
var kindHints = map[string]string{
	kindUsage:       "see 'veox --help'; nothing was sent",
	kindInput:       "fix what the message names and run it again; nothing was sent",
	kindNotFound:    "check the id: 'veox list' shows the history, 'veox import ID' adds a task made elsewhere",
	kindHistory:     "run 'veox doctor'",
	kindDownload:    "'veox download ID' resumes it",
	kindInterrupted: "stopped; whatever was accepted is in the history",
}

type fileJSON struct {
	Path     string  `json:"path"`
	Size     int64   `json:"size"`
	SHA256   string  `json:"sha256"`
	Seconds  float64 `json:"durationSeconds"`
	FromURL  string  `json:"url"`
	Received string  `json:"downloadedAt"`
	Part     bool    `json:"part"`    // an extension's new part alone, not its whole video
	Missing  bool    `json:"missing"` // no longer on disk
}

type eventRow struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Note   string    `json:"note"`
}

func toJSON(t *store.Task) taskJSON {
	return toJSONAt(t, time.Now())
}

// toJSONAt is toJSON with whyNotExtendable judged at now.
func toJSONAt(t *store.Task, now time.Time) taskJSON {
	j := taskJSON{TaskID: t.TaskID, LocalID: t.LocalID, Kind: t.Kind, Prompt: t.Request.Prompt,
		Model: t.Request.Model, Watermark: t.Request.Watermark, CallbackURL: t.Request.CallbackURL,
		Status: t.Status, ResultURLs: nonNil(t.ResultURLs), FullResultURLs: nonNil(t.FullResultURLs),
		Files: []string{}, Downloads: []fileJSON{}, UpscaleTo: t.Request.UpscaleTo, CreatedAt: t.CreatedAt,
		SubmittedAt: timePtr(t.SubmittedAt), CompletedAt: timePtr(t.CompletedAt), Events: []eventRow{}}
	if t.ParentID != "" {
		j.ParentTaskID = &t.ParentID
	}
	j.Estimate = tasks.EstimateFor(t)
	j.Charged, j.ChargeState, j.ChargeNote = chargeJSON(t)
	if why := tasks.WhyNotExtendable(t, now); why != "" {
		j.NotExtendable = &why
	} else {
		j.Extendable = true
	}
	j.CreditsBefore, j.CreditsAfter = floatPtr(t.CreditsBefore), floatPtr(t.CreditsAfter)
	if seed := format.SeedValue(t); seed != 0 {
		j.Seed = &seed
	}
	if e := t.Error; e != nil {
		j.Error = newErrorJSON(e.Kind, e.Code, e.Message, e.Hint)
	}
	missing := tasks.MissingFiles(t)
	for _, f := range t.Files {
		j.Downloads = append(j.Downloads, fileJSON{f.Path, f.Size, f.SHA256, f.Duration.Seconds(), f.URL,
			f.DownloadedAt.Format(time.RFC3339), f.Part, missing[f.Path]})
	}
	for _, f := range newestFirst(t.Files) {
		if !missing[f.Path] && !slices.Contains(j.Files, f.Path) {
			j.Files = append(j.Files, f.Path)
		}
	}
	for _, e := range t.Events {
		j.Events = append(j.Events, eventRow{e.At, e.Status, e.Note})
	}
	return j
}

// chargeJSON is what a task cost as --json tells it: "charged" is a
// figure the balance showed (0 for a refunded or uncharged failure), null
// where it could not tell and the estimate stands.
func chargeJSON(t *store.Task) (*float64, string, string) {
	c := tasks.CostOf(t)
	state := "estimate"
	switch {
	case t.Kind == store.KindImport:
		state = "not_counted"
	case t.Status == store.StatusRefused:
		state = "not_charged"
	case t.Charge != nil && t.Charge.State != store.ChargeEstimate && t.Charge.State != store.ChargePending:
		state = t.Charge.State
	case t.Charge != nil && t.Charge.State == store.ChargePending:
		state = store.ChargePending
	}
	if !c.Measured {
		return nil, state, c.Note
	}
	v := c.Credits
	return &v, state, c.Note
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

// printTask is the readable form of one task, in the words and units the
// TUI shows (ui/format).
func printTask(w io.Writer, t *store.Task) {
	fmt.Fprintf(w, "%s  %s %s\n", format.Status(t.Status), format.Kind(t), idOf(t))
	row(w, "source", t.ParentID)
	row(w, "upscale", t.Request.UpscaleTo)
	fmt.Fprintf(w, "  prompt    %s\n", api.Sanitize(t.Request.Prompt))
	row(w, "model", t.Request.Model)
	if format.SeedValue(t) != 0 {
		row(w, "seed", format.Seed(t))
	}
	row(w, "watermark", t.Request.Watermark)
	row(w, "callback", t.Request.CallbackURL)
	row(w, "created", format.Stamp(t.CreatedAt))
	if !t.CompletedAt.IsZero() {
		row(w, "finished", format.Stamp(t.CompletedAt)+" ("+format.Timing(t, 0, time.Now())+")")
	}
	if e := t.Error; e != nil {
		msg := api.Sanitize(e.Message)
		if e.Code != 0 {
			msg += fmt.Sprintf(" (code %d)", e.Code)
		}
		row(w, "error", msg)
		row(w, "what now", e.Hint)
	}
	row(w, "cost", format.Cost(t))
	if t.CreditsAfter != 0 {
		row(w, "balance", format.Credits(t.CreditsBefore)+" before, "+format.Credits(t.CreditsAfter)+" after")
	}
	for _, u := range t.BestURLs() {
		row(w, "result", u)
	}
	missing := tasks.MissingFiles(t)
	for _, f := range t.Files {
		line := fmt.Sprintf("%s (%s, %.1f s, sha256 %s)", f.Path, format.Size(f.Size), f.Duration.Seconds(), prefix(f.SHA256, 12))
		if marks := format.FileMarks(f, missing[f.Path]); marks != "" {
			line += " · " + marks
		}
		row(w, "file", line)
	}
}

// newestFirst orders files by when they were downloaded, newest first.
func newestFirst(files []store.File) []store.File {
	out := slices.Clone(files)
	slices.SortStableFunc(out, func(a, b store.File) int { return b.DownloadedAt.Compare(a.DownloadedAt) })
	return out
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

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// clip shortens text from outside to n cells on one line, for tables.
func clip(s string, n int) string { return format.Line(api.Sanitize(s), n) }

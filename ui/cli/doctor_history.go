package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
)

// checkHistory opens the history the way every command does, so a lock,
// damage or a newer schema shows here with what to do about it; then, on a
// file that opened, it checks pages and indexes and reports the tasks.
func (d *doctor) checkHistory() {
	path := d.paths.DB
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		d.rep.add(doctorCheck{Name: "history", Status: checkNote,
			Summary: fmt.Sprintf("no history yet at %s: it is created on first use", path)})
		return
	}
	st, err := store.Open(path, store.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, store.ErrLocked):
		d.rep.add(busyCheck(path))
		return
	case errors.Is(err, store.ErrCorrupt):
		d.damaged(path, err)
		return
	case err != nil:
		d.rep.add(doctorCheck{Name: "history", Status: checkAction, Summary: api.Sanitize(err.Error()),
			Fix: tooNewFix(err)})
		return
	}
	defer st.Close()
	if d.checkIntegrity(st) {
		d.reportTasks(st)
	}
}

func tooNewFix(err error) []string {
	if errors.Is(err, store.ErrTooNew) {
		return []string{"upgrade veox; this one leaves the file untouched"}
	}
	return nil
}

// busyCheck: another veox kept the history busy for over a second. Every
// veox holds it only for the moment of each read or write, so this is one
// long unit of work (an upgrade, a repair) or a veox that is stuck; the
// holders are named so the user knows which window to look at.
func busyCheck(path string) doctorCheck {
	c := doctorCheck{Name: "lock", Status: checkAction,
		Summary: "another veox kept " + path + " busy for over a second",
		Fix:     []string{"run 'veox doctor' again in a moment; if it stays busy, close the veox named below"}}
	holders := lockHolders(path)
	for _, h := range holders {
		c.Details = append(c.Details, "open in "+h)
	}
	return c
}

// lockHolders lists "pid N (name)" for processes with the file open. Only
// the program name is shown: a command line could carry --api-key.
func lockHolders(path string) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	abs, _ := filepath.Abs(path)
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	var out []string
	for _, fdDir := range procs {
		if holds(fdDir, abs) {
			pid := filepath.Base(filepath.Dir(fdDir))
			out = append(out, "pid "+pid+" ("+procName(pid)+")")
		}
	}
	return out
}

func holds(fdDir, path string) bool {
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}

func procName(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/comm")
	if err != nil {
		return "unknown"
	}
	return api.Sanitize(strings.TrimSpace(string(b)))
}

// checkIntegrity runs the store's check (the page tree, every record,
// the indexes). It reports whether the history can be trusted enough to
// list its tasks. With --repair, indexes out of step are rebuilt in place;
// damage is repaired by salvage.
func (d *doctor) checkIntegrity(st *store.Store) bool {
	err := st.Check()
	if err == nil {
		d.rep.add(historyOK(st))
		return true
	}
	if errors.Is(err, store.ErrLocked) {
		// Busy, not damaged: another veox held the history too long, or
		// kept writing to it while the check read it.
		c := busyCheck(st.Path())
		c.Summary = api.Sanitize(err.Error())
		d.rep.add(c)
		return false
	}
	var ce *store.CheckError
	indexOnly := errors.As(err, &ce) && ce.Structure == nil && len(ce.Unreadable) == 0
	if !d.repair || st.ReadOnly() {
		d.rep.add(damagedCheck(st.Path(), err, st.ReadOnly(), indexOnly))
		return false
	}
	if indexOnly {
		if rerr := st.Reindex(); rerr == nil && st.Check() == nil {
			d.rep.add(doctorCheck{Name: "history", Status: checkOK,
				Summary: "the indexes were out of step with the tasks and have been rebuilt from them",
				Details: problemLines(err, 5)})
			d.rep.add(historyOK(st))
			return true
		}
	}
	d.damaged(st.Path(), err)
	return false
}

func historyOK(st *store.Store) doctorCheck {
	v, _ := st.SchemaVersion()
	total, by, _ := st.Count()
	return doctorCheck{Name: "history", Status: checkOK,
		Summary: fmt.Sprintf("%s opens and checks clean: schema v%d, %d task(s)%s", st.Path(), v, total, countsLine(by)),
		Data:    map[string]any{"path": st.Path(), "schema": v, "total": total, "byStatus": by}}
}

func countsLine(by map[string]int) string {
	var parts []string
	for _, s := range []string{store.StatusSucceeded, store.StatusRunning, store.StatusFailed, store.StatusRefused, store.StatusUnknown, store.StatusSubmitting} {
		if by[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[s], s))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func problemLines(err error, n int) []string {
	lines := strings.Split(api.Sanitize(err.Error()), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("and %d more", len(lines)-n))
	}
	return lines
}

// damagedCheck explains the way out without touching anything: a copy
// first, then --repair.
func damagedCheck(path string, err error, readOnly, indexOnly bool) doctorCheck {
	c := doctorCheck{Name: "history", Status: checkAction,
		Summary: path + " is damaged: " + oneLine(problemLines(err, 1)[0]),
		Details: problemLines(err, 5),
		Fix: []string{"keep a copy first: cp " + shellQuote(path) + " " + shellQuote(path+".broken"),
			"then run 'veox doctor --repair': it saves every task it can read (creates of unknown outcome listed first) into a new history and keeps the damaged file beside it; tasks it cannot save are listed for 'veox import ID' (the service keeps them 14 days)"}}
	if indexOnly {
		c.Summary = path + ": the indexes are out of step with the tasks: " + oneLine(problemLines(err, 1)[0])
		c.Fix = []string{"run 'veox doctor --repair': it rebuilds the indexes from the tasks, which stay as they are"}
	}
	if readOnly {
		c.Fix = append(c.Fix, "the history is read-only here: --repair needs to write it")
	}
	return c
}

// damaged reports a history that cannot be used as it is, and with
// --repair saves what it can into a new one.
func (d *doctor) damaged(path string, cause error) {
	if !d.repair {
		d.rep.add(damagedCheck(path, cause, false, false))
		return
	}
	d.rep.add(repairCheck(path, cause, time.Now()))
}

// repairCheck runs the salvage and says what it saved, what it could not,
// and what to do about the creates of unknown outcome among them.
func repairCheck(path string, cause error, now time.Time) doctorCheck {
	c := doctorCheck{Name: "repair", Status: checkAction}
	res, err := store.Repair(path, now)
	if err != nil {
		c.Summary = "the repair failed: " + api.Sanitize(err.Error())
		c.Fix = []string{"the damaged file is unchanged; keep a copy and report this"}
		return c
	}
	c.Status = checkOK
	c.Summary = fmt.Sprintf("the damaged history (%s) was moved to %s; %d task(s) were saved into a new one", oneLine(problemLines(cause, 1)[0]), res.MovedTo, res.Tasks)
	for _, t := range res.Unknown {
		c.Details = append(c.Details, fmt.Sprintf("saved, outcome unknown (may be billed): %s  %s  %q", t.LocalID, t.CreatedAt.Local().Format("2006-01-02 15:04"), clip(t.Request.Prompt, 40)))
	}
	if res.Older > 0 {
		c.Details = append(c.Details, fmt.Sprintf("%d of them were read outside the damaged tree (the newest copy of each left in the file): a last change may be missing; 'veox status ID' asks the service again", res.Older))
	}
	for _, id := range res.Unreadable {
		c.Details = append(c.Details, "could not be read: "+id)
	}
	if res.Prompts > 0 {
		c.Details = append(c.Details, fmt.Sprintf("%d recent prompt(s) saved", res.Prompts))
	}
	if len(res.Unreadable) > 0 || len(res.LostTaskIDs) > 0 {
		c.Status = checkAction
	}
	c.Fix = importFixes(res.LostTaskIDs, len(res.Unreadable))
	if len(res.Unknown) > 0 {
		c.Status = checkAction
		c.Fix = append([]string{"the creates of unknown outcome above may exist and be billed: settle or dismiss each (see 'veox doctor')"}, c.Fix...)
	}
	c.Data = map[string]any{"movedTo": res.MovedTo, "saved": res.Tasks, "fromOlderCopies": res.Older,
		"unknown": len(res.Unknown), "unreadable": nonNil(res.Unreadable), "taskIds": nonNil(res.LostTaskIDs)}
	return c
}

func importFixes(ids []string, unreadable int) []string {
	if len(ids) == 0 {
		if unreadable == 0 {
			return nil
		}
		return []string{"no service task id could be read for the records lost; re-import tasks you know of with 'veox import ID' (the service keeps them 14 days)"}
	}
	fix := []string{fmt.Sprintf("%d task id(s) were legible in the damaged file but in no saved record; re-import them within 14 days of their creation:", len(ids))}
	for _, id := range ids {
		fix = append(fix, "veox import "+api.Sanitize(id))
	}
	return fix
}

// reportTasks lists what needs the user: creates whose fate is unknown,
// and intents left "submitting" by a veox that stopped mid-send.
func (d *doctor) reportTasks(st *store.Store) {
	active, err := st.Active()
	if err != nil {
		d.rep.add(doctorCheck{Name: "tasks", Status: checkAction, Summary: "reading the active tasks failed: " + api.Sanitize(err.Error())})
		return
	}
	var unknown, submitting []store.Task
	for _, t := range active {
		switch t.Status {
		case store.StatusUnknown:
			unknown = append(unknown, t)
		case store.StatusSubmitting:
			submitting = append(submitting, t)
		}
	}
	d.rep.add(unknownCheck(unknown))
	if len(submitting) > 0 {
		d.rep.add(submittingCheck(st, submitting))
	}
}

type unknownJSON struct {
	LocalID   string    `json:"localId"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"createdAt"`
	Prompt    string    `json:"prompt"`
}

func unknownCheck(list []store.Task) doctorCheck {
	c := doctorCheck{Name: "unknown", Status: checkOK, Summary: "no create of unknown outcome"}
	if len(list) == 0 {
		return c
	}
	c.Status = checkAction
	c.Summary = fmt.Sprintf("%d create(s) never got an answer: each may exist and be billed; veox never resends them", len(list))
	rows := []unknownJSON{}
	for _, t := range list {
		rows = append(rows, unknownJSON{t.LocalID, t.Kind, t.CreatedAt, api.Sanitize(t.Request.Prompt)})
		c.Details = append(c.Details, fmt.Sprintf("%s  %s  %s  %q", t.LocalID, t.Kind,
			t.CreatedAt.Local().Format("2006-01-02 15:04"), clip(t.Request.Prompt, 40)))
	}
	c.Fix = []string{"look for each on the service (dashboard, callback, 'veox credits' before and after)",
		"found it: veox settle LOCAL_ID TASK_ID   (veox follows it from there)",
		"it did not go through: veox dismiss LOCAL_ID"}
	c.Data = rows
	return c
}

// submittingCheck tells creates another veox is sending right now (a
// claimed intent: nothing to do) from those a stopped veox left behind.
func submittingCheck(st *store.Store, list []store.Task) doctorCheck {
	var sending, left []store.Task
	for _, t := range list {
		if st.IntentClaimed(t.LocalID) {
			sending = append(sending, t)
		} else {
			left = append(left, t)
		}
	}
	c := doctorCheck{Name: "sending", Status: checkNote,
		Summary: fmt.Sprintf("%d create(s) are being sent by another veox right now", len(sending))}
	if len(left) > 0 {
		c.Status = checkAction
		c.Summary = fmt.Sprintf("%d create(s) were being sent when a veox stopped", len(left))
		c.Fix = []string{"run any veox command (e.g. 'veox list'): it marks them unknown, never resends them; then settle or dismiss each"}
		if len(sending) > 0 {
			c.Summary += fmt.Sprintf("; %d more are being sent right now", len(sending))
		}
	}
	for _, t := range append(left, sending...) {
		c.Details = append(c.Details, t.LocalID+"  "+strconv.Quote(clip(t.Request.Prompt, 40)))
	}
	return c
}

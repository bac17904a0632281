package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Salvage is what Repair saved from a damaged history.
type Salvage struct {
	// Tasks is how many task records the new history holds.
	Tasks int
	// Older counts those saved from an older copy found in the file (the
	// current record was unreadable, or its page was lost): the newest
	// readable copy, which may lack the last changes.
	Older int
	// Unknown lists the saved creates whose outcome is unknown or that were
	// being sent: each may exist and be billed. Look at these first.
	Unknown []Task
	// Unreadable lists local ids of records that could not be read in any
	// copy.
	Unreadable []string
	// LostTaskIDs are service task ids still legible in the damaged bytes
	// but in no saved record: 'veox import ID' brings each back (the
	// service keeps tasks 14 days).
	LostTaskIDs []string
	// Prompts is how many of the composer's recent prompts were saved.
	Prompts int
	// Stories is how many stories were saved.
	Stories int
	// MovedTo is where the damaged file was kept.
	MovedTo string
}

// Repair saves what can be read of a damaged history into a new one that
// takes its place; the damaged file is kept beside it as
// <path>.broken-<time>. Every task record readable anywhere in the file is
// saved: the live one where its page is sound, otherwise the newest older
// copy bbolt left in a freed page (from before the last changes) — when
// the tree is damaged, records cut off from it are found that way too. It
// never lets bbolt read the damaged file: the file is read page by page
// with bounds checks (verify.go), so nothing in it can crash veox.
//
// Other veox are kept out while it runs (the write lock), and follow to the
// new file afterwards.
func Repair(path string, now time.Time) (*Salvage, error) {
	return repair(path, now, true)
}

// repair is Repair; sync false skips the fsyncs (the fuzz target, which
// repairs thousands of files and tests everything but durability).
func repair(path string, now time.Time, sync bool) (*Salvage, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var f *os.File
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 0; ; attempt++ {
		f, err = lockOnly(abs, os.O_RDWR, 0, true, deadline)
		if !errors.Is(err, errReplaced) || attempt >= maxReopen {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("repair %s: %w", abs, err)
	}
	defer f.Close() // after the rename: the lock keeps others out until then
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	found, err := salvageFile(f, info.Size())
	if err != nil {
		return nil, err
	}
	tmp := abs + ".salvage"
	_ = os.Remove(tmp)
	res, err := found.write(tmp, sync)
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write the salvaged history: %w (the damaged file is unchanged)", err)
	}
	res.MovedTo = abs + ".broken-" + now.Format("20060102-150405")
	if err := os.Link(abs, res.MovedTo); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("keep the damaged file: %w (nothing was changed)", err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("put the salvaged history in place: %w (the damaged file is unchanged)", err)
	}
	if !sync {
		return res, nil
	}
	return res, syncDir(filepath.Dir(abs))
}

// candidate is one readable copy of a task record found in the file.
type candidate struct {
	page    uint64
	raw     []byte // the record (copied)
	updated time.Time
	task    *Task
}

// found is everything readable in a damaged file.
type found struct {
	tasks      map[string]candidate // the copy chosen per local id
	unreadable map[string]bool      // ids whose live record did not decode
	prompts    [][]byte             // live prompt values, in order
	stories    map[string][]entry   // stories and kept marks (story_salvage.go)
	lost       []string             // task ids legible in the bytes but in no chosen record
	older      int
}

// isLocalID: "l" + 17 base32hex characters (ids.go).
func isLocalID(b []byte) bool {
	if len(b) != 18 || b[0] != 'l' {
		return false
	}
	for _, c := range b[1:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'v') {
			return false
		}
	}
	return true
}

// inlinePage stands for "inside the root page" as a candidate's page.
const inlinePage = ^uint64(0)

// salvageFile reads every record it can from the file. The live tree is
// walked where it is sound; every sound-looking leaf page is read for
// records, live or not.
func salvageFile(f io.ReaderAt, size int64) (*found, error) {
	var all []candidate
	broken := map[uint64][]string{} // page -> ids whose record did not decode there
	visit := func(page uint64, elems []leafElem) {
		for _, e := range elems {
			collect(page, e, &all, broken)
		}
	}
	report, scan := verifyReader(f, size, visit, false)
	if scan == nil {
		// No usable header: read the file as pages of the size the
		// header would say, or the usual size.
		m, err := readMeta(f, size)
		if err != nil {
			m = fileMeta{pageSize: 4096}
		}
		m.hwm = uint64(size) / uint64(m.pageSize)
		if m.hwm > 2 {
			if _, err := scanFile(f, m, visit, false); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range report.inline[bTasks] {
		collect(inlinePage, e, &all, broken)
	}
	live := map[uint64]bool{inlinePage: true}
	for _, id := range report.leaves[bTasks] {
		live[id] = true
	}
	fd := &found{tasks: map[string]candidate{}, unreadable: map[string]bool{}}
	treeSound := len(report.problems) == 0
	liveIDs := map[string]bool{}
	for _, c := range all {
		if live[c.page] {
			liveIDs[c.task.LocalID] = true
		}
	}
	for page, ids := range broken {
		for _, id := range ids {
			if live[page] || !treeSound {
				fd.unreadable[id] = true
			}
		}
	}
	fd.choose(all, live, liveIDs, treeSound)
	fd.prompts = livePrompts(f, report)
	fd.stories = liveStories(f, report)
	lost, err := legibleTaskIDs(f, size)
	if err != nil {
		return nil, err
	}
	saved := map[string]bool{}
	for _, c := range fd.tasks {
		saved[c.task.TaskID] = true
	}
	for _, id := range lost {
		if !saved[id] {
			fd.lost = append(fd.lost, id)
		}
	}
	return fd, nil
}

// collect notes a leaf element that is a task record, or one that should
// have been (a local id whose value does not decode).
func collect(page uint64, e leafElem, all *[]candidate, broken map[uint64][]string) {
	if e.flags != 0 || !isLocalID(e.key) {
		return
	}
	id := string(e.key)
	t, err := decodeTask(id, e.value)
	if err != nil {
		broken[page] = append(broken[page], id)
		return
	}
	*all = append(*all, candidate{page: page, raw: bytes.Clone(e.value), updated: t.UpdatedAt, task: t})
}

// choose keeps one copy per id: the live one; else, where the live record
// is unreadable or the tree is damaged (so a missing id may have been cut
// off rather than deleted), the newest older copy.
func (fd *found) choose(all []candidate, live map[uint64]bool, liveIDs map[string]bool, treeSound bool) {
	for _, c := range all {
		id := c.task.LocalID
		isLive := live[c.page]
		if !isLive && liveIDs[id] {
			continue // the live copy wins
		}
		if !isLive && treeSound && !fd.unreadable[id] {
			continue // a deleted task's old copy
		}
		if prev, ok := fd.tasks[id]; ok && (live[prev.page] || !c.updated.After(prev.updated)) {
			continue
		}
		fd.tasks[id] = c
	}
	for id, c := range fd.tasks {
		delete(fd.unreadable, id)
		if !live[c.page] {
			fd.older++
		}
	}
}

// livePrompts reads the prompts bucket where its pages are sound.
func livePrompts(f io.ReaderAt, report *treeReport) [][]byte {
	var out [][]byte
	add := func(elems []leafElem) {
		for _, e := range elems {
			var p string
			if e.flags == 0 && len(e.key) == 8 && json.Unmarshal(e.value, &p) == nil {
				out = append(out, bytes.Clone(e.value))
			}
		}
	}
	add(report.inline[bPrompts])
	for _, id := range report.leaves[bPrompts] {
		p, b, err := readPage(f, report.meta, id, 1<<30)
		if err != nil || p.flags != flagLeaf {
			continue
		}
		if elems, err := leafElems(p, b, nil); err == nil {
			add(elems)
		}
	}
	return out
}

// legibleTaskIDs finds service task ids anywhere in the bytes, in records
// of either schema: what is left of a record that no longer decodes.
func legibleTaskIDs(r io.ReaderAt, size int64) ([]string, error) {
	re := regexp.MustCompile(`"taskId":"([0-9A-Za-z_\-]{1,100})"`)
	seen := map[string]bool{}
	var ids []string
	const overlap = 128
	buf := make([]byte, scanChunk+overlap)
	for off := int64(0); off < size; off += scanChunk {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		for _, m := range re.FindAllSubmatch(buf[:n], -1) {
			if id := string(m[1]); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// write builds the new history at dst from what was found.
func (fd *found) write(dst string, sync bool) (*Salvage, error) {
	db, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.AllocSize = allocSize
	if err := db.Update(initSchema); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(fd.tasks))
	for id := range fd.tasks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	res := &Salvage{Tasks: len(ids), Older: fd.older, Prompts: len(fd.prompts), LostTaskIDs: fd.lost, Stories: len(fd.stories[bStories])}
	cp := newCopier()
	for start := 0; start < len(ids); start += rewriteBatch {
		batch := ids[start:min(start+rewriteBatch, len(ids))]
		err := db.Update(func(tx *bolt.Tx) error {
			for _, id := range batch {
				if err := cp.copyTask(tx, []byte(id), fd.tasks[id].raw); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := cp.finish(db); err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := bucket(tx, bPrompts)
		for _, p := range fd.prompts {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(seqKey(seq), p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := writeStories(db, fd.stories); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if t := fd.tasks[id].task; t.Status == StatusUnknown || t.Status == StatusSubmitting {
			res.Unknown = append(res.Unknown, *t)
		}
	}
	sortByCreation(res.Unknown)
	for id := range fd.unreadable {
		res.Unreadable = append(res.Unreadable, id)
	}
	slices.Sort(res.Unreadable)
	if !sync {
		return res, nil
	}
	return res, db.Sync()
}

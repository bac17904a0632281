package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV1 builds a schema v1 history the way veox v1 wrote it: Task JSON
// with times as text, index values with the local id, default page fill.
func writeV1(t *testing.T, path string, tasks []Task, prompts []string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bTasks, bTime, bTaskID, bActive, bChildren, bSearch, bPrompts, bMeta} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		c := newCounts()
		for i := range tasks {
			task := &tasks[i]
			data, _ := json.Marshal(task)
			_ = tx.Bucket([]byte(bTasks)).Put([]byte(task.LocalID), data)
			tk := make([]byte, 8+len(task.LocalID))
			binary.BigEndian.PutUint64(tk, uint64(task.CreatedAt.UnixNano()))
			copy(tk[8:], task.LocalID)
			_ = tx.Bucket([]byte(bTime)).Put(tk, []byte(task.LocalID+"\x00"+task.Status+"\x00"+task.Kind))
			_ = tx.Bucket([]byte(bSearch)).Put(tk, []byte(task.Request.Prompt+"\x00"+task.TaskID+"\x00"+task.LocalID+"\x00"))
			if task.TaskID != "" {
				_ = tx.Bucket([]byte(bTaskID)).Put([]byte(task.TaskID), []byte(task.LocalID))
			}
			c.add(task, +1)
		}
		for _, p := range prompts {
			b := tx.Bucket([]byte(bPrompts))
			seq, _ := b.NextSequence()
			v, _ := json.Marshal(p)
			_ = b.Put(seqKey(seq), v)
		}
		meta := tx.Bucket([]byte(bMeta))
		_ = putJSON(meta, metaApp, appMagic)
		_ = putJSON(meta, metaCounts, c)
		return putJSON(meta, metaVersion, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A v1 history is upgraded on first open: every task and prompt is kept
// (times to the millisecond), the indexes are rebuilt, the old file is
// kept as history.db.bak-v1, and the new one is smaller.
func TestUpgradeFromV1(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	var old []Task
	for i := range 400 {
		at := epoch.Add(time.Duration(i)*time.Minute + 123456789)
		task := Task{LocalID: localIDFor(at.UnixNano(), [4]byte{1, 2, 3, 4}), TaskID: fmt.Sprintf("%032x", i), Kind: KindGenerate,
			Request: Request{Prompt: fmt.Sprintf("A red fox number %d walks through the snow at dawn, cinematic", i), Seed: 10000 + i},
			Status:  StatusSucceeded, CreatedAt: at, SubmittedAt: at.Add(time.Second), CompletedAt: at.Add(time.Minute), UpdatedAt: at.Add(time.Minute),
			ResultURLs: []string{fmt.Sprintf("https://tempfile.example.com/v/%032x_0.mp4", i)},
			Events:     []Event{{At: at, Status: StatusSubmitting}, {At: at.Add(time.Second), Status: StatusRunning}, {At: at.Add(time.Minute), Status: StatusSucceeded}}}
		if i%3 == 0 {
			task.Files = []File{{Path: "/v/" + task.TaskID + ".mp4", URL: task.ResultURLs[0], Size: 1 << 20, SHA256: "ab", DownloadedAt: at.Add(2 * time.Minute)}}
		}
		if i == 399 {
			task.Status, task.TaskID = StatusUnknown, ""
		}
		old = append(old, task)
	}
	writeV1(t, path, old, []string{"one", "two"})
	v1, _ := os.ReadFile(path)

	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchemaVersion(); v != currentSchema {
		t.Fatalf("schema after upgrade: v%d", v)
	}
	mustCheck(t, s)
	assertCounts(t, s, 400, map[string]int{StatusSucceeded: 399, StatusUnknown: 1})
	for _, want := range []Task{old[0], old[200], old[399]} {
		got, err := s.Get(want.LocalID)
		truncTimes(&want)
		if err != nil || !reflect.DeepEqual(got, &want) {
			t.Fatalf("task after upgrade:\n got %+v\nwant %+v (%v)", got, &want, err)
		}
	}
	if hits, _ := s.Search(context.Background(), "number 200 ", 5); len(hits) != 1 || hits[0].LocalID != old[200].LocalID {
		t.Fatal("search after upgrade")
	}
	if hits, _ := s.Search(context.Background(), "10200", 5); len(hits) != 1 {
		t.Fatal("seeds are not searchable after upgrade")
	}
	assertActive(t, s, old[399].LocalID)
	if p, _ := s.RecentPrompts(0); !reflect.DeepEqual(p, []string{"two", "one"}) {
		t.Fatalf("prompts after upgrade: %q", p)
	}
	if err := s.PutPrompt("three"); err != nil {
		t.Fatal(err)
	}
	if bak, _ := os.ReadFile(path + ".bak-v1"); !bytes.Equal(bak, v1) {
		t.Fatal("the backup is not the v1 file as it was")
	}
	assertMode(t, path, 0o600)
	if now, _ := os.Stat(path); now.Size() >= int64(len(v1)) {
		t.Errorf("upgraded file %d bytes, the v1 file %d", now.Size(), len(v1))
	}
	if _, err := os.Stat(path + ".upgrade"); !os.IsNotExist(err) {
		t.Fatal("the upgrade left its temporary file")
	}
}

// A veox that waited for the lock of a file that was then replaced (an
// upgrade or a repair renamed a new one over it) notices once it has the
// lock, and works on the new file, not on the old one that has no name.
func TestUnitFollowsAReplacedFile(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	mustPut(t, s, newTask(s, "in the old file", epoch))
	other, _ := openTemp(t)
	fresh := newTask(other, "in the new file", epoch)
	mustPut(t, other, fresh)

	waiting, err := os.Open(path) // opened before the replacement
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	if err := stillAt(waiting, path); err != nil {
		t.Fatalf("before the replacement: %v", err)
	}
	if err := os.Rename(other.Path(), path); err != nil {
		t.Fatal(err)
	}
	if err := stillAt(waiting, path); err != errReplaced {
		t.Fatalf("after the replacement: %v, want errReplaced", err)
	}
	if got, err := s.Get(fresh.LocalID); err != nil || got.Request.Prompt != "in the new file" {
		t.Fatalf("the store does not follow to the new file: %v", err)
	}
}

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A story is a plan: a source video and an ordered list of steps, each
// one extension of the step before. It lives beside the tasks it creates;
// a step points at the task sent for it (its local id), and that pointer
// is written in the same transaction as the task's intent (ClaimStoryStep),
// so two veox running one story can never both send a step.

// Story statuses.
const (
	StoryPlanned = "planned" // nothing sent yet; it waits for the user's confirmation
	StoryRunning = "running" // confirmed: any veox that runs it sends the next step when the last succeeds
	StoryStopped = "stopped" // a step failed, was refused or got no answer: the user decides
	StoryDone    = "done"    // every step succeeded
)

// ErrStoryNotFound: no story has this id (or prefix).
var ErrStoryNotFound = errors.New("story not in history")

// ErrStepTaken: the step already has a task (another veox sent it, or the
// story changed under the sender). Nothing was written.
var ErrStepTaken = errors.New("this step was already sent, or the story changed")

// StoryStep is one extension of a story. Model, Watermark and Seed empty
// (0) take the story's.
type StoryStep struct {
	Prompt    string `json:"prompt"`
	Seed      int    `json:"seed,omitempty"`
	Model     string `json:"model,omitempty"`
	Watermark string `json:"watermark,omitempty"`
	// LocalID is the task sent for this step, "" while it is planned.
	LocalID string `json:"localId,omitempty"`
	// Tried are earlier attempts that made no video (refused, failed or
	// dismissed), oldest first: kept so nothing sent is ever forgotten.
	Tried []string `json:"tried,omitempty"`
}

// Story is a planned chain of extensions.
type Story struct {
	ID        string      `json:"id"`
	Source    string      `json:"source"` // the service task id of the video the first step extends
	Model     string      `json:"model,omitempty"`
	Watermark string      `json:"watermark,omitempty"`
	Seed      int         `json:"seed,omitempty"`
	Steps     []StoryStep `json:"steps"`
	Status    string      `json:"status"`
	Reason    string      `json:"reason,omitempty"` // why it stopped
	// OverBudget: the user started it past the daily limit, having seen
	// the numbers (story run --over-budget): its steps are not held to it.
	OverBudget bool      `json:"overBudget,omitempty"`
	Events     []Event   `json:"events,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// maxStoryEvents bounds a story's log: a story run for weeks must not grow
// without end.
const maxStoryEvents = 200

// Log records what happened to the story, with its time.
func (st *Story) Log(at time.Time, status, note string) {
	st.Events = append(st.Events, Event{At: at, Status: status, Note: note})
	if n := len(st.Events) - maxStoryEvents; n > 0 {
		st.Events = slices.Delete(st.Events, 0, n)
	}
	st.UpdatedAt = at
}

// NewStoryID returns "s" + 13 base32 characters of the time + 4 random
// ones: ordered by creation like local ids, and never mistaken for one
// (they start with "l"), so a salvage never reads a story as a task.
func (s *Store) NewStoryID() string {
	return "s" + s.NewLocalID()[1:]
}

// PutStory inserts or replaces a story.
func (s *Store) PutStory(st *Story) error {
	if st == nil || st.ID == "" {
		return errors.New("store: PutStory needs a story with an id")
	}
	now := s.now()
	if st.CreatedAt.IsZero() {
		st.CreatedAt = now
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = now
	}
	return s.update(func(tx *bolt.Tx) error { return putStoryTx(tx, st) })
}

// GetStory finds a story by its id or by a prefix of it that only one
// story has (at least 4 characters), as git does with commits.
func (s *Store) GetStory(id string) (*Story, error) {
	var st *Story
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		st, err = findStoryTx(tx, id)
		return err
	})
	return st, err
}

// Stories returns every story, newest first. Stories are few (each is a
// plan a person wrote), so they are read whole.
func (s *Store) Stories() ([]Story, error) {
	var out []Story
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bStories))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			st, err := decodeStory(v)
			if err != nil {
				return nil // a damaged record: 'veox doctor' reports the file
			}
			out = append(out, *st)
			return nil
		})
	})
	slices.Reverse(out)
	return out, err
}

// UpdateStory reads a story, lets fn change it and writes it back in one
// write transaction. fn must not block. An error from fn writes nothing.
func (s *Store) UpdateStory(id string, fn func(*Story) error) (*Story, error) {
	var st *Story
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if st, err = findStoryTx(tx, id); err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		st.UpdatedAt = s.now()
		return putStoryTx(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// DeleteStory removes a story (its tasks stay in the history).
func (s *Store) DeleteStory(id string) error {
	return s.update(func(tx *bolt.Tx) error {
		st, err := findStoryTx(tx, id)
		if err != nil {
			return err
		}
		return tx.Bucket([]byte(bStories)).Delete([]byte(st.ID))
	})
}

// ClaimStoryStep records t, the intent of step's create, and makes it the
// step's task, in one write transaction: check sees the story as it is
// under the write lock and refuses (with ErrStepTaken or its own error)
// when the step may not be sent, e.g. because another veox claimed it a
// moment ago. Then either both are written or neither is.
func (s *Store) ClaimStoryStep(storyID string, step int, t *Task, check func(*Story) error) (*Story, error) {
	if t == nil || t.LocalID == "" {
		return nil, errors.New("store: ClaimStoryStep needs a task with a LocalID")
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	now := s.now()
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = now
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	truncTimes(t)
	var st *Story
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if st, err = findStoryTx(tx, storyID); err != nil {
			return err
		}
		if step < 0 || step >= len(st.Steps) {
			return fmt.Errorf("%w: story %s has no step %d", ErrStepTaken, st.ID, step+1)
		}
		if st.Steps[step].LocalID != "" {
			return fmt.Errorf("%w: step %d of story %s is task %s", ErrStepTaken, step+1, st.ID, st.Steps[step].LocalID)
		}
		if err := check(st); err != nil {
			return err
		}
		if old, _ := loadTx(tx, t.LocalID); old != nil {
			return fmt.Errorf("store: task %s already exists", t.LocalID)
		}
		st.Steps[step].LocalID = t.LocalID
		st.UpdatedAt = now
		if err := putStoryTx(tx, st); err != nil {
			return err
		}
		return writeTx(tx, nil, t)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func putStoryTx(tx *bolt.Tx, st *Story) error {
	b, err := tx.CreateBucketIfNotExists([]byte(bStories))
	if err != nil {
		return err
	}
	st.CreatedAt, st.UpdatedAt = fromMS(ms(st.CreatedAt)), fromMS(ms(st.UpdatedAt))
	for i := range st.Events {
		st.Events[i].At = fromMS(ms(st.Events[i].At))
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return b.Put([]byte(st.ID), data)
}

// findStoryTx resolves an id or a unique prefix of one.
func findStoryTx(tx *bolt.Tx, id string) (*Story, error) {
	id = strings.TrimSpace(id)
	b := tx.Bucket([]byte(bStories))
	if id == "" || b == nil {
		return nil, fmt.Errorf("%w: %q", ErrStoryNotFound, id)
	}
	if v := b.Get([]byte(id)); v != nil {
		return decodeStory(v)
	}
	if len(id) < 4 {
		return nil, fmt.Errorf("%w: %q (give at least 4 characters of its id)", ErrStoryNotFound, id)
	}
	var found []byte
	c := b.Cursor()
	prefix := []byte(id)
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), id); k, v = c.Next() {
		if found != nil {
			return nil, fmt.Errorf("%w: %q names more than one story; give more of its id", ErrStoryNotFound, id)
		}
		found = v
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %q", ErrStoryNotFound, id)
	}
	return decodeStory(found)
}

// decodeStory copies the record out of the transaction's memory.
func decodeStory(v []byte) (*Story, error) {
	var st Story
	if err := json.Unmarshal(v, &st); err != nil {
		return nil, fmt.Errorf("%w: a story record does not decode: %v", ErrCorrupt, err)
	}
	return &st, nil
}

// SetKept marks child (a local id) as the kept line among the tasks made
// from the service task parent: where a chain has branches, the chain line
// follows the kept one. An empty child clears the mark.
func (s *Store) SetKept(parent, child string) error {
	if parent == "" {
		return errors.New("store: SetKept needs the parent's task id")
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bKept))
		if err != nil {
			return err
		}
		if child == "" {
			return b.Delete([]byte(parent))
		}
		return b.Put([]byte(parent), []byte(child))
	})
}

// Kept returns every kept mark: parent service task id -> child local id.
func (s *Store) Kept() (map[string]string, error) {
	var out map[string]string
	err := s.view(func(tx *bolt.Tx) error {
		out = keptTx(tx)
		return nil
	})
	return out, err
}

func keptTx(tx *bolt.Tx) map[string]string {
	out := map[string]string{}
	if b := tx.Bucket([]byte(bKept)); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	}
	return out
}

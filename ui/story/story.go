// Package story is the Stories screen: the list of stories, one story's
// view (each step's state, length, cost, a spinner while it runs), the
// editor that plans or changes the steps (one at a time, or the whole
// list in $EDITOR) and the one review that covers the whole story. The
// screen never sends anything: starting and stopping are requests the
// root carries out (it owns the poller and drives running stories).
package story

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// Deps wire the screen.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
	Ctx     context.Context
	Tick    timer.Func // the spinner's frames; nil = tea.Tick
}

type mode int

const (
	modeList    mode = iota // every story
	modeView                // one story
	modeReview              // the review of the story in view: y starts it
	modeEdit                // the editor's list of steps
	modeStep                // one step in the text area
	modeDiscard             // "leave the editor and lose the changes?"
)

// Model is the Stories screen.
type Model struct {
	deps Deps
	keys keyMap
	mode mode
	// inList: the screen was opened on the list, so esc from a story
	// goes back to it rather than out.
	inList bool

	stories []*tasks.StoryView // the list
	cursor  int                // the story (list) or the step (view, editor)
	offset  int                // first row shown

	view *tasks.StoryView // the story in view or in the editor (nil for a new one)
	err  string           // the last problem, shown until the next action

	ed editor

	review    *tasks.StoryReview
	reviewGen int // drops a review that answers late

	frame    int
	spinning bool

	width, height int
}

// editor is the state of the story editor.
type editor struct {
	source  *store.Task       // the video a new story starts from
	srcSecs int               // its length, read once (0 = not known)
	fixed   []tasks.StepView  // steps that can no longer change (sent and made, or on their way)
	steps   []store.StoryStep // the steps being written
	model   string            // a new story's default model
	dirty   bool              // changed since opened or saved
	area    textarea.Model    // the step being written (modeStep)
	at      int               // the step in the area; len(steps) adds one
	gen     int               // $EDITOR's round trips: a late answer is dropped
	saving  bool
}

// NewList opens the screen on the list of stories.
func NewList(d Deps) Model {
	m := newModel(d)
	m.mode, m.inList = modeList, true
	return m
}

// NewView opens the screen on one story.
func NewView(d Deps, id string) Model {
	m := newModel(d)
	m.mode = modeView
	m.view = &tasks.StoryView{Story: store.Story{ID: id}}
	return m
}

// NewPlan opens the editor for a new story from source, with one empty
// step being written.
func NewPlan(d Deps, source *store.Task) Model {
	m := newModel(d)
	m.ed.source, m.ed.model = source, "fast"
	m.mode = modeEdit
	m, _ = m.editStep(0, store.StoryStep{})
	return m
}

func newModel(d Deps) Model {
	return Model{deps: d, keys: newKeys(), ed: editor{area: newArea(d.Styles)}}
}

// Init loads what the screen shows.
func (m Model) Init() tea.Cmd {
	switch {
	case m.mode == modeList:
		return loadList(m.deps.Service)
	case m.view != nil:
		return loadStory(m.deps.Service, m.view.Story.ID)
	case m.ed.source != nil:
		return tea.Batch(m.ed.area.Focus(), sourceSeconds(m.deps.Service, *m.ed.source))
	}
	return nil
}

// SetSize fits the screen.
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	m.ed.area.SetWidth(max(20, w-4))
	m.ed.area.SetHeight(max(3, min(8, h/3)))
	return m.clamp()
}

// Typing: the step's text area has focus, so runes are text.
func (m Model) Typing() bool { return m.mode == modeStep }

// Capturing: the screen takes every key (the text area, or a question
// whose esc is its own).
func (m Model) Capturing() bool {
	return m.mode == modeStep || m.mode == modeDiscard || m.mode == modeReview
}

// Busy reports whether leaving would lose typed work.
func (m Model) Busy() bool { return m.ed.saving }

// StoryID is the story in view, "" on the list or for a new story.
func (m Model) StoryID() string {
	if m.view == nil || m.mode == modeList {
		return ""
	}
	return m.view.Story.ID
}

// KeyMap is the help of the screen's current mode.
func (m Model) KeyMap() help.KeyMap { return m.keys.help(m) }

package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/story"
	"github.com/veox/veox/ui/timer"
	"github.com/veox/veox/ui/tree"
)

// Stories run unattended while the TUI is open: the root drives every
// running story (tasks.Drive) when veox starts, when a story starts, and
// whenever a task ends, and follows each step's task with the poller. A
// drive may send a create, so quitting during one asks first, as for any
// create in flight. Another veox may drive the same story: a step is
// claimed in the transaction that records its intent, so it is sent once.

// storyRuns is what the root knows of the drives under way. A pointer:
// Bubble Tea keeps only the latest copy of the model.
type storyRuns struct {
	driving map[string]bool // a Drive of this story is in flight
	again   map[string]bool // drive it once more when that one is back
}

// storyScreens holds the story and tree screens behind a pointer: they
// are large, and the root model is copied at every message.
type storyScreens struct {
	story    story.Model
	hasStory bool
	tree     tree.Model
	hasTree  bool
}

func newStoryRuns() *storyRuns {
	return &storyRuns{driving: map[string]bool{}, again: map[string]bool{}}
}

// busyRetry is how soon a story is looked at again when another veox is
// sending its step, or a drive failed for a reason that may pass.
const (
	busyRetry  = 5 * time.Second
	errorRetry = 30 * time.Second
)

type (
	// runningStoriesMsg lists the stories to drive.
	runningStoriesMsg struct {
		ids []string
		err error
	}
	// drivenMsg is one drive's outcome.
	drivenMsg struct {
		id  string
		d   *tasks.Drive
		err error
	}
	// storyRetryMsg drives a story again after a pause.
	storyRetryMsg struct{ id string }
	// storyActionMsg is the outcome of starting or stopping a story.
	storyActionMsg struct {
		what string
		view *tasks.StoryView
		err  error
	}
)

func runningStoriesCmd(svc *tasks.Service) tea.Cmd {
	return func() tea.Msg {
		all, err := svc.Store().Stories()
		var ids []string
		for _, st := range all {
			if st.Status == store.StoryRunning {
				ids = append(ids, st.ID)
			}
		}
		return runningStoriesMsg{ids, err}
	}
}

// driveCmd sends a step when one is due; no timeout of ours may cut a
// create short (the client bounds it), since a cut create becomes unknown.
func driveCmd(ctx context.Context, svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		d, err := svc.Drive(ctx, id)
		return drivenMsg{id, d, err}
	}
}

func startStoryCmd(svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		v, err := svc.StartStory(id)
		return storyActionMsg{"start", v, err}
	}
}

func stopStoryCmd(svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		v, err := svc.StopStory(id, "stopped by the user")
		return storyActionMsg{"stop", v, err}
	}
}

func (m Model) storyDeps() story.Deps {
	return story.Deps{Service: m.o.Service, Styles: m.o.Styles, Now: m.o.Now, Ctx: m.ctx, Tick: m.o.Tick}
}

// onStoryRequest opens the story and tree screens and starts and stops
// stories.
func (m Model) onStoryRequest(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case request.ShowTree:
		for m.onStack(scrTree) && m.top() != scrTree {
			m.pop()
		}
		m.sc.tree, m.sc.hasTree = tree.New(tree.Deps{Service: m.o.Service, Styles: m.o.Styles, Now: m.o.Now}, msg.ID).
			SetSize(m.width, m.bodyHeight()), true
		m.push(scrTree)
		return m, m.sc.tree.Init(), true
	case request.ShowStories:
		return m.openStory(story.NewList(m.storyDeps()))
	case request.OpenStory:
		return m.openStory(story.NewView(m.storyDeps(), msg.ID))
	case request.PlanStory, request.StartStory, request.StopStory:
		if m.o.ReadOnly {
			m2, cmd := m.flash(tasks.ErrReadOnly.Error(), true)
			return m2, cmd, true
		}
	default:
		return m, nil, false
	}
	switch msg := msg.(type) {
	case request.PlanStory:
		return m.openStory(story.NewPlan(m.storyDeps(), msg.Source))
	case request.StartStory:
		return m, startStoryCmd(m.o.Service, msg.ID), true
	case request.StopStory:
		return m, stopStoryCmd(m.o.Service, msg.ID), true
	}
	return m, nil, false
}

// openStory shows the story screen, replacing one open already (its
// editor's unsaved steps go; the editor asks before leaving any other way).
func (m Model) openStory(s story.Model) (Model, tea.Cmd, bool) {
	for m.onStack(scrStory) && m.top() != scrTasks {
		m.pop()
	}
	m.sc.story, m.sc.hasStory = s.SetSize(m.width, m.bodyHeight()), true
	m.push(scrStory)
	return m, m.sc.story.Init(), true
}

// onStoryResult applies the runner's results.
func (m Model) onStoryResult(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case runningStoriesMsg:
		if msg.err != nil {
			m2, cmd := m.flash("cannot read the stories: "+errText(msg.err), true)
			return m2, cmd, true
		}
		var cmds []tea.Cmd
		for _, id := range msg.ids {
			var c tea.Cmd
			m, c = m.driveStory(id)
			cmds = append(cmds, c)
		}
		return m, tea.Batch(cmds...), true
	case storyRetryMsg:
		m2, cmd := m.driveStory(msg.id)
		return m2, cmd, true
	case drivenMsg:
		m2, cmd := m.onDriven(msg)
		return m2, cmd, true
	case storyActionMsg:
		m2, cmd := m.onStoryAction(msg)
		return m2, cmd, true
	}
	return m, nil, false
}

// driveStory drives a story unless a drive of it is under way, in which
// case it is driven once more after that one.
func (m Model) driveStory(id string) (Model, tea.Cmd) {
	if m.runs.driving[id] {
		m.runs.again[id] = true
		return m, nil
	}
	m.runs.driving[id] = true
	return m, driveCmd(m.ctx, m.o.Service, id)
}

func (m Model) onDriven(msg drivenMsg) (Model, tea.Cmd) {
	delete(m.runs.driving, msg.id)
	var cmds []tea.Cmd
	if m.runs.again[msg.id] {
		delete(m.runs.again, msg.id)
		var c tea.Cmd
		m, c = m.driveStory(msg.id)
		cmds = append(cmds, c)
	}
	if msg.err != nil {
		m.o.logger().Warn("story: could not go on", "story", msg.id, "err", msg.err)
		m2, c := m.flash(fmt.Sprintf("story %s could not go on: %s (trying again in %s)", msg.id, errText(msg.err), format.Rough(errorRetry)), true)
		retry := timer.After(m.o.Tick, errorRetry, func(time.Time) tea.Msg { return storyRetryMsg{msg.id} })
		return m2, tea.Batch(append(cmds, c, retry)...)
	}
	d := msg.d
	m, c := m.storyChanged(d.View)
	cmds = append(cmds, c)
	m, c = m.downloadSteps(d.View)
	cmds = append(cmds, c)
	if d.Task != nil {
		m, c = m.changed(request.TaskChanged{Task: *d.Task})
		cmds = append(cmds, c)
	}
	var text string
	isErr := false
	switch d.Action {
	case tasks.DriveSent:
		text = fmt.Sprintf("story %s: step %d of %d sent; %s is running", d.View.Story.ID, d.View.Next+1, len(d.View.Steps), format.Short(format.ID(d.Task)))
		cmds = append(cmds, m.poller.Watch(d.Task), creditsCmd(m.ctx, m.o.Service))
		m.bar.Running = m.poller.Running()
	case tasks.DriveWaiting:
		cmds = append(cmds, m.poller.Watch(d.Task))
		m.bar.Running = m.poller.Running()
	case tasks.DriveBusy:
		cmds = append(cmds, timer.After(m.o.Tick, busyRetry, func(time.Time) tea.Msg { return storyRetryMsg{msg.id} }))
	case tasks.DriveStopped:
		text, isErr = fmt.Sprintf("story %s stopped: %s", d.View.Story.ID, api.Sanitize(d.View.Story.Reason)), true
		if m.o.Settings.Bell {
			cmds = append(cmds, bellCmd(m.out))
		}
	case tasks.DriveDone:
		text = fmt.Sprintf("story %s is done: %d steps, %d s", d.View.Story.ID, len(d.View.Steps), d.View.FinalSeconds)
		if m.o.Settings.Bell {
			cmds = append(cmds, bellCmd(m.out))
		}
	}
	if text != "" {
		m2, c := m.flash(text, isErr)
		m, cmds = m2, append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

// downloadSteps fetches every step's whole video that is not on disk yet:
// a story's videos are downloaded whatever the auto-download setting.
func (m Model) downloadSteps(v *tasks.StoryView) (Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, s := range v.Steps {
		if s.Task == nil || !tasks.NeedsDownload(s.Task) {
			continue
		}
		var c tea.Cmd
		if m.downloads, c, _ = m.downloads.Start(s.Task.LocalID, false); c != nil {
			cmds = append(cmds, c)
		}
	}
	m.bar.Downloading = m.downloads.Active()
	return m, tea.Batch(cmds...)
}

func (m Model) onStoryAction(msg storyActionMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m.flash("could not "+msg.what+" the story: "+errText(msg.err), true)
	}
	m, c := m.storyChanged(msg.view)
	cmds := []tea.Cmd{c}
	text := "story " + msg.view.Story.ID + " stopped: nothing more is sent; the step on its way goes on (r runs the story on)"
	if msg.what == "start" {
		text = fmt.Sprintf("story %s runs: each step is sent when the one before succeeds", msg.view.Story.ID)
		var d tea.Cmd
		m, d = m.driveStory(msg.view.Story.ID)
		cmds = append(cmds, d)
	}
	m2, f := m.flash(text, false)
	return m2, tea.Batch(append(cmds, f)...)
}

// storyChanged hands a story's new state to the story screen.
func (m Model) storyChanged(v *tasks.StoryView) (Model, tea.Cmd) {
	if !m.sc.hasStory || v == nil {
		return m, nil
	}
	var cmd tea.Cmd
	m.sc.story, cmd = m.sc.story.Update(request.StoryChanged{View: v})
	return m, cmd
}

// storyBusy: a drive (which may be sending a create) is in flight.
func (m Model) storyBusy() bool {
	return len(m.runs.driving) > 0 || (m.sc.hasStory && m.sc.story.Busy())
}

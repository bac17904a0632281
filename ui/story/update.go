package story

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/input"
	"github.com/veox/veox/ui/request"
	"github.com/veox/veox/ui/timer"
)

// Results of the screen's own commands.
type (
	listMsg struct {
		stories []*tasks.StoryView
		err     error
	}
	storyMsg struct {
		id   string
		view *tasks.StoryView
		err  error
	}
	reviewMsg struct {
		gen int
		rev *tasks.StoryReview
		err error
	}
	savedMsg struct {
		view *tasks.StoryView
		err  error
	}
	spinMsg    struct{}
	secondsMsg struct{ secs int }
)

// sourceSeconds reads how long the new story's source is (its chain).
func sourceSeconds(svc *tasks.Service, src store.Task) tea.Cmd {
	return func() tea.Msg { return secondsMsg{svc.VideoSeconds(&src)} }
}

func loadList(svc *tasks.Service) tea.Cmd {
	return func() tea.Msg {
		vs, err := svc.Stories()
		return listMsg{vs, err}
	}
}

func loadStory(svc *tasks.Service, id string) tea.Cmd {
	return func() tea.Msg {
		v, err := svc.LoadStory(id)
		return storyMsg{id, v, err}
	}
}

// reviewCmd reads the balance and asks about the source: reads only.
func reviewCmd(ctx context.Context, svc *tasks.Service, gen int, id string) tea.Cmd {
	return func() tea.Msg {
		rev, err := svc.ReviewStory(ctx, id)
		return reviewMsg{gen, rev, err}
	}
}

// saveCmd records the plan (a new story) or the edited steps: the history
// changes, nothing is sent.
func saveCmd(ctx context.Context, svc *tasks.Service, ed editor, id string) tea.Cmd {
	steps := append([]store.StoryStep(nil), ed.steps...)
	src, model := ed.source, ed.model
	return func() tea.Msg {
		if src != nil {
			v, err := svc.PlanStory(ctx, tasks.StoryInput{Source: src.TaskID, Model: model, Steps: steps})
			return savedMsg{v, err}
		}
		v, err := svc.EditSteps(id, steps)
		return savedMsg{v, err}
	}
}

// Update handles keys (the root sends only the top screen's) and every
// result (even while hidden).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.onKey(msg)
	case listMsg:
		if msg.err != nil {
			m.err = msg.err.Error()
			return m, nil
		}
		m.stories = msg.stories
		spin := m.spin() // before clamp copies m
		return m.clamp(), spin
	case storyMsg:
		return m.onStory(msg)
	case request.StoryChanged:
		return m.onStory(storyMsg{id: msg.View.Story.ID, view: msg.View})
	case request.TaskChanged:
		return m, m.reloadFor(msg.Task.LocalID)
	case secondsMsg:
		m.ed.srcSecs = msg.secs
		return m, nil
	case reviewMsg:
		return m.onReview(msg)
	case savedMsg:
		return m.onSaved(msg)
	case editorReadyMsg:
		return m.onEditorReady(msg)
	case editorDoneMsg:
		return m.onEditorDone(msg)
	case spinMsg:
		if !m.anyRunning() {
			m.spinning = false
			return m, nil
		}
		m.frame = (m.frame + 1) % len(spinner.MiniDot.Frames)
		return m, m.nextFrame()
	}
	if m.mode == modeStep {
		var cmd tea.Cmd
		m.ed.area, cmd = m.ed.area.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) onStory(msg storyMsg) (Model, tea.Cmd) {
	switch {
	case m.mode == modeList:
		if msg.err == nil {
			for i, v := range m.stories {
				if v.Story.ID == msg.id {
					m.stories[i] = msg.view
				}
			}
		}
		spin := m.spin()
		return m, spin
	case m.view == nil || msg.id != m.view.Story.ID:
		return m, nil
	case msg.err != nil:
		m.err = msg.err.Error()
		return m, nil
	}
	// The cursor follows the step in hand while it is on it (or at the
	// top, as the view opens); moved elsewhere, it stays where the user put it.
	follow := m.cursor == 0 || (m.view != nil && m.cursor == m.view.Next)
	m.view = msg.view
	if m.mode == modeView && follow && msg.view.Next > 0 {
		m.cursor = min(msg.view.Next, len(msg.view.Steps)-1)
	}
	spin := m.spin() // before clamp copies m
	return m.clamp(), spin
}

// reloadFor reads the story again when a task of it changed.
func (m Model) reloadFor(localID string) tea.Cmd {
	if m.mode == modeList {
		for _, v := range m.stories {
			if hasTask(v, localID) {
				return loadStory(m.deps.Service, v.Story.ID)
			}
		}
		return nil
	}
	if m.view != nil && hasTask(m.view, localID) {
		return loadStory(m.deps.Service, m.view.Story.ID)
	}
	return nil
}

func hasTask(v *tasks.StoryView, localID string) bool {
	for _, s := range v.Story.Steps {
		if s.LocalID == localID {
			return true
		}
	}
	return false
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch m.mode {
	case modeStep:
		return m.onStepKey(msg)
	case modeDiscard:
		switch {
		case key.Matches(msg, m.keys.Submit):
			return m.leaveEditor()
		case key.Matches(msg, m.keys.Deny):
			m.mode = modeEdit
		}
		return m, nil
	case modeReview:
		return m.onReviewKey(msg)
	case modeEdit:
		return m.onEditKey(msg)
	case modeList:
		return m.onListKey(msg)
	}
	return m.onViewKey(msg)
}

func (m Model) onListKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.Open) && len(m.stories) > 0:
		m.clampCursor(len(m.stories))
		m.view, m.mode, m.cursor, m.offset = m.stories[m.cursor], modeView, 0, 0
		return m, loadStory(m.deps.Service, m.view.Story.ID)
	case key.Matches(msg, m.keys.Back):
		return m, request.Cmd(request.Back{})
	}
	return m.clamp(), nil
}

func (m Model) onViewKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	v := m.view
	m.err = ""
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.Back):
		if m.inList {
			m.mode, m.cursor, m.offset = modeList, 0, 0
			return m, loadList(m.deps.Service)
		}
		return m, request.Cmd(request.Back{})
	case v == nil || len(v.Steps) == 0:
	case key.Matches(msg, m.keys.Run) && (v.Story.Status == store.StoryPlanned || v.Story.Status == store.StoryStopped):
		m.mode, m.review = modeReview, nil
		m.reviewGen++
		return m, reviewCmd(m.deps.Ctx, m.deps.Service, m.reviewGen, v.Story.ID)
	case key.Matches(msg, m.keys.Stop) && v.Story.Status == store.StoryRunning:
		return m, request.Cmd(request.StopStory{ID: v.Story.ID})
	case key.Matches(msg, m.keys.Edit):
		return m.openEditor()
	case key.Matches(msg, m.keys.Tree):
		return m, request.Cmd(request.ShowTree{ID: v.Story.Source})
	case key.Matches(msg, m.keys.OpenTask):
		m.clampCursor(len(v.Steps))
		if t := v.Steps[m.cursor].Task; t != nil {
			return m, request.Cmd(request.OpenDetails{ID: t.LocalID})
		}
		m.err = "this step has not been sent yet: there is no task to open"
	}
	return m.clamp(), nil
}

func (m Model) onReviewKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Confirm) && m.review != nil && m.review.CanStart():
		m.mode = modeView
		return m, request.Cmd(request.StartStory{ID: m.review.View.Story.ID})
	case key.Matches(msg, m.keys.Deny):
		m.mode, m.review = modeView, nil
		m.reviewGen++ // a review still on its way is not wanted any more
	}
	return m, nil
}

func (m Model) onReview(msg reviewMsg) (Model, tea.Cmd) {
	if msg.gen != m.reviewGen || m.mode != modeReview {
		return m, nil
	}
	if msg.err != nil {
		m.mode, m.err = modeView, "cannot review the story: "+msg.err.Error()
		return m, nil
	}
	m.review, m.view = msg.rev, msg.rev.View
	return m, nil
}

func (m Model) onSaved(msg savedMsg) (Model, tea.Cmd) {
	m.ed.saving = false
	if msg.err != nil {
		m.err = "not saved: " + msg.err.Error()
		return m, nil
	}
	m.ed.dirty, m.ed.source = false, nil
	m.view, m.mode, m.cursor, m.offset, m.err = msg.view, modeReview, 0, 0, ""
	m.review = nil
	m.reviewGen++
	return m, tea.Batch(reviewCmd(m.deps.Ctx, m.deps.Service, m.reviewGen, msg.view.Story.ID),
		request.Cmd(request.Flash{Text: "story " + msg.view.Story.ID + " saved; nothing was sent. Review it: y runs it"}))
}

// anyRunning decides whether the spinner turns: no timer fires when idle.
func (m Model) anyRunning() bool {
	vs := m.stories
	if m.mode != modeList && m.view != nil {
		vs = []*tasks.StoryView{m.view}
	}
	for _, v := range vs {
		for _, s := range v.Steps {
			if s.Running() {
				return true
			}
		}
	}
	return false
}

func (m *Model) spin() tea.Cmd {
	if m.spinning || !m.anyRunning() {
		return nil
	}
	m.spinning = true
	return m.nextFrame()
}

func (m Model) nextFrame() tea.Cmd {
	return timer.After(m.deps.Tick, spinner.MiniDot.FPS, func(time.Time) tea.Msg { return spinMsg{} })
}

// clamp keeps the cursor on a row and the row on screen.
func (m Model) clamp() Model {
	n := len(m.stories)
	if m.mode != modeList {
		n = 0
		if m.view != nil {
			n = len(m.view.Steps)
		}
		if m.mode == modeEdit || m.mode == modeStep {
			n = len(m.ed.fixed) + len(m.ed.steps)
		}
	}
	m.clampCursor(n)
	rows := m.rowsShown()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, max(0, n-rows)))
	return m
}

func (m *Model) clampCursor(n int) {
	m.cursor = max(0, min(m.cursor, n-1))
}

// onStepKey: while the area has focus every key is typed, except the two
// that leave it.
func (m Model) onStepKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case input.IsText(msg):
		msg = input.AsText(msg)
	case key.Matches(msg, m.keys.Keep):
		return m.keepStep()
	case key.Matches(msg, m.keys.Cancel):
		m.ed.area.Blur()
		m.mode = modeEdit
		if m.ed.source != nil && len(m.ed.steps) == 0 {
			return m.leaveEditor() // a new story with nothing written: nothing to keep
		}
		return m.clamp(), nil
	}
	var cmd tea.Cmd
	m.ed.area, cmd = m.ed.area.Update(msg)
	return m, cmd
}

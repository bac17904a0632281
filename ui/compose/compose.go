// Package compose is the prompt composer: the form that extends a finished
// video or generates a new one, with a confirm step before any money is
// spent. It talks to the service only through tasks.Service, in commands.
package compose

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/theme"
	"github.com/veox/veox/ui/timer"
)

// Deps is what the composer needs from main.
type Deps struct {
	Service *tasks.Service
	Styles  theme.Styles
	Now     func() time.Time
	Tick    timer.Func // starts the sending spinner's frames; nil = tea.Tick
}

// SubmittedMsg is emitted once Service.Extend/Generate returned a task:
// accepted (running), refused (failed, Err set) or unknown
// (errors.Is(Err, tasks.ErrUnknownOutcome)). Validation and source problems
// create no task and stay on the form instead.
type SubmittedMsg struct {
	Task *store.Task
	Err  error
}

// CancelledMsg is emitted when the user leaves the form with esc. Draft is
// what the form held, for the root to keep and hand back the next time
// this form opens; nil when there is nothing worth keeping.
type CancelledMsg struct{ Draft *Draft }

// Prefill fills the form for "run again". Seed 0 leaves the seed empty
// (random). The generate-only fields are ignored by an extend form.
type Prefill struct {
	Prompt, Watermark, Model, CallbackURL string
	Seed                                  int
	Type                                  string   // text | frames | reference, or the service's names
	ImageURLs                             []string // generate
	Aspect, Resolution                    string   // generate
	Duration                              int      // generate; 0 = leave the default
}

// PrefillFrom copies a task's request for "run again with a new seed": the
// seed is left empty so the service rolls a new one.
func PrefillFrom(t *store.Task) Prefill {
	r := t.Request
	return Prefill{Prompt: r.Prompt, Watermark: r.Watermark, Model: r.Model, CallbackURL: r.CallbackURL,
		Type: tasks.TypeName(r.GenerationType), ImageURLs: r.ImageURLs, Aspect: r.AspectRatio,
		Resolution: r.Resolution, Duration: r.Duration}
}

type mode int

const (
	modeExtend mode = iota
	modeGenerate
)

type stage int

const (
	stageForm    stage = iota
	stageConfirm       // the summary of what will be sent; y/enter spends
	stageSending       // the create is in flight: no key of ours acts
	stageDone          // a task came back and SubmittedMsg went out
)

// Model is the composer. It is a value: Update returns the next one.
type Model struct {
	d     Deps
	keys  keyMap
	mode  mode
	inst  uint64 // tags this composer's results so another one's are dropped
	stage stage

	fields   []field
	focus    int
	errs     map[fieldID]string // from the last validation; a field's goes when it is edited
	formErr  string             // a problem that belongs to no field
	formNote string             // news about the form itself (a draft restored)

	width, height int

	src    sourceState // extend only
	picker picker      // extend only, when the source is typed

	bal   balance
	spent today // today's spending, for the review and the daily limit

	pending pending // what the confirm step shows and sends
	frame   int     // of the sending spinner
	sendGen int
	result  *store.Task
	resErr  error

	editorGen int
	recall    recall

	base     Draft     // the values the form opened with: unchanged, no draft is kept
	restored bool      // the form is a kept draft: esc keeps it again
	initCmds []tea.Cmd // work the way the form was filled asks for (Init runs it)
}

func newModel(d Deps, md mode) Model {
	if d.Now == nil {
		d.Now = time.Now
	}
	return Model{d: d, keys: newKeyMap(), mode: md, inst: rand.Uint64(), errs: map[fieldID]string{},
		recall: recall{idx: -1}, width: 80, height: 24}
}

// NewExtend builds the extend form. With a nil source the user types or
// picks a task id.
func NewExtend(d Deps, source *store.Task) Model {
	m := newModel(d, modeExtend)
	s := d.Styles
	if source == nil {
		m.fields = append(m.fields, newLine(s, fSource, "Source", "task id to extend (ctrl+p: pick a finished one)", longLine))
	} else {
		t := *source
		m.src = sourceState{task: &t, fixed: true, checkedID: t.TaskID}
	}
	m.fields = append(m.fields,
		newArea(s, fPrompt, "Prompt", "what happens next: actions, scene, style (English works best)", 3),
		newChoice(fModel, "Model", choice{"fast", "fast"}, choice{"quality", "quality"}, choice{"lite", "lite"}),
		newSeed(s),
		newLine(s, fWatermark, "Watermark", "text burnt into the video (optional)", longLine),
		newLine(s, fCallback, "Callback", "https://… the service POSTs the result there (optional)", longLine),
	)
	m.fields[0].focus()
	if source != nil {
		m = m.WithPrefill(settingsOf(source))
	}
	m.base = m.Draft()
	return m.layout()
}

// NewGenerate builds the form for a new video.
func NewGenerate(d Deps) Model {
	m := newModel(d, modeGenerate)
	s := d.Styles
	m.fields = []field{
		newArea(s, fPrompt, "Prompt", "the scene: subject, action, camera, style (English works best)", 3),
		newChoice(fType, "Type", choice{"text", "text"}, choice{"frames", "first & last frames"}, choice{"reference", "reference"}),
		newArea(s, fImages, "Images", "public image URLs, one per line", 3),
		newChoice(fAspect, "Aspect", plainChoices("16:9", "9:16", "Auto")...),
		newChoice(fResolution, "Resolution", plainChoices("720p", "1080p", "4k")...),
		newChoice(fDuration, "Duration", choice{"8", "8 s"}, choice{"6", "6 s"}, choice{"4", "4 s"}),
		newChoice(fModel, "Model", choice{"veo3_fast", "veo3_fast"}, choice{"veo3", "veo3 (quality)"}, choice{"veo3_lite", "veo3_lite"}),
		newSeed(s),
		newLine(s, fWatermark, "Watermark", "text burnt into the video (optional)", longLine),
		newLine(s, fCallback, "Callback", "https://… the service POSTs the result there (optional)", longLine),
	}
	m.fields[0].focus()
	m.base = m.Draft()
	return m.layout()
}

func newSeed(s theme.Styles) field {
	return newLine(s, fSeed, "Seed", "random", longLine)
}

// longLine is what a single-line field keeps: far beyond what the service
// takes, so pasted text is kept whole and validation says what is wrong
// with it rather than a silent cut losing the end.
const longLine = 4000

// WithPrefill fills the form from an earlier request. Values a choice does
// not offer are left at the default rather than guessed.
func (m Model) WithPrefill(p Prefill) Model {
	m.set(fPrompt, p.Prompt)
	m.set(fWatermark, p.Watermark)
	m.set(fModel, p.Model)
	m.set(fCallback, p.CallbackURL)
	if p.Seed != 0 {
		m.set(fSeed, strconv.Itoa(p.Seed))
	}
	if m.mode == modeGenerate {
		m.set(fType, tasks.TypeName(p.Type))
		m.set(fImages, joinLines(p.ImageURLs))
		m.set(fAspect, p.Aspect)
		m.set(fResolution, p.Resolution)
		if p.Duration != 0 {
			m.set(fDuration, strconv.Itoa(p.Duration))
		}
	}
	m.base = m.Draft()
	return m
}

// Init fetches the balance, and does what filling the form asked for
// (checking a restored source id).
func (m Model) Init() tea.Cmd {
	return tea.Batch(append([]tea.Cmd{m.creditsCmd(true)}, m.initCmds...)...)
}

// spinFrames is the animation shown while a create is in flight.
var spinFrames = spinner.Dot

// spinMsg advances it; inst drops another composer's frames.
type spinMsg struct{ inst uint64 }

func (m Model) nextFrame() tea.Cmd {
	inst := m.inst
	return timer.After(m.d.Tick, spinFrames.FPS, func(time.Time) tea.Msg { return spinMsg{inst} })
}

// SetSize gives the composer its area (the root keeps the status bar and
// the help footer).
func (m Model) SetSize(w, h int) Model {
	m.width, m.height = w, h
	return m.layout()
}

// Capturing is true while a text field has focus: every key must reach the
// composer (q is a letter of the prompt there). The picker and the confirm
// step capture too, so their esc steps back inside the composer instead of
// closing it. While sending nothing is captured: the root's quit guard acts.
func (m Model) Capturing() bool {
	switch m.stage {
	case stageConfirm:
		return true
	case stageForm:
		return m.picker.open || m.focused().isText()
	}
	return false
}

// Typing is true while a text field of the form has focus: its runes are
// text, whatever words they spell.
func (m Model) Typing() bool {
	return m.stage == stageForm && !m.picker.open && m.focused().isText()
}

// Busy reports a create in flight: the root asks before quitting.
func (m Model) Busy() bool { return m.stage == stageSending }

func (m Model) focused() field {
	if m.focus < 0 || m.focus >= len(m.fields) {
		return field{}
	}
	return m.fields[m.focus]
}

func (m Model) index(id fieldID) int {
	for i, f := range m.fields {
		if f.id == id {
			return i
		}
	}
	return -1
}

func (m Model) hasField(id fieldID) bool { return m.index(id) >= 0 }

func (m Model) get(id fieldID) string {
	if i := m.index(id); i >= 0 {
		return m.fields[i].value()
	}
	return ""
}

func (m *Model) set(id fieldID, v string) {
	if i := m.index(id); i >= 0 && v != "" {
		m.fields[i].setValue(v)
	}
}

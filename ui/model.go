package ui

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
	"github.com/veox/veox/ui/again"
	"github.com/veox/veox/ui/compose"
	"github.com/veox/veox/ui/details"
	"github.com/veox/veox/ui/downloads"
	"github.com/veox/veox/ui/ledger"
	"github.com/veox/veox/ui/messages"
	"github.com/veox/veox/ui/place"
	"github.com/veox/veox/ui/poller"
	"github.com/veox/veox/ui/settings"
	"github.com/veox/veox/ui/statusbar"
	"github.com/veox/veox/ui/tasklist"
)

// screen is what the root shows; the stack holds the way back.
type screen int

const (
	scrTasks screen = iota
	scrDetails
	scrDownloads
	scrCompose
	scrHelp
	scrQuit     // "a create is in flight: quit anyway?"
	scrMessages // the status bar's messages, whole
	scrSpending // the ledger: what tasks cost, the balance over time
	scrSettings // key, download folder, auto-download, bell, notifications
	scrStory    // the stories, one story, its editor and review (ui/story)
	scrTree     // a video's lineage tree (ui/tree)
	scrAgain    // the review of r on marked rows (ui/again)
)

// Minimum size: below it only a "too small" note is drawn.
const (
	minWidth  = 60
	minHeight = 16
)

// Model is the root: a stack of screens plus what outlives them (the
// poller, the downloads, the status bar).
type Model struct {
	o    Options
	ctx  context.Context
	out  io.Writer
	keys globalKeys
	help help.Model
	memo *viewMemo // what one frame keeps for the next (view.go)

	stack []screen // never empty: scrTasks at the bottom

	list      tasklist.Model
	details   boxed[details.Model]
	hasDet    bool
	downloads downloads.Model
	spending  ledger.Model
	compose   compose.Model
	composing bool
	// drafts are the forms left with esc, by compose.Model.DraftKey; the
	// map is shared by copies of the model, as Bubble Tea keeps only the
	// latest one.
	drafts map[string]compose.Draft

	again    again.Model // the review of r on marked rows, while scrAgain is on the stack
	msgs     messages.Model
	settings boxed[settings.Model]
	notified bool         // a desktop notification failed once: said once, not at every end
	focus    focus        // whether the terminal has focus, as it reports (notify.go)
	log      messages.Log // every message the bar showed, with its time

	sc   *storyScreens // the story and tree screens (stories.go)
	runs *storyRuns    // the stories being driven (stories.go)

	poller poller.Poller
	bar    statusbar.State
	// errCause names what the bar's error is about ("poll", "balance",
	// "unknown", "download <id>"), so it goes once that is resolved
	// instead of staying until the next news.
	errCause string
	creating int // creates in flight outside the composer (upscale)
	// watch follows the history's changes by any veox (live.go); nil when
	// the program was not started by Run or the folder cannot be watched.
	watch    *store.Watcher
	flashGen int
	// helpOffset is the first line of the help shown, when the help is
	// taller than the screen.
	helpOffset int

	width, height int
}

// New builds the root model (main uses Run; tests drive New directly).
func New(o Options) Model { return newModel(context.Background(), o) }

func newModel(ctx context.Context, o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	out := o.Output
	if out == nil {
		out = os.Stdout
	}
	m := Model{o: o, ctx: ctx, out: out, keys: newGlobalKeys(), help: help.New(), stack: []screen{scrTasks},
		drafts: map[string]compose.Draft{}, runs: newStoryRuns(), sc: &storyScreens{}, memo: newViewMemo()}
	m.help.Styles.ShortKey = o.Styles.HelpKey
	m.help.Styles.ShortDesc = o.Styles.HelpDesc
	m.help.Styles.FullKey = o.Styles.HelpKey
	m.help.Styles.FullDesc = o.Styles.HelpDesc
	m.list = tasklist.New(tasklist.Deps{Service: o.Service, Styles: o.Styles, Now: o.Now, Ctx: ctx, Tick: o.Tick,
		Frames: o.Frames, Painter: o.Painter, Output: out, Opener: o.Opener})
	if p, ok := place.Load(o.Place); ok {
		m.list = m.list.Reopen(p) // where the user left it; nothing is said when there is no place
	}
	m.spending = ledger.New(ledger.Deps{Service: o.Service, Styles: o.Styles, Now: o.Now})
	m.downloads = downloads.New(downloads.Deps{Service: o.Service, Styles: o.Styles, Ctx: ctx, Now: o.Now, Tick: o.Tick})
	m.poller = poller.New(ctx, o.Service, o.Now, o.Tick)
	m.msgs = messages.New(o.Styles, o.Now)
	m.bar = statusbar.State{Demo: o.Demo, ReadOnly: o.ReadOnly}
	return m
}

// Init recovers interrupted creates first (the list then shows them as
// they now are), picks up what runs, and asks for the balance.
func (m Model) Init() tea.Cmd {
	return tea.Batch(recoverCmd(m.o.Service), creditsCmd(m.ctx, m.o.Service), m.o.Callbacks.Listen(),
		runningStoriesCmd(m.o.Service), nextChange(m.watch, m.o.Service.Store()))
}

func (m Model) top() screen { return m.stack[len(m.stack)-1] }

func (m *Model) push(s screen) {
	if m.top() != s {
		m.stack = append(m.stack, s)
	}
}

// pop leaves the top screen; the Tasks screen is never popped.
func (m *Model) pop() {
	if len(m.stack) > 1 {
		if m.top() == scrCompose {
			m.composing = false
		}
		m.stack = m.stack[:len(m.stack)-1]
	}
	if !m.onStack(scrDetails) {
		m.hasDet = false
	}
	m.sc.hasStory = m.sc.hasStory && m.onStack(scrStory)
	m.sc.hasTree = m.sc.hasTree && m.onStack(scrTree)
}

func (m Model) onStack(s screen) bool {
	for _, x := range m.stack {
		if x == s {
			return true
		}
	}
	return false
}

// bodyHeight is what a screen gets: all but the footer help and the bar.
func (m Model) bodyHeight() int { return max(1, m.height-2) }

func (m Model) composeDeps() compose.Deps {
	return compose.Deps{Service: m.o.Service, Styles: m.o.Styles, Now: m.o.Now, Tick: m.o.Tick}
}

func (m Model) detailsDeps() details.Deps {
	return details.Deps{Service: m.o.Service, Styles: m.o.Styles, Now: m.o.Now, Ctx: m.ctx, Output: m.out, Opener: m.o.Opener,
		Frames: m.o.Frames, Painter: m.o.Painter}
}

// Package request holds the requests a screen makes of the root model (open
// Details, extend, download, upscale, settle…). Screens never call the
// service to create or change tasks themselves: they return a command that
// yields one of these messages, and the root, which owns the poller, the
// downloads and the modal stack, carries it out. That keeps every
// money-spending action in one place and the screens free of side effects.
// TaskChanged goes the other way: the root's news of a task for the screens.
package request

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/store"
)

// OpenDetails asks for the Details screen of a task (by local id); with
// Upscale it opens on the upscale choice (u on the list).
type OpenDetails struct {
	ID      string
	Upscale bool
}

// DownloadMany asks for the files of several finished tasks (marked rows).
type DownloadMany struct{ IDs []string }

// HideMany is Hide for several entries at once (marked rows).
type HideMany struct{ IDs []string }

// Extend asks for the composer with a source; nil Source lets the user type
// or pick the id. Again, if set, is an earlier task whose request fills the
// form ("run again with a new seed").
type Extend struct{ Source, Again *store.Task }

// Generate asks for the composer for a new video, filled from Again if set.
type Generate struct{ Again *store.Task }

// Download asks for the files of a finished task, again if Force.
type Download struct {
	ID    string
	Force bool
}

// Upscale asks the service for a 1080p or 4K version (the user confirmed
// the cost on the Details screen).
type Upscale struct{ ID, To string }

// Settle attaches the service id the user found to an unknown create.
type Settle struct {
	ID, TaskID string
	Force      bool // attach it though the service did not confirm it
}

// Dismiss marks an unknown create as never having gone through.
type Dismiss struct{ ID string }

// Hide removes the entry of a create that never existed upstream (refused
// or dismissed) from the history.
type Hide struct{ ID string }

// Back pops the top screen.
type Back struct{}

// ShowDownloads opens the Downloads screen.
type ShowDownloads struct{}

// ShowSpending opens the Spending screen (the ledger).
type ShowSpending struct{}

// Flash shows a short message in the status bar (an error if Err).
type Flash struct {
	Text string
	Err  bool
}

// TaskChanged tells every screen a task changed (poll, create, settle), so
// lists patch the row in place instead of reloading the history.
type TaskChanged struct{ Task store.Task }

// Cmd wraps a message in a command; screens use it to hand requests up.
func Cmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// AgainMany asks for one review that runs several tasks again with new
// seeds (r on marked rows).
type AgainMany struct{ Tasks []store.Task }

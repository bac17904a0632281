package downloads

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/veox/veox/api/download"
	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// startedMsg says a file of a task began downloading; it carries the
// Progress the downloader writes, so the model (not the goroutine) stores
// the pointer. ch is the stream of the run, read one message at a time.
type startedMsg struct {
	id    string
	label string // the id a person recognises (format.ID)
	index int
	name  string
	p     *download.Progress
	ch    <-chan tea.Msg
}

// doneMsg ends a run: the task as recorded, what became of each file, and
// the error, if any.
type doneMsg struct {
	id    string
	task  *store.Task
	files []tasks.Fetched
	err   error
}

// tickMsg is the ~10 Hz refresh of the progress bars while files arrive.
type tickMsg struct{ gen int }

// run downloads a task's files. The work happens in a goroutine that only
// sends messages on a channel; the command returns the first one and each
// following message carries the channel, so the model asks for the next.
// Progress arrives once per file (a pointer), never per chunk.
func run(ctx context.Context, svc *tasks.Service, id string, force bool) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 8)
		go runDownload(ctx, svc, id, force, ch)
		return <-ch
	}
}

func runDownload(ctx context.Context, svc *tasks.Service, id string, force bool, ch chan tea.Msg) {
	defer close(ch)
	send := func(m tea.Msg) {
		select {
		case ch <- m:
		case <-ctx.Done():
		}
	}
	defer func() {
		if r := recover(); r != nil {
			send(doneMsg{id: id, err: fmt.Errorf("the download stopped on an internal error: %v", r)})
		}
	}()
	t, files, err := svc.DownloadFiles(ctx, id, force, func(t *store.Task, i int, p *download.Progress) {
		send(startedMsg{id: id, label: format.ID(t), index: i, name: t.Request.Prompt, p: p, ch: ch})
	})
	send(doneMsg{id: id, task: t, files: files, err: err})
}

// next reads the run's following message.
func next(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

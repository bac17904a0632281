package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/veox/veox/ui/format"
)

// termLine is the one line on stderr that veox redraws in place, at once
// and then once a second, while it waits: on tasks ('veox wait', --wait,
// downloads) or on a story's steps ('veox story run'). It draws only on a
// terminal; piped, it stays silent. text says what the line reads now ("" draws
// nothing); it is called from the line's own goroutine, so it takes its
// owner's lock.
type termLine struct {
	w     io.Writer
	width func() int
	text  func(now time.Time) string
	quit  chan struct{}
	done  chan struct{}
}

func newTermLine(w io.Writer, text func(time.Time) string) termLine {
	width, ok := terminalWidth(w)
	if !ok {
		return termLine{}
	}
	return termLine{w: w, width: width, text: text}
}

func (l *termLine) live() bool { return l != nil && l.w != nil }

// run starts the redrawing; stop ends it and clears the line.
func (l *termLine) run() {
	if !l.live() {
		return
	}
	l.quit, l.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.done)
		defer func() { _ = recover() }() // a display problem must never stop a wait
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		l.draw()
		for {
			select {
			case <-l.quit:
				l.clear()
				return
			case <-tk.C:
				l.draw()
			}
		}
	}()
}

func (l *termLine) stop() {
	if l.live() && l.quit != nil {
		close(l.quit)
		<-l.done
		l.quit = nil
	}
}

func (l *termLine) clear() {
	if l.live() {
		fmt.Fprint(l.w, "\r\033[K")
	}
}

func (l *termLine) draw() {
	if text := l.text(time.Now()); text != "" {
		fmt.Fprint(l.w, "\r\033[K"+format.Line(text, l.width()-1))
	}
}

// waitContext bounds a wait by --timeout (0: no bound). Its cause,
// errStillRunning, tells a wait the timeout ended from one the user
// stopped.
func waitContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, timeout, errStillRunning)
}

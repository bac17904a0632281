package uitest

import (
	"reflect"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// Pump runs commands the way the program would, but one at a time in the
// caller's goroutine, so a benchmark measures the work itself and a test
// sees exactly what was scheduled. Timers are never run: they are recorded
// in Timers instead, because a timer is what keeps an idle program awake.
type Pump struct {
	Update func(tea.Msg) tea.Cmd
	Timers []string // the function names of the timer commands seen
	Msgs   int      // how many messages reached Update
}

// timerFuncs are the commands that wait on the clock: Bubble Tea's Tick and
// Every, and the text cursor's blink. The compiler names a closure after
// the function it was inlined into too ("ui.clearFlashAfter.Tick.func1"),
// so only the tail is matched.
var timerFuncs = []string{".Tick.func", ".Every.func", ".BlinkCmd.func"}

// Run executes cmd and everything its messages lead to, breadth first.
func (p *Pump) Run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		if name, ok := timerName(c); ok {
			p.Timers = append(p.Timers, name)
			continue
		}
		msg := c()
		if cmds, ok := commands(msg); ok {
			queue = append(queue, cmds...)
			continue
		}
		if msg != nil {
			p.Msgs++
			queue = append(queue, p.Update(msg))
		}
	}
}

// Send delivers one message and runs what follows from it.
func (p *Pump) Send(msg tea.Msg) { p.Run(func() tea.Msg { return msg }) }

// Reset forgets the timers seen so far.
func (p *Pump) Reset() { p.Timers, p.Msgs = nil, 0 }

// commands unpacks a batch or a sequence (whose type Bubble Tea keeps
// private); run here one at a time, both keep their order.
func commands(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}

func timerName(c tea.Cmd) (string, bool) {
	f := runtime.FuncForPC(reflect.ValueOf(c).Pointer())
	if f == nil {
		return "", false
	}
	name := f.Name()
	for _, t := range timerFuncs {
		if strings.Contains(name, t) {
			return name, true
		}
	}
	return "", false
}

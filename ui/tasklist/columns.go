package tasklist

import (
	"strconv"
	"strings"

	"github.com/veox/veox/store"
	"github.com/veox/veox/tasks"
	"github.com/veox/veox/ui/format"
)

// Which columns the list shows is decided by its width, so each earns its
// room: the prompt keeps at least minPrompt columns, and what does not fit
// beside it goes, least telling first. The short id comes early because it
// is what tells two tasks with the same prompt apart; a wide terminal gets
// the age, the video's length and the model rather than a longer prompt.

// Column widths; the prompt takes what is left.
const (
	wMark   = 2
	wStatus = 10
	wKind   = 9
	wID     = 10
	wSeed   = 7
	wTime   = 17
	wAge    = 9
	wLength = 7
	wModel  = 8

	// minPrompt is the prompt's room before any column beside it;
	// roomyPrompt is what it keeps before the wide terminal's extras.
	minPrompt   = 24
	roomyPrompt = 40
)

// layout is the optional columns shown.
type layout struct {
	id, seed, time, age, length, model bool
}

// layout fits the optional columns to the width, in order of worth.
func (m Model) layout() layout {
	var l layout
	left := m.width - wMark - wStatus - wKind
	take := func(on *bool, w, keep int) {
		if left-w >= keep {
			*on, left = true, left-w
		}
	}
	take(&l.time, wTime, minPrompt)
	take(&l.id, wID, minPrompt)
	take(&l.seed, wSeed, minPrompt)
	take(&l.age, wAge, roomyPrompt)
	take(&l.length, wLength, roomyPrompt)
	take(&l.model, wModel, roomyPrompt)
	return l
}

// promptWidth is what the optional columns leave.
func (m Model) promptWidth() int {
	l := m.layout()
	w := m.width - wMark - wStatus - wKind
	for _, c := range []struct {
		on bool
		w  int
	}{{l.id, wID}, {l.seed, wSeed}, {l.time, wTime}, {l.age, wAge}, {l.length, wLength}, {l.model, wModel}} {
		if c.on {
			w -= c.w
		}
	}
	return max(8, w)
}

// length is the video's length when the row alone says it: a downloaded
// whole file's own, else a generation's asked-for length (8 s unless
// chosen). An extension's depends on its chain, which a row does not
// read: it stays blank until its file is on disk.
func length(t *store.Task) string {
	if t.Row != nil && t.Row.Length > 0 {
		return strconv.Itoa(int(t.Row.Length.Seconds()+0.5)) + " s"
	}
	for i := len(t.Files) - 1; i >= 0; i-- {
		if f := t.Files[i]; !f.Part && f.Duration > 0 {
			return strconv.Itoa(int(f.Duration.Seconds()+0.5)) + " s"
		}
	}
	if t.Kind == store.KindGenerate {
		if t.Request.Duration > 0 {
			return strconv.Itoa(t.Request.Duration) + " s"
		}
		return "8 s"
	}
	return ""
}

// optionalCells appends the row's cells after the prompt.
func (m Model) optionalCells(cells []cell, l layout, t *store.Task) []cell {
	if l.seed {
		cells = append(cells, cell{format.Seed(t), wSeed, true})
	}
	if l.age {
		cells = append(cells, cell{text: m.age(t), width: wAge})
	}
	if l.length {
		cells = append(cells, cell{text: length(t), width: wLength})
	}
	if l.model {
		cells = append(cells, cell{text: modelOf(t), width: wModel})
	}
	if l.time {
		cells = append(cells, cell{text: m.timing(t), width: wTime})
	}
	return cells
}

// modelOf is the model that made the video. For an upscale that is its
// source's (kept in its request), since KIND already says the target:
// the price's family (tasks.ModelFamily) would repeat "1080p". An import
// shows its model when the service said which.
func modelOf(t *store.Task) string {
	if t.Kind != store.KindUpscale && t.Kind != store.KindImport {
		return tasks.ModelFamily(t)
	}
	if strings.TrimSpace(t.Request.Model) == "" {
		return ""
	}
	made := store.Task{Kind: store.KindGenerate, Request: store.Request{Model: t.Request.Model}}
	return tasks.ModelFamily(&made)
}

// optionalTitles are the titles of the columns after the prompt.
func optionalTitles(l layout) string {
	s := ""
	for _, c := range []struct {
		on    bool
		title string
		w     int
	}{{l.seed, "SEED", wSeed}, {l.age, "CREATED", wAge}, {l.length, "LENGTH", wLength}, {l.model, "MODEL", wModel}, {l.time, "TIME", wTime}} {
		if c.on {
			s += format.Pad(c.title, c.w)
		}
	}
	return s
}

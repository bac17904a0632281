package tasklist

import (
	"unsafe"

	"github.com/veox/veox/store"
)

// A held key redraws the list 30 times a second, and a row costs tens of
// microseconds to lay out and style (widths of every cell, lipgloss's
// rendering), while only the two rows the cursor left and reached change.
// rowCache keeps the rows of the last two frames as drawn and gives one
// back when nothing it was drawn from has changed (issue 17).
//
// What a row is drawn from: its task, how it looks (selected, marked, the
// spinner's frame), the texts that follow the clock (its age and time:
// their roundings do not change with the second), and the list's width and
// search. The task is
// compared bit for bit with the one the row was drawn from: equal bits
// mean the same strings, slices and pointers, so the same text. A task
// read again from the history is new memory and is drawn again (never a
// stale row, at worst a row drawn twice). This holds because nothing in
// the list writes into a task's slices in place: a changed task always
// arrives as a new value (request.TaskChanged, a page read).
type rowCache struct {
	cur, prev map[string]*cachedRow
	// statuses are the status cells as styled, by status and glyph: a
	// dozen texts, each styled once instead of at every row drawn.
	statuses map[[2]string]string
	width    int
	query    string
	drawn    int // rows drawn, not found: tests see what a frame cost
}

// rowLook is what besides the task a row depends on.
type rowLook struct {
	selected, marked bool
	glyph, age, time string
}

type cachedRow struct {
	task store.Task
	look rowLook
	out  string
}

func newRowCache() *rowCache {
	return &rowCache{cur: map[string]*cachedRow{}, prev: map[string]*cachedRow{}, statuses: map[[2]string]string{}}
}

// status is the status cell of status with glyph, by draw the first time.
func (c *rowCache) status(status, glyph string, draw func() string) string {
	k := [2]string{status, glyph}
	if s, ok := c.statuses[k]; ok {
		return s
	}
	s := draw()
	c.statuses[k] = s
	return s
}

// frame starts a frame of the given width and search: the rows of two
// frames ago are let go, and every row if the width or the search changed.
func (c *rowCache) frame(width int, query string) {
	if width != c.width || query != c.query {
		clear(c.prev)
		clear(c.cur)
		c.width, c.query = width, query
	}
	c.prev, c.cur = c.cur, c.prev
	clear(c.cur)
}

// row is the row drawn from t and look, by draw unless a frame drew it.
func (c *rowCache) row(t *store.Task, look rowLook, draw func() string) string {
	for _, m := range [2]map[string]*cachedRow{c.cur, c.prev} {
		if e, ok := m[t.LocalID]; ok && e.look == look && sameBits(&e.task, t) {
			c.cur[t.LocalID] = e
			return e.out
		}
	}
	out := draw()
	c.drawn++
	c.cur[t.LocalID] = &cachedRow{task: *t, look: look, out: out}
	return out
}

// sameBits: a and b are the same bytes (same field values, same string
// and slice memory).
func sameBits(a, b *store.Task) bool {
	const n = unsafe.Sizeof(store.Task{})
	return *(*[n]byte)(unsafe.Pointer(a)) == *(*[n]byte)(unsafe.Pointer(b))
}

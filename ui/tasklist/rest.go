package tasklist

// rest tells when the cursor has rested, with one timer at a time: a held
// key moves the cursor 30 times a second, and a timer per move was a
// message and a frame per move. The first move starts the timer; moves
// while it runs are counted; when it fires after moves it is set again,
// and when it fires after none the cursor has rested for its delay. So
// what waits on it comes between one and two delays after the last move.
// The chain line (chain.go) and the preview pane (preview.go) wait on one
// each.
type rest struct {
	moves   int
	waiting bool
}

// moved counts a move; start says a timer must be set (none runs).
func (r *rest) moved() (start bool) {
	r.moves++
	return !r.waiting
}

// set notes the timer set now; its message carries the count it returns.
func (r *rest) set() int {
	r.waiting = true
	return r.moves
}

// fired ends the timer set at count moves; rested says no move came since.
func (r *rest) fired(moves int) (rested bool) {
	r.waiting = false
	return moves == r.moves
}

package ui

import (
	"reflect"
	"testing"
)

// Bubble Tea copies the root model on every message, and each screen in
// it. It held the 14 KB style set by value in every screen (147 KB copied
// several times per key, 4.6 MB allocated per cursor move); the set is
// shared now, and Settings and Details, seldom open, are held by pointer
// (boxed.go): 45 KB became 20. This keeps the root from growing back.
func TestRootModelStaysSmall(t *testing.T) {
	t.Parallel()
	const limit = 24 << 10
	if n := reflect.TypeFor[Model]().Size(); n > limit {
		t.Errorf("the root model is %d bytes, copied on every message; keep it under %d (share big values through pointers)", n, limit)
	}
}

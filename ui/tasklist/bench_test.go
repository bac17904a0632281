package tasklist

import (
	"context"
	"fmt"
	"testing"

	"github.com/veox/veox/ui/internal/uitest"
)

func forSizes(b *testing.B, fn func(b *testing.B, h *uitest.History)) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h, err := uitest.SeededHistory(n)
			if err != nil {
				b.Fatal(err)
			}
			fn(b, h)
		})
	}
}

// BenchmarkSearch is the search command the debounce starts: it runs off
// the input path, so typing never waits for it. "none" matches nothing and
// so reads the whole search index, the worst case.
func BenchmarkSearch(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		for _, q := range []string{"purple elephant", "golden hour"} {
			b.Run(q, func(b *testing.B) {
				for b.Loop() {
					if msg := search(context.Background(), h.Store, 1, parseQuery(q, All))().(searchMsg); msg.err != nil {
						b.Fatal(msg.err)
					}
				}
			})
		}
	})
}

// BenchmarkEstimates is the read of past durations made at start-up and
// after a task ends: one page, whatever the history.
func BenchmarkEstimates(b *testing.B) {
	forSizes(b, func(b *testing.B, h *uitest.History) {
		for b.Loop() {
			if est := loadEstimates(h.Store)().(estimatesMsg); len(est) == 0 {
				b.Fatal("no estimates")
			}
		}
	})
}

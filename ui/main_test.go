package ui

import (
	"os"
	"testing"

	"github.com/veox/veox/ui/internal/uitest"
)

// TestMain removes the histories the benchmarks seeded (one per size).
func TestMain(m *testing.M) {
	code := m.Run()
	uitest.CloseHistories()
	os.Exit(code)
}

package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole run to the file
// VEOX_CPUPROFILE names, for 'go tool pprof': the way to see where the
// built binary spends its time as a user drives it (a held key in the
// TUI, a command over a large history), which in-process benchmarks miss.
// The returned stop ends it; without the variable both do nothing.
func startProfile(getenv func(string) string) (stop func()) {
	path := getenv("VEOX_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "veox: VEOX_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

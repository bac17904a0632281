//go:build !linux && !darwin

package cli

// freeSpace is unknown where syscall.Statfs does not exist.
func freeSpace(string) (uint64, bool) { return 0, false }

//go:build !linux

package download

// startWriteback is a Linux-only hint (sync_file_range); elsewhere the
// final fsync does all the work, which is slower but just as safe.
func startWriteback(f partFile, off, n int64) {}

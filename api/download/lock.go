package download

import (
	"context"
	"fmt"
	"os"
	"time"
)

// maxLockRounds bounds how often the .part may be replaced between
// opening and locking it; each round means another veox finished or
// removed it, which does not go on for long.
const maxLockRounds = 100

// lockPart opens Name.part and takes an exclusive lock on it, waiting
// (and saying so through the progress and the log) while another veox
// holds it. Every change to the .part's path (write, rename, remove)
// happens under this lock, so after locking, the file must still be the
// one at the path: if the holder renamed or removed it meanwhile, this
// opens the path again. waited reports that another veox held it.
func (d *Downloader) lockPart(ctx context.Context, r Request) (f partFile, waited bool, err error) {
	name := r.Name + ".part"
	defer r.Progress.setWaiting(false)
	for range maxLockRounds {
		f, err := d.openPart(r.Root, name)
		if err != nil {
			return nil, waited, partError("creating", name, err)
		}
		for {
			ok, err := tryLock(f)
			if err != nil {
				d.log.Warn("cannot lock the partial file; two veox could download it at once", "name", name, "err", err)
				ok = true
			}
			if ok {
				break
			}
			if !waited {
				waited = true
				r.Progress.setWaiting(true)
				d.log.Info("another veox is downloading this file; waiting for it", "name", r.Name)
			}
			if err := sleep(ctx, d.lockPoll); err != nil {
				f.Close()
				return nil, waited, fmt.Errorf("stopped waiting for another veox to finish %s: %w", r.Name, err)
			}
		}
		if sameFile(f, r.Root, name) {
			return f, waited, nil
		}
		f.Close()
	}
	return nil, waited, fmt.Errorf("download: %s keeps being replaced; is another program writing it?", name)
}

// sameFile reports whether f is still the file at name.
func sameFile(f partFile, root *os.Root, name string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := root.Lstat(name)
	return err == nil && os.SameFile(a, b)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func partError(doing, name string, err error) error {
	return fmt.Errorf("download: %s %s: %w", doing, name, err)
}

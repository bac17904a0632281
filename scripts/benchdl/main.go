// Command benchdl downloads one URL with veox's downloader, built the way
// the app builds it (download.New with default options: the default
// transport, .part file, SHA-256, size and MP4 verification, fsync, rename,
// fsync of the folder), and prints one line of key=value fields about it
// for scripts/bench-download.sh (easy to read from bash without jq):
//
//	bytes=200000000 seconds=0.298 transfer_seconds=0.244 finish_seconds=0.054
//	mbps=669.9 transfer_mbps=819.0 sha256=424beea255a19cda vmhwm_kib=8764
//	snapshots=3 snapshots_per_s=9.9
//
// Alongside the download it runs what the TUI runs: one ticker at -tick-hz
// calling Progress.Snapshot. It counts those snapshots so the report shows
// the progress rate. A second, fine-grained watcher (-watch) polls the
// Progress counters to note when the last body byte arrived, so the time can
// be split into the body transfer and the finishing step (verification,
// fsync, rename) that curl does not do.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/veox/veox/api/download"
)

// report is benchdl's output line.
type report struct {
	Bytes           int64
	Seconds         float64 // whole Download call
	TransferSeconds float64 // until the last body byte was written
	FinishSeconds   float64 // verification, fsync, rename
	MBps            float64 // Bytes/Seconds, MB = 10^6 bytes
	TransferMBps    float64
	SHA256          string // a prefix, enough to compare with the server's
	VmHWMKiB        int64
	Snapshots       int     // taken by the UI-like ticker
	SnapshotsPerS   float64 // over the whole call
}

func main() {
	url := flag.String("url", "", "file to download (required)")
	dir := flag.String("dir", "", "download folder (required)")
	name := flag.String("name", "bench.mp4", "final file name inside -dir")
	tickHz := flag.Float64("tick-hz", 10, "rate of the UI-like Progress.Snapshot ticker")
	watch := flag.Duration("watch", time.Millisecond, "poll interval of the end-of-transfer watcher (0 disables)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the download here")
	flag.Parse()
	if *url == "" || *dir == "" {
		log.Fatal("benchdl: -url and -dir are required")
	}
	if err := run(*url, *dir, *name, *tickHz, *watch, *cpuprofile); err != nil {
		log.Fatalf("benchdl: %v", err)
	}
}

func run(url, dir, name string, tickHz float64, watch time.Duration, cpuprofile string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	d := download.New(download.Options{UserAgent: "veox-bench"})
	prog := &download.Progress{}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup

	// The UI's tick: a snapshot every 1/tickHz, never per chunk.
	snapshots := 0
	wg.Go(func() {
		t := time.NewTicker(time.Duration(float64(time.Second) / tickHz))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				prog.Snapshot()
				snapshots++
			}
		}
	})

	// The end-of-transfer watcher: notes the first moment Done reaches a
	// known Total. It reads the same counters as Snapshot; at 1 ms its cost
	// is a few microseconds per poll.
	var transferEnd time.Time
	if watch > 0 {
		wg.Go(func() {
			t := time.NewTicker(watch)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					if s := prog.Snapshot(); s.Total > 0 && s.Done >= s.Total {
						transferEnd = now
						return
					}
				}
			}
		})
	}

	start := time.Now()
	res, err := d.Download(ctx, download.Request{URL: url, Root: root, Name: name, Progress: prog, Force: true})
	end := time.Now()
	stop()
	wg.Wait()
	if err != nil {
		return err
	}

	r := report{
		Bytes:     res.Size,
		Seconds:   end.Sub(start).Seconds(),
		SHA256:    res.SHA256[:16],
		VmHWMKiB:  vmHWM(),
		Snapshots: snapshots,
	}
	r.MBps = float64(r.Bytes) / 1e6 / r.Seconds
	r.SnapshotsPerS = float64(snapshots) / r.Seconds
	if !transferEnd.IsZero() && transferEnd.Before(end) {
		r.TransferSeconds = transferEnd.Sub(start).Seconds()
		r.FinishSeconds = end.Sub(transferEnd).Seconds()
		r.TransferMBps = float64(r.Bytes) / 1e6 / r.TransferSeconds
	}
	fmt.Printf("bytes=%d seconds=%.6f transfer_seconds=%.6f finish_seconds=%.6f mbps=%.1f transfer_mbps=%.1f sha256=%s vmhwm_kib=%d snapshots=%d snapshots_per_s=%.1f\n",
		r.Bytes, r.Seconds, r.TransferSeconds, r.FinishSeconds, r.MBps, r.TransferMBps, r.SHA256, r.VmHWMKiB, r.Snapshots, r.SnapshotsPerS)
	return nil
}

// vmHWM is the process's peak resident set in KiB, from /proc (0 where
// there is no /proc).
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// Command benchserve serves one synthetic MP4 on loopback for
// scripts/bench-download.sh, so curl and veox's downloader fetch the same
// bytes from the same server in the same run.
//
// It writes a valid MP4 of -size-mb MB (ftyp, moov with mvhd and trak, one
// big mdat: the structure api/mp4 verifies) to -file, listens on a free
// port on 127.0.0.1 and prints one line to stdout once it is ready:
//
//	URL <url> BYTES <n> SHA256 <hex>
//
// Requests are answered with http.ServeContent from the file, so Range,
// If-Range, ETag-less Last-Modified validation and sendfile all work as
// they would on a plain static file host. It runs until killed.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/veox/veox/api/mp4/mp4test"
)

func main() {
	sizeMB := flag.Int("size-mb", 200, "size of the served file in MB (10^6 bytes)")
	path := flag.String("file", "", "where to write the file (required; the caller deletes it)")
	flag.Parse()
	if *path == "" || *sizeMB <= 0 {
		log.Fatal("benchserve: -file and a positive -size-mb are required")
	}
	size, sum, err := writeMP4(*path, int64(*sizeMB)*1_000_000)
	if err != nil {
		log.Fatalf("benchserve: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("benchserve: %v", err)
	}
	modTime := time.Now()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One *os.File per request: ServeContent seeks, so requests must
		// not share an offset.
		f, err := os.Open(*path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "", modTime, f)
	})
	fmt.Printf("URL http://%s/result.mp4 BYTES %d SHA256 %s\n", ln.Addr(), size, sum)
	log.Fatal(http.Serve(ln, h))
}

// writeMP4 writes a faststart MP4 of about total bytes: mp4test supplies
// the ftyp and moov boxes (so the file passes the same box walk as the
// tests' files), the mdat is streamed from a repeated 1 MiB pseudo-random
// block so building 200 MB needs neither 200 MB of memory nor much CPU.
// It returns the exact size and the file's SHA-256.
func writeMP4(path string, total int64) (int64, string, error) {
	// A tiny faststart file ends with its mdat: a 16-byte (largesize)
	// header and the 8-byte payload asked for. Everything before that is
	// ftyp+moov, whose samples lie in those first 8 payload bytes, so the
	// big file passes the same structure check.
	small := mp4test.Build(mp4test.Options{Faststart: true, MdatSize: 8, LargeMdat: true})
	head := small[:len(small)-16-8]
	payload := total - int64(len(head)) - 16 // 16: a 64-bit (largesize) mdat header
	if payload < 0 {
		payload = 0
	}
	mdatHdr := make([]byte, 16)
	binary.BigEndian.PutUint32(mdatHdr[0:], 1) // size 1: the 64-bit size follows the type
	copy(mdatHdr[4:], "mdat")
	binary.BigEndian.PutUint64(mdatHdr[8:], uint64(16+payload))

	f, err := os.Create(path)
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	bw.Write(head)
	bw.Write(mdatHdr)
	block := mp4test.Payload(1<<20, 42)
	for left := payload; left > 0; {
		n := min(left, int64(len(block)))
		bw.Write(block[:n])
		block[0]++ // consecutive blocks differ, so a misplaced range changes the hash
		left -= n
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return 0, "", err
	}
	if err := f.Close(); err != nil {
		return 0, "", err
	}
	return int64(len(head)) + 16 + payload, hex.EncodeToString(h.Sum(nil)), nil
}

package api

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Fault is what the stand does to a create once it has read its body.
type h2Fault int

const (
	faultNone      h2Fault = iota
	faultRST               // RST_STREAM(PROTOCOL_ERROR): Go's HTTP/2 client replays the request
	faultGoAway            // GOAWAY(last stream 0): "never processed", so Go replays it
	faultRSTGoAway         // both, then the connection closes
)

// h2Stand is a service stand-in on loopback TLS that speaks HTTP/2 with
// raw frames (so it can misbehave the way a broken proxy does) and
// HTTP/1.1 with net/http. Every create body it reads is counted, whatever
// the protocol; the first `faulty` creates meet the fault, later ones get a
// task id, so a client that replays shows up as "succeeded" after 2 POSTs.
type h2Stand struct {
	URL    string
	Pool   *x509.CertPool
	PEM    []byte
	fault  h2Fault
	faulty int32

	posts   atomic.Int32 // create bodies read to the end, any protocol
	h2Posts atomic.Int32
	h1Posts atomic.Int32
	h2Reads atomic.Int32 // GETs answered over HTTP/2
	h1Reads atomic.Int32

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	h1    *http.Server
	h1c   chan net.Conn
	wg    sync.WaitGroup
	once  sync.Once
}

func newH2Stand(t testing.TB, fault h2Fault, faulty int32) *h2Stand {
	t.Helper()
	cert, pemBytes, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &h2Stand{URL: "https://" + ln.Addr().String(), Pool: pool, PEM: pemBytes, fault: fault, faulty: faulty,
		ln: ln, h1c: make(chan net.Conn)}
	s.h1 = &http.Server{Handler: http.HandlerFunc(s.serveH1), ErrorLog: stdlog.New(io.Discard, "", 0)}
	go s.h1.Serve(chanListener{c: s.h1c, done: make(chan struct{}), addr: ln.Addr(), once: new(sync.Once)})
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serveConn(tls.Server(c, cfg))
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

func (s *h2Stand) Close() {
	s.once.Do(func() {
		s.ln.Close()
		s.h1.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
}

// Client trusts the stand and may speak HTTP/2, like the default transport.
func (s *h2Stand) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.Pool}
	tr.ForceAttemptHTTP2 = true
	return tr
}

func (s *h2Stand) serveConn(c *tls.Conn) {
	if err := c.Handshake(); err != nil {
		c.Close()
		return
	}
	if c.ConnectionState().NegotiatedProtocol != "h2" {
		select {
		case s.h1c <- c:
		case <-time.After(time.Second):
			c.Close()
		}
		return
	}
	defer c.Close()
	s.serveH2(c)
}

// faultFor counts a create and says whether it meets the fault.
func (s *h2Stand) faultFor() bool {
	n := s.posts.Add(1)
	return s.fault != faultNone && n <= s.faulty
}

func (s *h2Stand) serveH1(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.h1Reads.Add(1)
		io.WriteString(w, envelopeJSON(200, "success", 100))
		return
	}
	io.ReadAll(r.Body)
	s.h1Posts.Add(1)
	if s.faultFor() {
		// The HTTP/1.1 form of the same fault: the connection is reset
		// after the request was read, before any answer.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*tls.Conn); ok {
				if raw, ok := tc.NetConn().(*net.TCPConn); ok {
					raw.SetLinger(0)
				}
			}
			conn.Close()
		}
		return
	}
	io.WriteString(w, envelopeJSON(200, "success", map[string]string{"taskId": "task-after-replay"}))
}

type h2Stream struct {
	method string
	body   bytes.Buffer
}

// serveH2 is a minimal HTTP/2 server: enough frames for Go's client to
// send requests and read answers, and the resets and GOAWAYs under test.
func (s *h2Stand) serveH2(c net.Conn) {
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(c, c)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if fr.WriteSettings() != nil {
		return
	}
	streams := map[uint32]*h2Stream{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				fr.WritePing(true, f.Data)
			}
		case *http2.MetaHeadersFrame:
			st := &h2Stream{method: f.PseudoValue("method")}
			streams[f.StreamID] = st
			if f.StreamEnded() && !s.endStream(fr, f.StreamID, st) {
				return
			}
		case *http2.DataFrame:
			st := streams[f.StreamID]
			if st == nil {
				continue
			}
			st.body.Write(f.Data())
			if f.StreamEnded() && !s.endStream(fr, f.StreamID, st) {
				return
			}
		}
	}
}

// endStream answers a complete request; false closes the connection.
func (s *h2Stand) endStream(fr *http2.Framer, id uint32, st *h2Stream) bool {
	if st.method == http.MethodGet {
		s.h2Reads.Add(1)
		return h2Answer(fr, id, envelopeJSON(200, "success", 100))
	}
	s.h2Posts.Add(1)
	if !s.faultFor() {
		return h2Answer(fr, id, envelopeJSON(200, "success", map[string]string{"taskId": "task-after-replay"}))
	}
	switch s.fault {
	case faultRST:
		fr.WriteRSTStream(id, http2.ErrCodeProtocol)
		return true
	case faultGoAway:
		fr.WriteGoAway(0, http2.ErrCodeNo, nil)
		return false
	default:
		fr.WriteRSTStream(id, http2.ErrCodeProtocol)
		fr.WriteGoAway(0, http2.ErrCodeProtocol, nil)
		return false
	}
}

func h2Answer(fr *http2.Framer, id uint32, body string) bool {
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/json"})
	if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true}) != nil {
		return false
	}
	return fr.WriteData(id, true, []byte(body)) == nil
}

// chanListener hands connections accepted elsewhere to an http.Server.
type chanListener struct {
	c    chan net.Conn
	done chan struct{}
	addr net.Addr
	once *sync.Once
}

func (l chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.c:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l chanListener) Addr() net.Addr { return l.addr }

// selfSigned makes a certificate for 127.0.0.1, its PEM and a pool trusting it.
func selfSigned(t testing.TB) (tls.Certificate, []byte, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "veox test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pemBytes, pool
}

// Package apitest holds stand-ins of the service for tests that must
// misbehave below HTTP: an HTTP/2 server that resets streams and sends
// GOAWAY the way a broken proxy does. It is imported by tests only.
package apitest

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

// Fault is what the stand does to a create once it has read its body.
type Fault int

const (
	FaultNone      Fault = iota
	FaultRST             // RST_STREAM(PROTOCOL_ERROR): Go's HTTP/2 client replays the request
	FaultGoAway          // GOAWAY(last stream 0): "never processed", so Go replays it
	FaultRSTGoAway       // both, then the connection closes
)

// Options say how a Stand misbehaves.
type Options struct {
	Fault  Fault // what the first Faulty creates meet
	Faulty int32
	// CreateAnswer is the body for a create that meets no fault (default:
	// success with the task id "task-after-replay", so a client that
	// replays shows up as succeeded after 2 POSTs); ReadAnswer the body
	// for any GET (default: a balance of 100 credits).
	CreateAnswer, ReadAnswer string
}

// Stand is a service stand-in on loopback TLS that speaks HTTP/2 with raw
// frames (so it can misbehave the way a broken proxy does) and HTTP/1.1
// with net/http. Every create body it reads is counted, whatever the
// protocol.
type Stand struct {
	URL  string
	Pool *x509.CertPool // trusts the stand's certificate
	PEM  []byte         // the certificate, for SSL_CERT_FILE
	o    Options

	Posts   atomic.Int32 // create bodies read to the end, any protocol
	H2Posts atomic.Int32
	H1Posts atomic.Int32
	H2Reads atomic.Int32 // GETs answered over HTTP/2
	H1Reads atomic.Int32

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	h1    *http.Server
	h1c   chan net.Conn
	wg    sync.WaitGroup
	once  sync.Once
}

// NewStand starts a stand on 127.0.0.1; it stops when the test ends.
func NewStand(t testing.TB, o Options) *Stand {
	t.Helper()
	cert, pemBytes, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.CreateAnswer == "" {
		o.CreateAnswer = `{"code":200,"msg":"success","data":{"taskId":"task-after-replay"}}`
	}
	if o.ReadAnswer == "" {
		o.ReadAnswer = `{"code":200,"msg":"success","data":100}`
	}
	s := &Stand{URL: "https://" + ln.Addr().String(), Pool: pool, PEM: pemBytes, o: o,
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

func (s *Stand) Close() {
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
func (s *Stand) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.Pool}
	tr.ForceAttemptHTTP2 = true
	return tr
}

func (s *Stand) serveConn(c *tls.Conn) {
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
func (s *Stand) faultFor() bool {
	n := s.Posts.Add(1)
	return s.o.Fault != FaultNone && n <= s.o.Faulty
}

func (s *Stand) serveH1(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.H1Reads.Add(1)
		io.WriteString(w, s.o.ReadAnswer)
		return
	}
	io.ReadAll(r.Body)
	s.H1Posts.Add(1)
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
	io.WriteString(w, s.o.CreateAnswer)
}

type h2Stream struct {
	method string
	body   bytes.Buffer
}

// serveH2 is a minimal HTTP/2 server: enough frames for Go's client to
// send requests and read answers, and the resets and GOAWAYs under test.
func (s *Stand) serveH2(c net.Conn) {
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
func (s *Stand) endStream(fr *http2.Framer, id uint32, st *h2Stream) bool {
	if st.method == http.MethodGet {
		s.H2Reads.Add(1)
		return h2Answer(fr, id, s.o.ReadAnswer)
	}
	s.H2Posts.Add(1)
	if !s.faultFor() {
		return h2Answer(fr, id, s.o.CreateAnswer)
	}
	switch s.o.Fault {
	case FaultRST:
		fr.WriteRSTStream(id, http2.ErrCodeProtocol)
		return true
	case FaultGoAway:
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

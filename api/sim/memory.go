package sim

import (
	"context"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// In-memory hosts. A simulator on them needs no port, and every wait on
// either side (the service's task durations, the client's rate limit,
// timeouts, backoff, polling) runs on the clock of the goroutines that
// use them: under testing/synctest, fake time. A loopback socket would
// keep a synctest bubble from ever advancing its clock.
const (
	memAPIHost   = "api.sim.invalid"
	memFilesHost = "files.sim.invalid"
)

// StartInMemory is Start with the API and the file host on in-memory
// connections (net.Pipe). Reach them with Client, whose transport dials
// them; URL and FilesURL name them as Start's do.
func StartInMemory(o Options) *Server {
	apiLn, filesLn := newMemListener(memAPIHost), newMemListener(memFilesHost)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			switch host {
			case memAPIHost:
				return apiLn.dial(ctx)
			case memFilesHost:
				return filesLn.dial(ctx)
			}
			return nil, &net.OpError{Op: "dial", Net: "mem", Err: syscall.ECONNREFUSED}
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     time.Minute,
	}
	srv := serve(o, apiLn, filesLn, "http://"+memAPIHost, "http://"+memFilesHost)
	srv.client = &http.Client{Transport: tr}
	return srv
}

// Client is an HTTP client that reaches this server: the in-memory one's
// for StartInMemory, a plain one otherwise.
func (srv *Server) Client() *http.Client {
	if srv.client != nil {
		return srv.client
	}
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// memListener hands out one end of a net.Pipe per dial.
type memListener struct {
	host  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newMemListener(host string) *memListener {
	return &memListener{host: host, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	return nil, &net.OpError{Op: "dial", Net: "mem", Err: syscall.ECONNREFUSED}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr(l.host) }

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) + ":80" }

package sim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Server is a simulator on real loopback HTTP: the API and the file host
// on separate ports, as the real service and its CDN are separate hosts.
type Server struct {
	URL      string // API base, like "http://127.0.0.1:PORT"
	FilesURL string // file host base
	Sim      *Sim

	api, files *http.Server
	client     *http.Client // StartInMemory's, which dials its listeners
	stop       chan struct{}
	ticker     sync.WaitGroup
	serving    sync.WaitGroup // the two Serve loops
	closeOnce  sync.Once
	closeErr   error
}

// Start listens on two free loopback ports.
func Start(o Options) (*Server, error) {
	return Listen(o, "127.0.0.1:0", "127.0.0.1:0")
}

// Listen serves on fixed addresses; filesAddr "" takes the port after the
// API's if free, else any free port.
func Listen(o Options, apiAddr, filesAddr string) (*Server, error) {
	apiLn, err := net.Listen("tcp", apiAddr)
	if err != nil {
		return nil, err
	}
	filesLn, err := listenFiles(apiLn.Addr(), filesAddr)
	if err != nil {
		apiLn.Close()
		return nil, err
	}
	return serve(o, apiLn, filesLn, baseURL(apiLn.Addr()), baseURL(filesLn.Addr())), nil
}

// serve runs a new simulator's API and file host on the listeners.
func serve(o Options, apiLn, filesLn net.Listener, apiURL, filesURL string) *Server {
	s := New(o)
	srv := &Server{URL: apiURL, FilesURL: filesURL, Sim: s, stop: make(chan struct{})}
	s.SetFilesBase(srv.FilesURL)
	srv.api = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.files = &http.Server{Handler: s.FilesHandler(), ReadHeaderTimeout: 10 * time.Second}
	srv.serving.Add(2)
	go func() { defer srv.serving.Done(); _ = srv.api.Serve(apiLn) }()
	go func() { defer srv.serving.Done(); _ = srv.files.Serve(filesLn) }()
	srv.ticker.Add(1)
	go srv.tick()
	return srv
}

func listenFiles(api net.Addr, filesAddr string) (net.Listener, error) {
	if filesAddr != "" {
		return net.Listen("tcp", filesAddr)
	}
	if a, ok := api.(*net.TCPAddr); ok && a.Port > 0 && a.Port < 65535 {
		next := net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port+1))
		if ln, err := net.Listen("tcp", next); err == nil {
			return ln, nil
		}
	}
	host := "127.0.0.1"
	if a, ok := api.(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}

// baseURL turns a listener address into a URL a client can dial.
func baseURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// tick settles ended tasks even when nobody polls, so callbacks arrive
// on time as they would from the real service.
func (srv *Server) tick() {
	defer srv.ticker.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-srv.stop:
			return
		case <-t.C:
			srv.Sim.settle()
		}
	}
}

// Close stops the ticker, callbacks and stalled requests, then both
// servers (gracefully for up to 2 s).
func (srv *Server) Close() error {
	srv.closeOnce.Do(func() {
		close(srv.stop)
		srv.ticker.Wait()
		srv.Sim.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.closeErr = errors.Join(shutdown(ctx, srv.api), shutdown(ctx, srv.files))
		if srv.client != nil {
			srv.client.CloseIdleConnections()
		}
		srv.serving.Wait()
	})
	return srv.closeErr
}

func shutdown(ctx context.Context, h *http.Server) error {
	if err := h.Shutdown(ctx); err != nil {
		return h.Close()
	}
	return nil
}

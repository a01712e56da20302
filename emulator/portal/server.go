package portal

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/internal/httpserve"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Addr is the listen address (default "127.0.0.1:0": a free port on
	// the loopback interface).
	Addr string
	// AllowNonLoopback lets the server listen on an address that is not
	// a loopback one. Without it such an address fails with ErrNonLoopback.
	AllowNonLoopback bool
	// ShutdownTimeout bounds how long Close waits for requests in flight
	// before cutting them (default 5 s).
	ShutdownTimeout time.Duration
}

// Server serves a Handler over HTTP, in the style of httptest.Server:
// NewServer, Start, then Close, which waits for every goroutine it started.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port", set by Start.
	URL string

	h   http.Handler
	cfg ServerConfig

	mu      sync.Mutex
	ln      net.Listener
	serving *httpserve.Serving
}

// NewServer returns an unstarted server for h.
func NewServer(h http.Handler, cfg ServerConfig) *Server {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	return &Server{h: h, cfg: cfg}
}

// CheckLoopback returns nil when addr (host:port) names only loopback
// addresses, an error wrapping ErrNonLoopback otherwise. An empty host
// means every interface and is refused.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("portal: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("portal: listen address %q: %w", addr, ErrNonLoopback)
	}
	return nil
}

// Start listens and serves in a goroutine. It fails when the address is
// not a loopback one (unless allowed), or cannot be listened on.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("portal: server already started")
	}
	if !s.cfg.AllowNonLoopback {
		if err := CheckLoopback(s.cfg.Addr); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("portal: listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !s.cfg.AllowNonLoopback && !tcp.IP.IsLoopback() {
		ln.Close()
		return fmt.Errorf("portal: listening on %v: %w", tcp, ErrNonLoopback)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	s.serving = httpserve.Start(srv, func() error { return srv.Serve(ln) })
	return nil
}

// Addr returns the listening address (nil before Start).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops accepting, waits for requests in flight (at most
// ShutdownTimeout, then cuts them) and for the serving goroutine to end.
func (s *Server) Close() error {
	s.mu.Lock()
	serving := s.serving
	s.mu.Unlock()
	if serving == nil {
		return nil
	}
	return serving.Close(s.cfg.ShutdownTimeout)
}

package backoffice

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
	"github.com/apcvkit/apcvkit/internal/httpserve"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Addr is the listen address (default "127.0.0.1:0").
	Addr string
	// AllowNonLoopback lets the server listen beyond the loopback
	// interface (portal.ErrNonLoopback otherwise).
	AllowNonLoopback bool
	// Hosts are names or addresses added to the server certificate's
	// (127.0.0.1, ::1 and localhost are always in it).
	Hosts []string
	// ShutdownTimeout bounds how long Close waits for requests in flight
	// (default 5 s); a slow fault's wait ends at once on Close.
	ShutdownTimeout time.Duration
}

// Server serves a Handler over TLS 1.2+ (HTTP/2 or HTTP/1.1), with a server
// certificate of the handler's PS authority, client certificates
// requested, and the handler's connection faults (unreachable, wrong
// certificate). NewServer, Start, Close — which waits for every goroutine
// it started.
type Server struct {
	// URL is the base URL, "https://127.0.0.1:port", set by Start.
	URL string

	h   *Handler
	cfg ServerConfig

	mu      sync.Mutex
	ln      net.Listener
	serving *httpserve.Serving
	cancel  context.CancelFunc
	good    tls.Certificate
	wrong   tls.Certificate
}

// NewServer returns an unstarted server for h.
func NewServer(h *Handler, cfg ServerConfig) *Server {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	return &Server{h: h, cfg: cfg}
}

// Start issues the server certificate, listens and serves in a goroutine.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("backoffice: server already started")
	}
	if !s.cfg.AllowNonLoopback {
		if err := portal.CheckLoopback(s.cfg.Addr); err != nil {
			return err
		}
	}
	var err error
	if s.good, err = s.h.cfg.Authority.ServerCertificate(s.cfg.Hosts...); err != nil {
		return err
	}
	// The wrong certificate: same names, another authority's.
	other, err := psauth.New(psauth.Options{Clock: s.h.cfg.Clock})
	if err != nil {
		return err
	}
	if s.wrong, err = other.ServerCertificate(s.cfg.Hosts...); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("backoffice: listen: %w", err)
	}
	s.ln = ln
	s.URL = "https://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequestClientCert, // verified by the handler: refusals typed and audited
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if s.h.Fault().WrongCert {
				return &s.wrong, nil
			}
			return &s.good, nil
		},
	}
	srv := &http.Server{Handler: s.h, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		BaseContext: func(net.Listener) context.Context { return ctx },
		// Handshakes a client aborts (a wrong certificate, a scan) are not errors of the service.
		ErrorLog: log.New(discard{}, "", 0)}
	fl := &faultListener{Listener: ln, h: s.h}
	s.serving = httpserve.Start(srv, func() error { return srv.ServeTLS(fl, "", "") })
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

// Close stops accepting, ends slow answers in progress, waits for requests
// in flight (at most ShutdownTimeout, then cuts them) and for the serving
// goroutine. A second Close does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	serving, cancel := s.serving, s.cancel
	s.mu.Unlock()
	if serving == nil {
		return nil
	}
	cancel()
	return serving.Close(s.cfg.ShutdownTimeout)
}

// faultListener closes new connections at once while the unreachable
// fault is set.
type faultListener struct {
	net.Listener
	h *Handler
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !l.h.Fault().Unreachable {
			return c, nil
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, as from a host that is down
		}
		c.Close()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

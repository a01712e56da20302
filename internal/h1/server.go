package h1

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves HTTP/1.1 with Handler. The zero value of every field but
// Handler is a working default. A Server is used once: after Shutdown or
// Close, Serve returns http.ErrServerClosed.
type Server struct {
	// Handler answers each request, in the connection's goroutine.
	Handler http.Handler
	// ReadHeaderTimeout bounds the reading of a request's line and
	// headers, from its first byte (default 10 s).
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no new
	// request within it (default 2 min).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers (default 32
	// KiB); beyond, the answer is 431 and the connection is closed.
	MaxHeaderBytes int
	// WatchAfter bounds how long a handler runs before the server
	// watches its connection for the client hanging up, which cancels
	// the request's context, when the handler does not say it waits
	// (default 1 s). A handler that waits for something slow says so by
	// calling waithint.Waiting with its request's context (or a context
	// derived from it), and its connection is watched from then on;
	// handlers that answer at once start no goroutine and arm no timer
	// but their connection's read and write deadlines. The server checks
	// its handlers every WatchAfter while it has connections (Shutdown
	// included, until Close): a handler that never says it waits is
	// watched between WatchAfter and twice it after it started. Either
	// way the watch starts once the request's body has been read to its
	// end: a handler that leaves it unread is not watched.
	WatchAfter time.Duration
	// BaseContext is the parent of every request's context (default
	// context.Background()); cancelling it cancels the requests under way.
	BaseContext context.Context
	// Logger receives the connections' failures and the handlers'
	// panics; nil discards.
	Logger *slog.Logger

	closing   atomic.Bool // Shutdown or Close was called
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	gone      chan struct{} // signalled when a connection ends (Shutdown waits)
	sweepT    *time.Timer   // the sweep's, armed while there are connections (armSweep)
	sweeping  bool          // sweepT is armed
	killed    bool          // Close was called: no more sweeps
}

// maxDiscard is how much of a request body a handler left unread is read
// and dropped to keep the connection; a larger rest closes it (as net/http).
const maxDiscard = 256 << 10

func (s *Server) readHeaderTimeout() time.Duration {
	if s.ReadHeaderTimeout > 0 {
		return s.ReadHeaderTimeout
	}
	return 10 * time.Second
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 2 * time.Minute
}

func (s *Server) maxHeaderBytes() int64 {
	if s.MaxHeaderBytes > 0 {
		return int64(s.MaxHeaderBytes)
	}
	return 32 << 10
}

func (s *Server) watchAfter() time.Duration {
	if s.WatchAfter > 0 {
		return s.WatchAfter
	}
	return time.Second
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Serve accepts connections on ln and serves each in a goroutine of its
// own until ln fails or the server is shut down; it closes ln. After
// Shutdown or Close it returns http.ErrServerClosed; Shutdown waits for
// the connections.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
		s.gone = make(chan struct{}, 1)
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	base := s.BaseContext
	if base == nil {
		base = context.Background()
	}
	var backoff time.Duration
	for {
		rwc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown() {
				return http.ErrServerClosed
			}
			var ne interface{ Temporary() bool }
			if errors.As(err, &ne) && ne.Temporary() { // too many open files: wait, as net/http
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logger().Debug("h1: accept failed; retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, rwc, context.WithValue(base, http.LocalAddrContextKey, rwc.LocalAddr()))
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			rwc.Close()
			return http.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.armSweep()
		s.mu.Unlock()
		go c.serve()
	}
}

func (s *Server) shuttingDown() bool { return s.closing.Load() }

// armSweep arms the sweep, under s.mu, unless it is armed or Close was
// called. One timer for the server, rather than one per request: arming a
// timer sooner than the runtime's others wakes its network poller, a
// thread wake-up per request. It re-arms itself from its own run while
// the server has connections, so that connections that come and go one
// request each arm it once.
func (s *Server) armSweep() {
	if s.sweeping || s.killed {
		return
	}
	s.sweeping = true
	if s.sweepT == nil {
		s.sweepT = time.AfterFunc(s.watchAfter(), s.sweep)
	} else {
		s.sweepT.Reset(s.watchAfter())
	}
}

// sweep starts the watch of the handlers running for longer than
// WatchAfter (they did not say they wait: see WatchAfter), and arms the
// next sweep while there are connections.
func (s *Server) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweeping = false
	due := time.Now().Add(-s.watchAfter())
	for c := range s.conns {
		c.sweep(due)
	}
	if len(s.conns) > 0 {
		s.armSweep()
	}
}

// stopSweep disarms the sweep (Close, or Shutdown once every connection
// has ended), under s.mu.
func (s *Server) stopSweep() {
	if s.sweepT != nil && s.sweeping {
		s.sweepT.Stop()
		s.sweeping = false
	}
}

// forget removes c, which has ended, and wakes Shutdown.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	select {
	case s.gone <- struct{}{}:
	default:
	}
}

// Shutdown stops accepting, closes the idle connections, and waits until
// the active ones have answered their request (each then closes) or ctx
// ends; then it closes those left and returns ctx's error. Handlers that
// wait (a stream, a long read) are ended by their owner, e.g. by
// cancelling BaseContext.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()
	for {
		s.mu.Lock()
		for c := range s.conns {
			c.closeIfIdle()
		}
		n := len(s.conns)
		if n == 0 {
			s.stopSweep()
		}
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-s.gone:
		case <-time.After(50 * time.Millisecond): // a connection that went idle
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		}
	}
}

// Close stops accepting and closes every connection at once, cancelling
// the requests under way. It does not wait for the handlers.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	s.killed = true
	s.stopSweep()
	for c := range s.conns {
		c.kill()
	}
	return nil
}

package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/apcvkit/apcvkit/internal/h1"
)

// watchAfter is h1.Server's WatchAfter (zero: its default). The reads,
// streams and fetches say when they wait (internal/waithint), so a client
// that hangs up is seen at once; tests set an hour to show it.
var watchAfter time.Duration

// Serve answers HTTP on ln with a until ctx is done, then shuts down: the
// event streams end (Close), reads under way are cancelled, and Serve
// returns once every handler has returned (at most a few seconds later).
// With tlsConfig non-nil, ln is served over TLS (by net/http's server);
// plain HTTP is served by the agent's own HTTP/1.1 server (internal/h1)
// unless Options.NetHTTP. Serve closes ln. It returns nil after a shutdown
// asked by ctx.
func (a *Agent) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config) error {
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	const (
		readHeaderTimeout = 10 * time.Second
		idleTimeout       = 2 * time.Minute
		maxHeaderBytes    = 32 << 10
	)
	var srv interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
		Close() error
	}
	if tlsConfig != nil || a.opts.NetHTTP {
		hs := &http.Server{
			Handler:           a,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			// No WriteTimeout: /v1/read waits for a patient and /v1/events
			// streams; each bounds itself.
			BaseContext: func(net.Listener) context.Context { return base },
			ErrorLog:    slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		}
		if tlsConfig != nil {
			hs.TLSConfig = tlsConfig
			ln = tls.NewListener(ln, tlsConfig)
		}
		srv = hs
	} else {
		srv = &h1.Server{
			Handler:           a,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			WatchAfter:        watchAfter,
			BaseContext:       base,
			Logger:            a.log,
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // the listener failed
		a.Close()
		srv.Close() // the connections it had, and their requests
		return err
	case <-ctx.Done():
	}
	a.Close()    // ends the event streams, which Shutdown would wait for
	cancelBase() // cancels the reads under way
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

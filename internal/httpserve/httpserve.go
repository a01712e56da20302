// Package httpserve runs an http.Server in a goroutine of its own and
// stops it: the start and close the emulator's portal and back-office
// servers share.
package httpserve

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Serving is an http.Server serving in a goroutine of its own, from Start
// to Close.
type Serving struct {
	srv  *http.Server
	done chan struct{}

	mu     sync.Mutex
	err    error // what serve returned, http.ErrServerClosed aside
	closed bool
}

// Start calls serve (srv.Serve or srv.ServeTLS on a listener) in a new
// goroutine and returns at once.
func Start(srv *http.Server, serve func() error) *Serving {
	s := &Serving{srv: srv, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
		}
	}()
	return s
}

// Close stops accepting, waits for requests in flight at most timeout,
// then cuts those left, and waits for the serving goroutine. It returns
// the error serving stopped on, or else the shutdown's (a timeout). A
// second Close does nothing and returns nil.
func (s *Serving) Close(timeout time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return err
}

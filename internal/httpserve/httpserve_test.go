package httpserve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// TestClose: a request in flight past the timeout is cut, Close returns
// the shutdown's deadline error and no goroutine is left; a second Close
// returns nil.
func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // until the connection is cut
	})}
	s := Start(srv, func() error { return srv.Serve(ln) })
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String())
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		got <- err
	}()
	<-entered
	if err := s.Close(50 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want the shutdown's deadline", err)
	}
	if err := <-got; err == nil {
		t.Errorf("the request cut by Close succeeded")
	}
	if err := s.Close(time.Second); err != nil {
		t.Errorf("second Close = %v", err)
	}
	tr.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left", n-before)
	}
}

// TestServeError: the error serving stopped on (a closed listener) is
// Close's.
func TestServeError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	srv := &http.Server{}
	served := make(chan struct{})
	s := Start(srv, func() error { defer close(served); return srv.Serve(ln) })
	<-served // not closed by Close's shutdown first
	if err := s.Close(time.Second); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Close = %v, want the listener's error", err)
	}
}

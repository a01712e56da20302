package portal_test

import (
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/portal"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"127.9.9.9:0", true},
		{"localhost:0", true},
		{"[::1]:0", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:0", false},
		{"192.0.2.10:443", false},
		{"example.test:80", false},
		{"127.0.0.1", false}, // no port
		{"", false},
	}
	for _, tt := range tests {
		err := portal.CheckLoopback(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("%q: %v", tt.addr, err)
		}
		if !tt.ok && tt.addr != "127.0.0.1" && tt.addr != "" && !errors.Is(err, portal.ErrNonLoopback) {
			t.Errorf("%q: %v does not wrap ErrNonLoopback", tt.addr, err)
		}
	}
}

func TestServerRefusesNonLoopback(t *testing.T) {
	h := http.NotFoundHandler()
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		s := portal.NewServer(h, portal.ServerConfig{Addr: addr})
		if err := s.Start(); !errors.Is(err, portal.ErrNonLoopback) {
			s.Close()
			t.Errorf("%s: %v", addr, err)
		}
		if s.Addr() != nil {
			t.Errorf("%s: listening after refusal", addr)
		}
	}
	// The explicit option allows it (we bind all interfaces only briefly,
	// and talk to it over loopback).
	s := portal.NewServer(h, portal.ServerConfig{Addr: "0.0.0.0:0", AllowNonLoopback: true})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// TestServerCloseWaits: Close waits for a request in flight and for the
// serving goroutine; no goroutine is left.
func TestServerCloseWaits(t *testing.T) {
	before := runtime.NumGoroutine()
	release := make(chan struct{})
	entered := make(chan struct{})
	finished := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		finished = true
		w.WriteHeader(204)
	})
	s := portal.NewServer(h, portal.ServerConfig{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	tr := &http.Transport{}
	cl := &http.Client{Transport: tr}
	got := make(chan int, 1)
	go func() {
		resp, err := cl.Get(s.URL + "/slow")
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-entered
	time.AfterFunc(100*time.Millisecond, func() { close(release) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !finished {
		t.Error("Close returned before the request in flight finished")
	}
	if code := <-got; code != 204 {
		t.Errorf("request in flight: %d", code)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	tr.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left (was %d)", n, before)
	}
}

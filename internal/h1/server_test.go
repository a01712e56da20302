package h1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/leaktest"
	"github.com/apcvkit/apcvkit/internal/waithint"
)

// start serves h on a loopback port with srv's settings; the cleanup
// closes it and checks Serve's answer.
func start(t testing.TB, srv *Server, h http.Handler) (addr string) {
	t.Helper()
	srv.Handler = h
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawConn is a client that writes bytes and reads answers on one connection.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, s); err != nil {
		r.t.Fatal(err)
	}
}

// answer reads one answer (to a request of method) and its whole body.
func (r *rawConn) answer(method string) (*http.Response, string) {
	r.t.Helper()
	resp, err := http.ReadResponse(r.br, &http.Request{Method: method})
	if err != nil {
		r.t.Fatalf("reading an answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("reading a body: %v", err)
	}
	resp.Body.Close()
	return resp, string(b)
}

// closed reports whether the server closed the connection (EOF next).
func (r *rawConn) closed() bool {
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := r.br.ReadByte()
	if err == nil {
		rest, _ := r.br.Peek(r.br.Buffered())
		r.t.Logf("read %q", append([]byte{b}, rest...))
	}
	return err != nil && !errors.Is(err, os_ErrDeadline)
}

var os_ErrDeadline = errorDeadline()

func errorDeadline() error {
	// net's timeout error, as returned by a read past its deadline.
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c1.SetReadDeadline(time.Now())
	_, err := c1.Read(make([]byte, 1))
	return err
}

// echo answers the method, path, body and a header of the request.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("X-Host", r.Host)
	fmt.Fprintf(w, "%s %s %q %s", r.Method, r.URL.Path, b, r.Header.Get("X-Test"))
})

func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n" }

// TestKeepAlive: requests one after the other on one connection, each
// answered with its Content-Length (the handler set none), the
// connection kept; HTTP/1.0 and Connection: close end it.
func TestKeepAlive(t *testing.T) {
	addr := start(t, &Server{}, echo)
	c := dial(t, addr)
	for i := range 3 {
		c.send(fmt.Sprintf("POST /p%d HTTP/1.1\r\nHost: h\r\nX-Test: %d\r\nContent-Length: 3\r\n\r\nabc", i, i))
		resp, body := c.answer("POST")
		if want := fmt.Sprintf(`POST /p%d "abc" %d`, i, i); body != want || resp.StatusCode != 200 {
			t.Fatalf("answer %d: %d %q, want %q", i, resp.StatusCode, body, want)
		}
		if resp.ContentLength != int64(len(body)) || resp.Close || resp.Header.Get("Date") == "" ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("X-Host") != "h" {
			t.Fatalf("answer %d: length %d, close %v, header %v", i, resp.ContentLength, resp.Close, resp.Header)
		}
	}
	c.send("GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if resp, _ := c.answer("GET"); !resp.Close {
		t.Error("Connection: close not answered with Connection: close")
	}
	if !c.closed() {
		t.Error("connection kept after Connection: close")
	}
	c = dial(t, addr)
	c.send("GET /old HTTP/1.0\r\n\r\n")
	if resp, body := c.answer("GET"); resp.StatusCode != 200 || body != `GET /old "" ` {
		t.Errorf("HTTP/1.0: %d %q", resp.StatusCode, body)
	}
	if !c.closed() {
		t.Error("HTTP/1.0 connection kept")
	}
}

// TestPipelining: requests sent at once are answered in order.
func TestPipelining(t *testing.T) {
	addr := start(t, &Server{}, echo)
	c := dial(t, addr)
	c.send(get("/1") + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy" + get("/3"))
	for i, want := range []string{`GET /1 "" `, `POST /2 "xy" `, `GET /3 "" `} {
		if _, body := c.answer("GET"); body != want {
			t.Fatalf("answer %d: %q, want %q", i, body, want)
		}
	}
}

// TestPipelinedAfterWatch: a request that arrives while the previous
// handler still runs (past WatchAfter: the connection is watched) is
// served, its first byte (read by the watch) included.
func TestPipelinedAfterWatch(t *testing.T) {
	release := make(chan struct{})
	var slow atomic.Bool
	addr := start(t, &Server{WatchAfter: time.Millisecond}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			slow.Store(true)
			select {
			case <-release:
			case <-r.Context().Done():
				t.Error("the request was cancelled: the next request taken for a hang-up")
			}
		}
		io.WriteString(w, r.URL.Path)
	}))
	c := dial(t, addr)
	c.send(get("/slow"))
	for !slow.Load() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the watch is reading
	c.send(get("/next"))
	time.Sleep(20 * time.Millisecond) // it read a byte
	close(release)
	for _, want := range []string{"/slow", "/next"} {
		if _, body := c.answer("GET"); body != want {
			t.Fatalf("%q, want %q", body, want)
		}
	}
}

// TestChunked: a chunked request body is read; an answer larger than the
// buffer, or flushed, goes chunked; one whose length the handler set goes
// with it.
func TestChunked(t *testing.T) {
	big := strings.Repeat("x", bufMax+1)
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, big)
		case "/flushed":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		case "/pieces": // held, then past the buffer: all of it, in order
			for i := range 3 {
				io.WriteString(w, strings.Repeat(strconv.Itoa(i), bufMax/2))
			}
		case "/sized":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		default:
			echo(w, r)
		}
	}))
	c := dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
	if resp, body := c.answer("POST"); body != `POST /echo "abcde" ` || resp.ContentLength != int64(len(body)) {
		t.Fatalf("chunked request: %q, length %d", body, resp.ContentLength)
	}
	for _, tc := range []struct {
		path, body string
		chunked    bool
	}{{"/big", big, true}, {"/flushed", "ab", true}, {"/sized", big, false},
		{"/pieces", strings.Repeat("0", bufMax/2) + strings.Repeat("1", bufMax/2) + strings.Repeat("2", bufMax/2), true}} {
		c.send(get(tc.path))
		resp, body := c.answer("GET")
		if body != tc.body || (len(resp.TransferEncoding) > 0) != tc.chunked {
			t.Errorf("%s: %d bytes, transfer encoding %v, want chunked %v", tc.path, len(body), resp.TransferEncoding, tc.chunked)
		}
	}
}

// TestRefused: what cannot be served is answered with its status and the
// connection closed.
func TestRefused(t *testing.T) {
	addr := start(t, &Server{MaxHeaderBytes: 1024}, echo)
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"headers too large", "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + strings.Repeat("b", 8000) + "\r\n\r\n", 431},
		{"request line too large", "GET /" + strings.Repeat("p", 8000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 431},
		{"malformed request line", "GET\r\n\r\n", 400},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"bad Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", 400},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"unknown transfer encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"unknown expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na", 417},
		{"HTTP/2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"control byte in a header", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01b\r\n\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(tc.req)
			resp, _ := c.answer("GET")
			if resp.StatusCode != tc.status || !resp.Close {
				t.Errorf("%d (close %v), want %d and close", resp.StatusCode, resp.Close, tc.status)
			}
			if !c.closed() {
				t.Error("connection kept")
			}
		})
	}
}

// TestBodies: HEAD gets the length without the body; 204 has neither;
// a body the handler left unread is dropped (connection kept) when small,
// the connection closed when large; Expect: 100-continue is answered when
// the handler reads.
func TestBodies(t *testing.T) {
	var bodyErr atomic.Value
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/none":
			w.WriteHeader(http.StatusNoContent)
			if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
				bodyErr.Store(fmt.Sprint(err))
			}
		case "/ignore":
			io.WriteString(w, "ignored")
		case "/continue": // the handler answers the expectation itself
			w.WriteHeader(http.StatusContinue)
			echo(w, r)
		default:
			echo(w, r)
		}
	}))
	c := dial(t, addr)
	c.send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, body := c.answer("HEAD"); resp.ContentLength != int64(len(`HEAD /x "" `)) || body != "" {
		t.Errorf("HEAD: length %d, body %q", resp.ContentLength, body)
	}
	c.send(get("/none"))
	if resp, body := c.answer("GET"); resp.StatusCode != 204 || body != "" || resp.Header.Get("Content-Length") != "" {
		t.Errorf("204: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if e := bodyErr.Load(); e != nil {
		t.Errorf("a body written to a 204: %v, want ErrBodyNotAllowed", e)
	}
	c.send("POST /ignore HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" + get("/after"))
	if _, body := c.answer("POST"); body != "ignored" {
		t.Fatalf("%q", body)
	}
	if _, body := c.answer("GET"); body != `GET /after "" ` {
		t.Fatalf("after an unread body: %q", body)
	}
	// Expect: 100-continue: the body is sent once the server asks for it.
	c.send("POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("100-continue: %q %v", line, err)
	}
	c.br.ReadString('\n')
	c.send("body")
	if _, body := c.answer("POST"); body != `POST /e "body" ` {
		t.Fatalf("after 100-continue: %q", body)
	}
	// Once only, when the handler sent its own 100 Continue.
	c.send("POST /continue HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
	if line, err := c.br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("handler's 100-continue: %q %v", line, err)
	}
	c.br.ReadString('\n')
	c.send("ok")
	if resp, body := c.answer("POST"); resp.StatusCode != 200 || body != `POST /continue "ok" ` {
		t.Fatalf("after the handler's 100-continue: %d %q", resp.StatusCode, body)
	}
	// Unread and beyond what is dropped: the connection closes.
	c.send("POST /ignore HTTP/1.1\r\nHost: h\r\nContent-Length: " + strconv.Itoa(2*maxDiscard) + "\r\n\r\n")
	go c.c.Write(make([]byte, 2*maxDiscard))
	if resp, _ := c.answer("POST"); !resp.Close {
		t.Error("a large unread body: connection kept")
	}
	// Unread with Expect: 100-continue: no 100, and the connection closes.
	c = dial(t, addr)
	c.send("POST /ignore HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	if resp, body := c.answer("POST"); resp.StatusCode != 200 || body != "ignored" || !resp.Close {
		t.Errorf("unread 100-continue body: %d %q close %v", resp.StatusCode, body, resp.Close)
	}
}

// TestStream: a flushed answer reaches the client while the handler still
// runs (Server-Sent Events), through http.ResponseController too.
func TestStream(t *testing.T) {
	next := make(chan struct{})
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := range 3 {
			if err := rc.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Errorf("SetWriteDeadline: %v", err)
			}
			fmt.Fprintf(w, "data: %d\n\n", i)
			if err := rc.Flush(); err != nil {
				t.Errorf("Flush: %v", err)
				return
			}
			<-next
		}
	}))
	resp, err := http.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for i := range 3 {
		for sc.Scan() && sc.Text() == "" {
		}
		if sc.Text() != fmt.Sprintf("data: %d", i) {
			t.Fatalf("event %d: %q %v", i, sc.Text(), sc.Err())
		}
		next <- struct{}{}
	}
}

// TestClientGone: a client that hangs up while its handler waits cancels
// the request's context; the server goes on serving others. The watch
// starts when the handler says it waits (waithint.Waiting: with a
// WatchAfter of an hour, nothing else could start it) or, for a handler
// that does not, within twice WatchAfter (the sweep).
func TestClientGone(t *testing.T) {
	for _, tc := range []struct {
		name       string
		watchAfter time.Duration
		hint       bool
	}{
		{"says-it-waits", time.Hour, true},
		{"swept", 20 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			func() {
				cancelled := make(chan error, 1)
				srv := &Server{WatchAfter: tc.watchAfter}
				addr := start(t, srv, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/wait" {
						echo(w, r)
						return
					}
					io.ReadAll(r.Body) // the connection is watched once the body is read
					if tc.hint {
						waithint.Waiting(r.Context())
					}
					select {
					case <-r.Context().Done():
						cancelled <- r.Context().Err()
					case <-time.After(30 * time.Second):
						cancelled <- errors.New("not cancelled in 30 s")
					}
				}))
				for _, body := range []string{"", "with a body"} {
					c := dial(t, addr)
					c.send("POST /wait HTTP/1.1\r\nHost: h\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
					time.Sleep(20 * time.Millisecond)
					c.c.Close()
					if err := <-cancelled; !errors.Is(err, context.Canceled) {
						t.Fatalf("body %q: %v", body, err)
					}
				}
				c := dial(t, addr)
				c.send(get("/ok"))
				if _, body := c.answer("GET"); body != `GET /ok "" ` {
					t.Fatalf("after: %q", body)
				}
				c.c.Close()
				srv.Close()
			}()
			leaktest.WaitGoroutines(t, before)
		})
	}
}

// TestWaitHintBeforeBody: a handler that says it waits before reading
// its request's body (sent in two parts) gets the whole body, and is
// watched once it is read: a client gone then cancels it (WatchAfter is
// an hour: the hint, kept until the body's end, starts the watch).
func TestWaitHintBeforeBody(t *testing.T) {
	cancelled := make(chan error, 1)
	addr := start(t, &Server{WatchAfter: time.Hour}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waithint.Waiting(r.Context())
		b, _ := io.ReadAll(r.Body)
		if string(b) != "0123456789" {
			t.Errorf("body %q: the watch took bytes of it", b)
		}
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(30 * time.Second):
			cancelled <- errors.New("not cancelled in 30 s")
		}
	}))
	c := dial(t, addr)
	c.send("POST /wait HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234")
	time.Sleep(20 * time.Millisecond)
	c.send("56789")
	time.Sleep(20 * time.Millisecond)
	c.c.Close()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// TestStaleHint: a hint made with the context of a request that has
// ended (kept by a goroutine of its handler) does not start the watch of
// the next request on the connection.
func TestStaleHint(t *testing.T) {
	var old context.Context
	cancelled := make(chan error, 1)
	release := make(chan struct{})
	addr := start(t, &Server{WatchAfter: time.Hour}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			old = r.Context()
			return
		}
		waithint.Waiting(old) // the first request's, late
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-release:
			cancelled <- nil
		}
	}))
	c := dial(t, addr)
	c.send(get("/first"))
	c.answer("GET")
	c.send(get("/second"))
	time.Sleep(20 * time.Millisecond)
	c.c.Close() // unseen: the second request is not watched (WatchAfter is an hour)
	select {
	case err := <-cancelled:
		t.Fatalf("the second request ended (%v): the first one's hint started its watch", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-cancelled; err != nil {
		t.Fatal(err)
	}
}

// TestShutdownWatches: during Shutdown, a handler that does not say it
// waits is still watched (the sweep goes on until the connections end):
// its client hanging up cancels it and Shutdown returns.
func TestShutdownWatches(t *testing.T) {
	srv := &Server{WatchAfter: 20 * time.Millisecond}
	started := make(chan struct{})
	addr := start(t, srv, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	c := dial(t, addr)
	c.send(get("/wait"))
	<-started
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	c.c.Close()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v (the client gone was not seen)", err)
	}
}

// TestServeEnds: once Serve has returned (its listener closed) and its
// connections have ended, no goroutine of the server is left (the sweep
// is a timer, armed only while there are connections).
func TestServeEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := &Server{Handler: http.HandlerFunc(echo), WatchAfter: 10 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	c.send(get("/ok"))
	c.answer("GET")
	c.c.Close()
	ln.Close()
	if err := <-served; err == nil {
		t.Fatal("Serve returned nil on a closed listener")
	}
	leaktest.WaitGoroutines(t, before)
}

// TestShutdown: Shutdown closes idle connections at once, lets an active
// request finish (answered with Connection: close), then returns; Serve
// returns ErrServerClosed; no goroutine is left. A handler that does not
// end by the deadline is cancelled (Close).
func TestShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		release := make(chan struct{})
		running := make(chan struct{}, 1)
		srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hold" {
				running <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}
			io.WriteString(w, r.URL.Path)
		})}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		addr := ln.Addr().String()
		idle := dial(t, addr)
		idle.send(get("/idle"))
		idle.answer("GET")
		fresh := dial(t, addr) // connected, nothing sent
		active := dial(t, addr)
		active.send(get("/hold"))
		<-running
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(context.Background()) }()
		if !idle.closed() || !fresh.closed() {
			t.Fatal("idle connections kept during Shutdown")
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Fatalf("Serve: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) before the active request ended", err)
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		if resp, body := active.answer("GET"); body != "/hold" || !resp.Close {
			t.Errorf("active request: %q, close %v", body, resp.Close)
		}
		if err := <-done; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if _, err := net.Dial("tcp", addr); err == nil {
			t.Error("still accepting after Shutdown")
		}

		// A handler that never ends by itself: Shutdown's deadline
		// closes its connection and cancels it.
		srv2 := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			running <- struct{}{}
			<-r.Context().Done()
		})}
		ln2, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { served <- srv2.Serve(ln2) }()
		stuck := dial(t, ln2.Addr().String())
		stuck.send(get("/"))
		<-running
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := srv2.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown with a stuck handler: %v", err)
		}
		<-served
		if !stuck.closed() {
			t.Error("stuck connection kept")
		}
	}()
	leaktest.WaitGoroutines(t, before)
}

// TestTimeouts: a connection that sends nothing (or half a request) is
// closed after ReadHeaderTimeout; a kept-alive one after IdleTimeout.
func TestTimeouts(t *testing.T) {
	addr := start(t, &Server{ReadHeaderTimeout: 50 * time.Millisecond, IdleTimeout: 100 * time.Millisecond}, echo)
	silent := dial(t, addr)
	half := dial(t, addr)
	half.send("GET / HTTP/1.1\r\nHo")
	idle := dial(t, addr)
	idle.send(get("/"))
	idle.answer("GET")
	t0 := time.Now()
	for name, c := range map[string]*rawConn{"silent": silent, "half a request": half, "idle": idle} {
		if !c.closed() {
			t.Errorf("%s: connection kept", name)
		}
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("closed after %v", d)
	}
}

// TestPanic: a handler's panic closes its connection; the server goes on.
func TestPanic(t *testing.T) {
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		echo(w, r)
	}))
	c := dial(t, addr)
	c.send(get("/panic"))
	if !c.closed() {
		t.Fatal("connection kept after a panic")
	}
	c = dial(t, addr)
	c.send(get("/ok"))
	if _, body := c.answer("GET"); body != `GET /ok "" ` {
		t.Fatalf("after a panic: %q", body)
	}
}

// TestHeaderInjection: a line break in a header value cannot add a field;
// an invalid field name is dropped.
func TestHeaderInjection(t *testing.T) {
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-A", "a\r\nX-Injected: 1")
		w.Header()["Bad Name"] = []string{"v"}
		w.WriteHeader(http.StatusTeapot)
	}))
	c := dial(t, addr)
	c.send(get("/"))
	resp, _ := c.answer("GET")
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Injected") != "" || resp.Header.Get("X-A") != "a  X-Injected: 1" || len(resp.Header["Bad Name"]) != 0 {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

// TestNetHTTPClient: net/http's client, keep-alive and concurrent, gets
// the same answers as from net/http's server.
func TestNetHTTPClient(t *testing.T) {
	addr := start(t, &Server{}, echo)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				body := strings.Repeat("b", i*100)
				req, _ := http.NewRequest("POST", "http://"+addr+"/p", strings.NewReader(body))
				req.Header.Set("X-Test", strconv.Itoa(g))
				resp, err := cl.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf("POST /p %q %d", body, g); string(b) != want {
					t.Errorf("%.40q…, want %.40q…", b, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestAllocsPerRequest bounds what the server allocates for a kept-alive
// POST whose handler reads the body, sets a header and writes a small
// answer (the client here allocates nothing): http.ReadRequest's request
// and header map, the request's context, the answer and its header map:
// 18 when written (22 before the status line, Date and Content-Length were
// formatted into bufio's own buffer and the body's reader was allocated
// with the answer).
func TestAllocsPerRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations")
	}
	addr := start(t, &Server{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write([]byte(`{"ok":true}`))
	}))
	c := dial(t, addr)
	req := []byte("POST /v1/read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
	roundTrip := func() {
		if _, err := c.c.Write(req); err != nil {
			t.Fatal(err)
		}
		n := -1 // the answer's Content-Length, read without allocating
		for first := true; ; first = false {
			line, err := c.br.ReadSlice('\n')
			if err != nil {
				t.Fatal(err)
			}
			if first && !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
				t.Fatalf("status line %q, want 200", line)
			}
			if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
				n = 0
				for _, d := range bytes.TrimSpace(v) {
					n = n*10 + int(d-'0')
				}
			}
			if len(line) == 2 {
				break
			}
		}
		if _, err := c.br.Discard(n); n < 0 || err != nil {
			t.Fatalf("answer of %d bytes: %v", n, err)
		}
	}
	roundTrip()
	got := testing.AllocsPerRun(500, roundTrip)
	t.Logf("%.1f allocations per request", got)
	if got > 18 {
		t.Errorf("%.1f allocations per request, want at most 18", got)
	}
}

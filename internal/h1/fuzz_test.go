package h1

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// memConn is a connection whose client sent in and then closed its side:
// reads take in then EOF; writes are kept.
type memConn struct {
	mu     sync.Mutex
	in     *bytes.Reader
	out    bytes.Buffer
	closed bool
}

func (m *memConn) Read(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, net.ErrClosed
	}
	return m.in.Read(p)
}

func (m *memConn) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, net.ErrClosed
	}
	return m.out.Write(p)
}

func (m *memConn) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7723} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }
func (m *memConn) CloseWrite() error                { return nil }

func (m *memConn) output() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.out.Bytes())
}

// FuzzConn feeds raw bytes to a connection served by a handler that
// reads bodies, streams and answers with or without a length: the
// connection ends (no hang, no panic), and what it wrote is a sequence of
// well-formed HTTP/1.1 answers.
func FuzzConn(f *testing.F) {
	for _, seed := range []string{
		get("/"),
		get("/a") + get("/b"),
		"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
		"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"GET /stream HTTP/1.1\r\nHost: h\r\n\r\n",
		"HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n",
		get("/pieces") + "HEAD /pieces HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /big HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + get("/after"),
		"GET / HTTP/2.0\r\n\r\n",
		"GET\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: " + string(make([]byte, 3000)) + "\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	big := bytes.Repeat([]byte("0123456789"), 2000)
	var methods []string // of the requests handled, in order (one input at a time)
	srv := &Server{MaxHeaderBytes: 2048, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method)
		switch r.URL.Path {
		case "/stream":
			w.Write([]byte("a"))
			w.(http.Flusher).Flush()
			w.Write([]byte("b"))
		case "/big":
			w.Write(big)
		case "/pieces":
			for range 3 {
				w.Write(big[:9000])
			}
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		default:
			b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.Header().Set("X-Len", "n")
			w.Write(b)
		}
	})}
	f.Fuzz(func(t *testing.T, in []byte) {
		m := &memConn{in: bytes.NewReader(in)}
		methods = methods[:0]
		srv.mu.Lock()
		if srv.conns == nil {
			srv.conns = map[*conn]struct{}{}
			srv.gone = make(chan struct{}, 1)
		}
		c := newConn(srv, m, t.Context())
		srv.conns[c] = struct{}{}
		srv.mu.Unlock()
		done := make(chan struct{})
		go func() { defer close(done); c.serve() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the connection did not end on %q", in)
		}
		br := bufio.NewReader(bytes.NewReader(m.output()))
		for i := 0; ; i++ {
			if _, err := br.Peek(1); err == io.EOF {
				break
			}
			// Skip an interim 100 Continue.
			if b, _ := br.Peek(12); string(b) == "HTTP/1.1 100" {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("interim answer: %v", err)
				}
				resp.Body.Close()
				continue
			}
			method := "GET" // a refusal, before any handler
			if i < len(methods) {
				method = methods[i]
			}
			resp, err := http.ReadResponse(br, &http.Request{Method: method})
			if err != nil {
				t.Fatalf("answer to %q: %v\n%q", in, err, m.output())
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatalf("answer body to %q: %v", in, err)
			}
			resp.Body.Close()
			if resp.Close {
				break
			}
		}
	})
}

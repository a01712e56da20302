package h1

import (
	"bufio"
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
	"time"

	"github.com/apcvkit/apcvkit/internal/waithint"
)

// A connection's states, for Shutdown: idle connections (waiting for a
// request's first byte) are closed at once, active ones after their answer.
const (
	stateIdle = iota
	stateActive
	stateClosed
)

// aLongTimeAgo is a read deadline in the past: it ends a read under way.
var aLongTimeAgo = time.Unix(1, 0)

// lingerTime bounds how long a connection closed with request bytes
// unread is drained after its answer, so that the client gets the answer
// rather than a reset.
const lingerTime = 500 * time.Millisecond

// finishTimeout bounds the writing of what is left of an answer once its
// handler has returned, when the handler set no write deadline.
const finishTimeout = 10 * time.Second

// conn is one client connection, served by one goroutine (serve).
type conn struct {
	s      *Server
	rwc    net.Conn
	ctx    context.Context // the server's base, with the local address and the wait hook (waiting)
	remote string
	cr     connReader
	br     *bufio.Reader
	bw     *bufio.Writer
	buf    []byte // an answer's body held for its Content-Length, reused

	mu        sync.Mutex // guards what follows, shared with the watch and the Server
	state     int
	cancel    context.CancelFunc // the running request's context
	running   bool               // a handler runs: the watch may start
	started   time.Time          // when the running handler started (the sweep)
	bodyDone  bool               // the running request's body is read: the connection may be read
	wantWatch bool               // the watch is due once the body is read
	watching  bool
	aborting  bool          // the watch is being stopped: its read's error is ours
	watchDone chan struct{} // closed when the watch ends
	gone      bool          // the client hung up (seen by the watch)
	cur       *response     // the running request's answer
	deadline  bool          // its handler set a write deadline
}

func newConn(s *Server, rwc net.Conn, ctx context.Context) *conn {
	c := &conn{s: s, rwc: rwc, state: stateIdle}
	// A wait of the handler's (waithint.Waiting on the request's context)
	// starts the watch.
	c.ctx = waithint.With(ctx, c.waiting)
	if a := rwc.RemoteAddr(); a != nil {
		c.remote = a.String()
	}
	c.cr.c = c
	return c
}

// connReader reads the connection for the bufio.Reader: first the byte
// the watch may have read, and at most remain bytes while a request's
// headers are read (MaxHeaderBytes).
type connReader struct {
	c       *conn
	limited bool
	remain  int64
	hit     bool  // the header limit was reached
	err     error // the last error reading the connection
	hasByte bool  // one holds a byte read by the watch
	one     [1]byte
}

func (cr *connReader) Read(p []byte) (int, error) {
	if cr.limited {
		if cr.remain <= 0 {
			cr.hit = true
			return 0, io.EOF
		}
		if int64(len(p)) > cr.remain {
			p = p[:cr.remain]
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if cr.hasByte {
		p[0], cr.hasByte, n = cr.one[0], false, 1
	} else {
		n, err = cr.c.rwc.Read(p)
		if err != nil {
			cr.err = err
		}
	}
	cr.remain -= int64(n)
	return n, err
}

// limit bounds the bytes read from now on to what a request's line and
// headers may take (net/http allows 4096 more, bufio's look-ahead).
func (cr *connReader) limit(n int64) {
	cr.limited, cr.remain, cr.hit, cr.err = true, n+4096, false, nil
}

func (cr *connReader) unlimit() { cr.limited = false }

// serve reads requests and answers each in this goroutine until the
// client closes, a request says Connection: close, an error, or the server
// shuts down.
func (c *conn) serve() {
	linger := false
	defer func() {
		c.mu.Lock()
		c.state = stateClosed
		c.mu.Unlock()
		if linger {
			c.lingeringClose()
		}
		c.rwc.Close()
		c.s.forget(c)
	}()
	c.br = bufio.NewReaderSize(&c.cr, 4<<10)
	c.bw = bufio.NewWriterSize(c.rwc, 8<<10)
	s := c.s
	for first := true; ; first = false {
		if !c.setState(stateIdle) {
			return
		}
		c.cr.limit(s.maxHeaderBytes())
		if c.br.Buffered() == 0 { // else a pipelined request is there
			wait := s.idleTimeout()
			if first {
				wait = s.readHeaderTimeout()
			}
			c.rwc.SetReadDeadline(time.Now().Add(wait))
			if _, err := c.br.Peek(1); err != nil {
				if c.cr.hit {
					c.fail(http.StatusRequestHeaderFieldsTooLarge, "")
					linger = true
				}
				return
			}
		}
		if !c.setState(stateActive) {
			return
		}
		c.rwc.SetReadDeadline(time.Now().Add(s.readHeaderTimeout()))
		req, err := http.ReadRequest(c.br)
		if err != nil {
			c.badRequest(err)
			linger = true
			return
		}
		c.cr.unlimit()
		c.rwc.SetReadDeadline(time.Time{})
		keep, unread := c.handle(req)
		if !keep {
			linger = unread
			return
		}
	}
}

// setState moves c to idle or active; false if it is to close (the server
// shuts down, or closed it).
func (c *conn) setState(st int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed || (st == stateIdle && c.s.shuttingDown()) {
		return false
	}
	c.state = st
	return true
}

// closeIfIdle closes c if it waits for a request (Shutdown).
func (c *conn) closeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateIdle {
		c.state = stateClosed
		c.rwc.Close()
	}
}

// kill closes c and cancels its request (Close).
func (c *conn) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = stateClosed
	c.rwc.Close()
	if c.cancel != nil {
		c.cancel()
	}
}

// badRequest answers a request that could not be read, when it is worth
// an answer (not a timeout, nor a client gone: reading the connection
// failed).
func (c *conn) badRequest(err error) {
	switch {
	case c.cr.hit:
		c.fail(http.StatusRequestHeaderFieldsTooLarge, "")
	case c.cr.err != nil, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	case strings.Contains(err.Error(), "unsupported transfer encoding"):
		c.fail(http.StatusNotImplemented, "unsupported transfer encoding")
	default:
		// Not the error's text: it quotes the request line, whose query
		// may hold the token (GET /v1/events?token=…).
		c.s.logger().Debug("h1: bad request", "remote", c.remote, "err-type", fmt.Sprintf("%T", err))
		c.fail(http.StatusBadRequest, "")
	}
}

// fail answers status with a short text body and Connection: close.
func (c *conn) fail(status int, why string) {
	body := strconv.Itoa(status) + " " + http.StatusText(status)
	if why != "" {
		body += ": " + why
	}
	fmt.Fprintf(c.bw, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
	c.bw.Flush()
}

// lingeringClose stops sending and reads what the client still sends,
// for a while, so that closing with bytes unread does not reset the
// connection before the client read the answer.
func (c *conn) lingeringClose() {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.rwc.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, c.rwc, maxDiscard)
}

// handle answers req; keep reports whether the connection serves another
// request, unread whether request bytes may be left unread.
func (c *conn) handle(req *http.Request) (keep, unread bool) {
	if req.ProtoMajor != 1 {
		c.fail(http.StatusHTTPVersionNotSupported, "")
		return false, true
	}
	if why := checkRequest(req); why != "" {
		c.fail(http.StatusBadRequest, why)
		return false, true
	}
	w := &response{c: c, req: req, header: make(http.Header), clen: -1, buf: c.buf[:0]}
	if ex := req.Header.Get("Expect"); ex != "" {
		if !strings.EqualFold(ex, "100-continue") || req.ProtoMinor == 0 {
			c.fail(http.StatusExpectationFailed, "")
			return false, true
		}
		w.wantContinue = req.Body != http.NoBody
	}
	if req.Close || req.ProtoMinor == 0 {
		w.closeAfter = true
	}
	req.RemoteAddr = c.remote
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	req = req.WithContext(ctx)
	if req.Body != http.NoBody {
		w.bodyv = reqBody{rc: req.Body, w: w}
		w.body = &w.bodyv
		req.Body = w.body
	}
	w.req = req
	c.mu.Lock()
	c.cancel, c.running, c.bodyDone, c.wantWatch, c.gone, c.cur = cancel, true, w.body == nil, false, false, w
	c.started = time.Now()
	c.mu.Unlock()
	panicked := c.run(w, req)
	c.stopWatch()
	c.mu.Lock()
	c.cancel, c.cur = nil, nil
	gone, deadline := c.gone, c.deadline
	c.deadline = false
	c.mu.Unlock()
	if panicked {
		if deadline {
			c.rwc.SetWriteDeadline(time.Time{})
		}
		return false, false
	}
	// The rest of the answer goes out under the handler's write deadline,
	// or finishTimeout when it set none: a client that stopped reading
	// does not hold this goroutine.
	if !deadline {
		c.rwc.SetWriteDeadline(time.Now().Add(finishTimeout))
	}
	w.finish()
	c.rwc.SetWriteDeadline(time.Time{})
	c.buf = w.buf[:0]
	if cap(c.buf) > 2*bufMax {
		c.buf = nil
	}
	unread = w.body != nil && !w.body.eof
	return !w.closeAfter && !gone && w.err == nil, unread
}

// checkRequest returns why req is malformed in what http.ReadRequest lets
// through and net/http's server refuses (400), or "".
func checkRequest(req *http.Request) string {
	// http.ReadRequest took the Host header out (refusing two of them).
	switch {
	case req.ProtoMinor >= 1 && req.Host == "" && req.Method != http.MethodConnect:
		return "missing required Host header"
	case !validHeaderValue(req.Host) || strings.ContainsAny(req.Host, " \t"):
		return "malformed Host header"
	}
	for k, vv := range req.Header {
		if !validHeaderName(k) {
			return "invalid header name"
		}
		for _, v := range vv {
			if !validHeaderValue(v) {
				return "invalid header value"
			}
		}
	}
	return ""
}

// run calls the handler; a panic is logged (but http.ErrAbortHandler)
// and reported.
func (c *conn) run(w *response, req *http.Request) (panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			if p != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				// The panic's type, not its value: a value may hold what
				// the request carried (personal data, the token).
				c.s.logger().Error("h1: handler panic", "remote", c.remote, "panic-type", fmt.Sprintf("%T", p), "stack", string(buf))
			}
		}
	}()
	c.s.Handler.ServeHTTP(w, req)
	return false
}

// waiting is the hook of waithint in c's requests' contexts: the handler
// of the request whose context (or a context derived from it) is ctx waits.
// A hint from a request that has ended (its context is cancelled when its
// handler returns) does nothing, even while a later request runs.
func (c *conn) waiting(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() == nil {
		c.startWatch()
	}
}

// startWatch, under c.mu, starts watching the connection while the
// handler runs, once the request's body is read: the handler waits
// (waiting), or it has run longer than WatchAfter (sweep).
func (c *conn) startWatch() {
	if !c.running || c.watching || c.gone {
		return
	}
	if !c.bodyDone {
		c.wantWatch = true
		return
	}
	c.beginWatch()
}

// bodyRead notes that the request's body was read to its end; a watch
// that was due starts.
func (c *conn) bodyRead() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodyDone = true
	if c.wantWatch && c.running && !c.watching && !c.gone {
		c.beginWatch()
	}
}

// beginWatch starts the watch, under c.mu: unless a byte read by an
// earlier watch is still to be read (the client sent more: not gone).
func (c *conn) beginWatch() {
	if c.cr.hasByte {
		return
	}
	c.watching = true
	c.watchDone = make(chan struct{})
	go c.watch(c.watchDone)
}

// watch reads one byte of the connection: an error (the client hung up,
// the server closed it) cancels the request; a byte (a pipelined
// request) is kept for the next request.
func (c *conn) watch(done chan struct{}) {
	defer close(done)
	n, err := c.rwc.Read(c.cr.one[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if n == 1 {
		c.cr.hasByte = true
	}
	if err != nil && !c.aborting {
		c.gone = true
		if c.cancel != nil {
			c.cancel()
		}
	}
	c.watching = false
}

// sweep starts the watch of a handler running since before due that did
// not say it waits (Server.sweep).
func (c *conn) sweep(due time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running && c.started.Before(due) {
		c.startWatch()
	}
}

// stopWatch, when the handler returned, ends the watch, waiting for it.
func (c *conn) stopWatch() {
	c.mu.Lock()
	c.running = false
	done := c.watchDone
	if c.watching {
		c.aborting = true
		c.rwc.SetReadDeadline(aLongTimeAgo)
	}
	c.mu.Unlock()
	if done == nil {
		return
	}
	<-done
	c.mu.Lock()
	c.watchDone, c.aborting = nil, false
	c.mu.Unlock()
	c.rwc.SetReadDeadline(time.Time{})
}

// validHeaderName reports whether k is an HTTP token (RFC 9110).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isTokenByte(k[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// validHeaderValue reports whether v holds no control byte but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

package h1

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bufMax is how much of an answer's body is held, while the handler has
// set no Content-Length, to send it with one when the handler ends; a
// larger body is sent chunked as it comes.
const bufMax = 16 << 10

// errAfterHandler is the error of a write after the handler returned.
var errAfterHandler = errors.New("h1: write after the handler returned")

// response is the http.ResponseWriter of one request (also http.Flusher,
// and what http.ResponseController needs: FlushError, SetWriteDeadline).
type response struct {
	c      *conn
	req    *http.Request
	body   *reqBody // nil without a body, else &bodyv
	bodyv  reqBody  // the body's reader, allocated with the response
	header http.Header

	status       int
	wroteHeader  bool // the status is chosen
	sent         bool // the status line and headers are written
	head         bool
	chunked      bool
	clen         int64 // the Content-Length the handler set, or -1
	written      int64
	buf          []byte // the body held until the end (or bufMax)
	wantContinue bool   // Expect: 100-continue, not yet answered
	closeAfter   bool
	err          error // the first error writing to the client
	done         bool
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
)

func (w *response) Header() http.Header { return w.header }

// bodyAllowed reports whether an answer of status may have a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

func (w *response) WriteHeader(code int) {
	if w.done {
		return
	}
	if code < 100 || code > 999 {
		panic("h1: invalid WriteHeader code " + strconv.Itoa(code)) // as net/http
	}
	if w.wroteHeader {
		w.c.s.logger().Debug("h1: superfluous WriteHeader", "code", code)
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols { // informational: sent now
		if code == http.StatusContinue {
			w.wantContinue = false // the handler answered the expectation itself
		}
		if !w.sent {
			w.writeStatus(code)
			w.writeFields(framingFields) // as net/http: no framing on a 1xx
			w.c.bw.WriteString("\r\n")
			w.flush()
		}
		return
	}
	w.wroteHeader, w.status = true, code
	w.head = w.req.Method == http.MethodHead
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.clen = n
		} else {
			w.c.s.logger().Debug("h1: invalid Content-Length set by the handler", "value", cl)
			w.header.Del("Content-Length")
		}
	}
}

func (w *response) Write(p []byte) (int, error) {
	if w.done {
		return 0, errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.clen >= 0 && w.written+int64(len(p)) > w.clen {
		return 0, http.ErrContentLength
	}
	if w.err != nil {
		return 0, w.err
	}
	w.written += int64(len(p))
	if w.head {
		return len(p), nil
	}
	if !w.sent {
		// Held until the handler returns (one write for the header and
		// the body) or the buffer is full: then the header goes, with
		// the handler's Content-Length or chunked.
		if len(w.buf)+len(p) <= bufMax {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.sendHeader(false)
		if len(w.buf) > 0 {
			w.writeBody(w.buf)
			w.buf = w.buf[:0]
		}
	}
	w.writeBody(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// writeBody sends p (a chunk if chunked), after the header.
func (w *response) writeBody(p []byte) {
	bw := w.c.bw
	if w.chunked {
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(p)), 16)) // no allocation (bufio's idiom)
		bw.WriteString("\r\n")
		bw.Write(p)
		_, err := bw.WriteString("\r\n")
		w.setErr(err)
		return
	}
	_, err := bw.Write(p)
	w.setErr(err)
}

func (w *response) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.closeAfter = true
	}
}

func (w *response) flush() { w.setErr(w.c.bw.Flush()) }

// Flush sends the header and the body so far to the client.
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush, returning the error of a client gone
// (http.ResponseController.Flush).
func (w *response) FlushError() error {
	if w.done {
		return errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHeader(false)
		if len(w.buf) > 0 {
			w.writeBody(w.buf)
			w.buf = w.buf[:0]
		}
	}
	w.flush()
	return w.err
}

// SetWriteDeadline bounds the writes to the client from now on, until the
// handler returns (http.ResponseController.SetWriteDeadline). Like
// net/http's, it may be called from another goroutine (to end a write
// that blocks); after the handler returned it fails.
func (w *response) SetWriteDeadline(t time.Time) error {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != w {
		return errAfterHandler
	}
	c.deadline = true
	return c.rwc.SetWriteDeadline(t)
}

// finish ends the answer when the handler returned.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHeader(true)
		if len(w.buf) > 0 && !w.head {
			w.writeBody(w.buf)
		}
	} else if w.chunked {
		_, err := w.c.bw.WriteString("0\r\n\r\n")
		w.setErr(err)
	}
	if w.clen >= 0 && w.written != w.clen && !w.head && bodyAllowed(w.status) {
		w.closeAfter = true // the client waits for the rest
	}
	w.flush()
	w.done = true
}

// sendHeader writes the status line and the headers, deciding how the
// body is framed: its Content-Length when final (the handler returned) or
// set by the handler, else chunked (or until the close, for HTTP/1.0).
func (w *response) sendHeader(final bool) {
	w.sent = true
	c := w.c
	if w.body != nil && !w.body.eof {
		// The handler left the request body unread: read and drop a
		// reasonable rest to keep the connection, or close it.
		if w.wantContinue || !w.body.discard() {
			w.closeAfter = true
		}
	}
	if c.s.shuttingDown() {
		w.closeAfter = true
	}
	h := w.header
	for _, v := range h["Connection"] {
		if strings.EqualFold(strings.TrimSpace(v), "close") {
			w.closeAfter = true
		}
	}
	var clen int64 = -1
	withBody := bodyAllowed(w.status)
	switch {
	case !withBody:
	case w.clen >= 0:
		clen = w.clen
	case final && (!w.head || w.written > 0):
		clen = w.written
	case w.head:
	case w.req.ProtoMinor == 0:
		w.closeAfter = true // the body ends with the connection
	default:
		w.chunked = true
	}
	w.writeStatus(w.status)
	bw := c.bw
	if _, set := h["Content-Type"]; withBody && !set && len(w.buf) > 0 { // nil: no sniffing, as net/http
		bw.WriteString("Content-Type: ")
		bw.WriteString(http.DetectContentType(w.buf))
		bw.WriteString("\r\n")
	}
	if len(h["Date"]) == 0 {
		bw.WriteString("Date: ")
		bw.Write(time.Now().UTC().AppendFormat(bw.AvailableBuffer(), http.TimeFormat))
		bw.WriteString("\r\n")
	}
	w.writeFields(framingFields)
	if clen >= 0 {
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), clen, 10))
		bw.WriteString("\r\n")
	}
	if w.chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	if w.closeAfter {
		bw.WriteString("Connection: close\r\n")
	}
	_, err := bw.WriteString("\r\n")
	w.setErr(err)
}

// writeStatus writes the status line of code.
func (w *response) writeStatus(code int) {
	bw := w.c.bw
	bw.WriteString("HTTP/1.1 ")
	bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
	bw.WriteByte(' ')
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code)
	}
	bw.WriteString(text)
	bw.WriteString("\r\n")
}

// writeFields writes the handler's header fields but those in skip:
// a field of an invalid name is dropped, and a line break in a value
// becomes a space (no header injection).
func (w *response) writeFields(skip map[string]bool) {
	bw := w.c.bw
	for k, vv := range w.header {
		if skip[k] || !validHeaderName(k) {
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			for i := 0; i < len(v); i++ {
				b := v[i]
				if b == '\r' || b == '\n' || b == 0 {
					b = ' '
				}
				bw.WriteByte(b)
			}
			bw.WriteString("\r\n")
		}
	}
}

// reqBody is a request's body as the handler reads it: it answers
// "Expect: 100-continue" at the first read and notes its end (after which
// the connection may be watched).
type reqBody struct {
	rc     io.ReadCloser // http.ReadRequest's
	w      *response
	eof    bool
	closed bool
}

func (b *reqBody) Read(p []byte) (int, error) {
	if b.closed || b.w.done {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.eof {
		return 0, io.EOF
	}
	if w := b.w; w.wantContinue {
		w.wantContinue = false
		if !w.sent {
			w.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			w.flush()
		}
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.eof = true
		b.w.c.bodyRead()
	case err != nil: // a client gone, a malformed chunk: the connection is done
		b.w.closeAfter = true
	}
	return n, err
}

// Close ends the handler's reading; the rest is dropped (or the
// connection closed) when the answer is sent.
func (b *reqBody) Close() error {
	b.closed = true
	return nil
}

// discard reads and drops the rest of the body, up to maxDiscard; it
// reports whether the body ended.
func (b *reqBody) discard() bool {
	if b.eof {
		return true
	}
	if b.w.closeAfter {
		return false
	}
	_, err := io.CopyN(io.Discard, b.rc, maxDiscard+1)
	if err == io.EOF {
		b.eof = true
		b.w.c.bodyRead()
		return true
	}
	return false
}

// framingFields are the handler's fields the server writes itself (or not
// at all, on a 1xx).
var framingFields = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true}

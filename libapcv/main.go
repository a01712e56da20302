// The exports of libapcv (cgo): see doc.go.

package main

/*
#include <stdint.h>
#include <stdlib.h>

typedef int64_t apcv_handle;
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/reader"
)

// session is an open handle: the session and the event queue apcv_next_event reads.
type session struct {
	s   *desk.Session
	sub *desk.Subscription
}

var (
	mu       sync.Mutex
	sessions = map[int64]*session{}
	lastID   int64
)

func lookup(h C.apcv_handle) (*session, error) {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := sessions[int64(h)]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("libapcv: handle %d: %w", int64(h), desk.ErrBadHandle)
}

// result returns err's result code, and sets *out (when out is not NULL) to
// its error JSON.
func result(err error, out **C.char) C.int {
	if out != nil {
		b, _ := json.Marshal(desk.ErrorOf(err))
		*out = C.CString(string(b))
	}
	return C.int(desk.ResultCode(err))
}

// guard turns a panic of the library, in an exported function, into
// APCV_E_INTERNAL (with its error JSON in *out when out is not NULL and
// nothing was set there): a Go panic reaching the C caller would abort the
// host process (the desk software). The panic's value is not put in the
// error, which may carry personal data.
func guard(rc *C.int, out **C.char) {
	if recover() == nil {
		return
	}
	err := fmt.Errorf("libapcv: internal error: %w", apcverr.Generic)
	if out != nil && *out != nil {
		out = nil // already holds what the caller frees
	}
	*rc = result(err, out)
}

// badArgument is the result of a NULL where a pointer is needed.
func badArgument(what string) C.int {
	return C.int(desk.ResultCode(fmt.Errorf("libapcv: %s is NULL: %w", what, desk.ErrBadArgument)))
}

//export apcv_open
func apcv_open(configJSON *C.char, out *C.apcv_handle) (rc C.int) {
	defer guard(&rc, nil)
	if configJSON == nil || out == nil {
		return badArgument("config_json or out")
	}
	*out = 0
	cfg, err := desk.ParseConfig([]byte(C.GoString(configJSON)))
	if err != nil {
		return result(err, nil)
	}
	s, err := desk.Open(context.Background(), cfg)
	if err != nil {
		return result(err, nil)
	}
	// The caller is the program itself: its events carry the identity as
	// apcv_read does, masked only with "masked": true.
	sess := &session{s: s, sub: s.Subscribe(0, true)}
	mu.Lock()
	lastID++
	id := lastID
	sessions[id] = sess
	mu.Unlock()
	*out = C.apcv_handle(id)
	return desk.OK
}

// deadline returns a context ending after ms milliseconds: ms < 0 means no
// limit, and ms == 0 no limit too when zeroWaits is false (apcv_read).
func deadline(ms C.int, zeroWaits bool) (context.Context, context.CancelFunc) {
	if ms < 0 || (ms == 0 && !zeroWaits) {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
}

//export apcv_read
func apcv_read(h C.apcv_handle, timeoutMS C.int, identityJSON **C.char) (rc C.int) {
	if identityJSON == nil {
		return badArgument("identity_json")
	}
	defer guard(&rc, identityJSON)
	*identityJSON = nil
	sess, err := lookup(h)
	if err != nil {
		return result(err, identityJSON)
	}
	ctx, cancel := deadline(timeoutMS, false)
	defer cancel()
	// Read runs on the caller's thread: with one device, a presentation
	// already there (a QR code scanned before the call) is read and
	// verified without this thread ever waiting; it parks only while
	// nothing is presented (reader.Read reads a single device in the
	// calling goroutine).
	id, err := sess.s.Read(ctx)
	if err != nil {
		return result(err, identityJSON)
	}
	b, err := json.Marshal(sess.s.IdentityJSON(id, false))
	if err != nil {
		return result(err, identityJSON)
	}
	*identityJSON = cBytes(b)
	return desk.OK
}

// cBytes copies b into a NUL-terminated malloc'd C string.
func cBytes(b []byte) *C.char {
	p := (*[1 << 30]byte)(C.malloc(C.size_t(len(b) + 1)))
	copy(p[:len(b)], b)
	p[len(b)] = 0
	return (*C.char)(unsafe.Pointer(p))
}

//export apcv_next_event
func apcv_next_event(h C.apcv_handle, timeoutMS C.int, eventJSON **C.char) (rc C.int) {
	if eventJSON == nil {
		return badArgument("event_json")
	}
	defer guard(&rc, eventJSON)
	*eventJSON = nil
	sess, err := lookup(h)
	if err != nil {
		return result(err, eventJSON)
	}
	ctx, cancel := deadline(timeoutMS, true)
	defer cancel()
	e, err := sess.sub.Next(ctx)
	if err != nil {
		return result(err, eventJSON)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return result(err, eventJSON)
	}
	*eventJSON = cBytes(b)
	return desk.OK
}

//export apcv_post_receipt
func apcv_post_receipt(h C.apcv_handle, receiptJSON *C.char) (rc C.int) {
	defer guard(&rc, nil)
	if receiptJSON == nil {
		return badArgument("receipt_json")
	}
	sess, err := lookup(h)
	if err != nil {
		return result(err, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return result(sess.s.PostReceipt(ctx, []byte(C.GoString(receiptJSON))), nil)
}

//export apcv_cancel
func apcv_cancel(h C.apcv_handle) (rc C.int) {
	defer guard(&rc, nil)
	sess, err := lookup(h)
	if err != nil {
		return result(err, nil)
	}
	sess.s.Cancel()
	return desk.OK
}

//export apcv_close
func apcv_close(h C.apcv_handle) (rc C.int) {
	defer guard(&rc, nil)
	mu.Lock()
	sess, ok := sessions[int64(h)]
	delete(sessions, int64(h))
	mu.Unlock()
	if !ok {
		return result(fmt.Errorf("libapcv: handle %d: %w", int64(h), desk.ErrBadHandle), nil)
	}
	// Close also closes the subscription. Its error is a device that
	// failed to close: the session is closed all the same, and there is
	// nothing the caller could do about it.
	_ = sess.s.Close()
	return desk.OK
}

//export apcv_free
func apcv_free(s *C.char) {
	C.free(unsafe.Pointer(s)) // free(NULL) does nothing
}

// static holds the strings of apcv_message and apcv_version, allocated once
// and never freed (the callers keep the pointers).
var (
	staticMu sync.Mutex
	static   = map[string]*C.char{}
)

func staticString(s string) *C.char {
	staticMu.Lock()
	defer staticMu.Unlock()
	p, ok := static[s]
	if !ok {
		p = C.CString(s)
		static[s] = p
	}
	return p
}

//export apcv_message
func apcv_message(code C.int, lang *C.char) *C.char {
	r, ok := desk.ResultCodeOf(int(code))
	if !ok {
		return nil
	}
	if lang != nil && apcverr.Lang(C.GoString(lang)) == apcverr.FR {
		return staticString(r.FR)
	}
	return staticString(r.EN)
}

//export apcv_version
func apcv_version() *C.char {
	return staticString(strconv.Itoa(abiVersion) + " apcvkit " + reader.Version())
}

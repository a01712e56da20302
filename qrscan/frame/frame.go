package frame

import (
	"bytes"
	"strconv"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
)

// Suffix is the terminator a scanner sends after each scan.
type Suffix uint8

// Suffixes a scanner can be set to. The zero value, CR, is the factory
// default of most scanners.
const (
	CR   Suffix = iota // carriage return, 0x0D
	LF                 // line feed, 0x0A
	CRLF               // CR then LF
	Tab                // horizontal tab, 0x09
	None               // no terminator: a scan ends when the line goes idle
)

// Bytes returns the bytes the scanner sends for s; nil for None or an
// unknown value.
func (s Suffix) Bytes() []byte {
	switch s {
	case CR:
		return []byte{'\r'}
	case LF:
		return []byte{'\n'}
	case CRLF:
		return []byte{'\r', '\n'}
	case Tab:
		return []byte{'\t'}
	}
	return nil
}

// String returns the name of s ("CR", "LF", "CRLF", "Tab", "None").
func (s Suffix) String() string {
	switch s {
	case CR:
		return "CR"
	case LF:
		return "LF"
	case CRLF:
		return "CRLF"
	case Tab:
		return "Tab"
	case None:
		return "None"
	}
	return "Suffix(" + strconv.Itoa(int(s)) + ")"
}

// DefaultIdleTimeout is the idle gap used when Config.IdleTimeout is zero.
// A scanner sends a scan as one continuous burst (about 1 ms per character
// at 9600 baud, far less over USB); a person scanning again takes seconds.
const DefaultIdleTimeout = 200 * time.Millisecond

// Config describes how a scanner frames its output. The zero value suits a
// scanner with factory settings: CR suffix, no prefix, no AIM identifier.
type Config struct {
	// Suffix is the terminator the scanner is set to send. With None a
	// scan ends when the line has been idle for IdleTimeout; with any
	// other value an idle gap in the middle of a scan discards it as
	// interrupted. Whatever Suffix says, CR, LF and Tab always end a frame:
	// none of them can occur in an ApCV text, so the framer resyncs there
	// and accepts a scanner that sends CRLF where CR was configured.
	Suffix Suffix
	// IdleTimeout is the silence that ends (Suffix None) or interrupts
	// (other suffixes) a scan. Zero means DefaultIdleTimeout; a negative
	// value turns idle detection off, except with None, where it is
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Prefix is the text the scanner is set to send before each scan
	// (for instance a store-and-forward tag); it is removed when present.
	Prefix string
	// StripAIM removes an AIM symbology identifier ("]Q1": ']', a code
	// character, a modifier character) sent before the data, before or
	// after Prefix, and records it in Scan.Symbology.
	StripAIM bool
	// MaxLen bounds the text of a scan (credential.QRPrefix included); zero
	// means credential.MaxQRText. Longer frames are refused and never stored
	// beyond the bound.
	MaxLen int
}

// Result is a complete scan, or the error that ended a frame.
type Result struct {
	Scan qrscan.Scan // Source is left empty: the caller knows the device
	Err  error       // a *Error, or nil
}

// Framer turns a byte stream, fed as it arrives, into scans. It never mixes
// bytes of two frames: after a bad frame it resyncs at the next CR, LF or
// Tab, or after an idle gap. A Framer is not safe for concurrent use; its
// zero value is not usable, call New.
type Framer struct {
	cfg   Config
	idle  time.Duration // <= 0: no idle detection
	limit int           // bytes kept per frame

	buf    []byte    // bytes of the frame in progress, up to limit
	n      int       // bytes of the frame in progress, as received
	bad    *Error    // first fault of the frame in progress
	lastAt time.Time // arrival of the last byte of the frame in progress
	broken bool      // the previous frame was interrupted: this one may be its tail
}

// New returns a Framer for cfg.
func New(cfg Config) *Framer {
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = credential.MaxQRText
	}
	idle := cfg.IdleTimeout
	if idle == 0 || (idle < 0 && cfg.Suffix == None) {
		idle = DefaultIdleTimeout
	}
	return &Framer{
		cfg:   cfg,
		idle:  idle,
		limit: cfg.MaxLen + len(cfg.Prefix) + 3, // room for the scanner prefix and an AIM id
	}
}

// Config returns the configuration in force, defaults applied.
func (f *Framer) Config() Config {
	c := f.cfg
	c.IdleTimeout = f.idle
	return c
}

// Pending reports whether a frame is in progress.
func (f *Framer) Pending() bool { return f.n > 0 }

// Reset drops the frame in progress, if any, without a result.
func (f *Framer) Reset() {
	f.reset()
	f.broken = false
}

func (f *Framer) reset() {
	f.buf = f.buf[:0]
	f.n = 0
	f.bad = nil
	f.lastAt = time.Time{}
}

// Feed processes p, received at time at, and appends to dst the results of
// the frames it completes, in order. Bytes of one call share the same
// arrival time; a gap of at least the idle timeout since the previous byte
// first ends (Suffix None) or interrupts the frame in progress. Feed never
// fails: bad input becomes a Result with an error.
func (f *Framer) Feed(dst []Result, p []byte, at time.Time) []Result {
	if len(p) == 0 {
		return dst
	}
	dst = f.Expire(dst, at)
	for len(p) > 0 {
		i := indexBoundary(p)
		if i < 0 {
			f.add(p, at)
			break
		}
		f.add(p[:i], at)
		if f.n > 0 {
			dst = f.end(dst, at)
		}
		p = p[i+1:]
	}
	return dst
}

// indexBoundary returns the index of the first CR, LF or Tab in p, or -1.
func indexBoundary(p []byte) int {
	for i, b := range p {
		if b <= '\r' && (b == '\r' || b == '\n' || b == '\t') {
			return i
		}
	}
	return -1
}

// add appends the bytes of a frame in progress.
func (f *Framer) add(p []byte, at time.Time) {
	if len(p) == 0 {
		return
	}
	f.lastAt = at
	if f.bad == nil {
		// The first fault by offset wins, however p was split into reads.
		q := p
		if room := f.limit - len(f.buf); len(q) > room {
			q = q[:room]
		}
		for i, b := range q {
			if b < 0x20 || b > 0x7e {
				f.bad = &Error{Reason: BadByte, Offset: f.n + i, Byte: b}
				break
			}
		}
		if f.bad == nil {
			f.buf = append(f.buf, q...)
			if len(q) < len(p) {
				f.bad = &Error{Reason: TooLong, Offset: f.n + len(q)}
			}
		}
	}
	f.n += len(p)
}

// Deadline returns when the frame in progress goes idle, or the zero time
// when no frame is in progress or idle detection is off. A caller waiting
// for bytes calls Expire once the deadline has passed.
func (f *Framer) Deadline() time.Time {
	if f.n == 0 || f.idle <= 0 {
		return time.Time{}
	}
	return f.lastAt.Add(f.idle)
}

// Expire ends (Suffix None) or interrupts (other suffixes) the frame in
// progress if the line has been idle at now for the idle timeout, and
// appends the result to dst.
func (f *Framer) Expire(dst []Result, now time.Time) []Result {
	d := f.Deadline()
	if d.IsZero() || now.Before(d) {
		return dst
	}
	if f.cfg.Suffix == None {
		return f.end(dst, f.lastAt)
	}
	dst = f.fail(dst, Interrupted)
	f.broken = true
	return dst
}

// Flush ends the stream: a frame in progress is ended (Suffix None) or
// reported as Truncated (other suffixes). The Framer can be fed again.
func (f *Framer) Flush(dst []Result) []Result {
	if f.n == 0 {
		return dst
	}
	if f.cfg.Suffix == None {
		return f.end(dst, f.lastAt)
	}
	return f.fail(dst, Truncated)
}

func (f *Framer) fail(dst []Result, r Reason) []Result {
	err := f.bad
	if err == nil {
		err = &Error{Reason: r, Offset: f.n}
	}
	err.Len = f.n
	f.reset()
	f.broken = false
	return append(dst, Result{Err: err})
}

// end validates the frame in progress and appends its result.
func (f *Framer) end(dst []Result, at time.Time) []Result {
	if f.bad != nil {
		return f.fail(dst, 0)
	}
	text, sym, err := f.check(f.buf)
	if err != nil {
		if err.Reason == NotApCV && f.broken {
			// The tail of the interrupted scan, not another code.
			err.Reason = Truncated
		}
		err.Len = f.n
		f.reset()
		f.broken = false
		return append(dst, Result{Err: err})
	}
	dst = append(dst, Result{Scan: qrscan.Scan{Text: text, Symbology: sym, At: at}})
	f.reset()
	f.broken = false
	return dst
}

// check strips the scanner prefix and AIM identifier from a frame of
// printable ASCII and validates the ApCV text that remains.
func (f *Framer) check(frame []byte) (text, sym string, _ *Error) {
	t := frame
	pre := f.cfg.Prefix
	stripped := false
	if pre != "" && bytes.HasPrefix(t, []byte(pre)) {
		t, stripped = t[len(pre):], true
	}
	if f.cfg.StripAIM && len(t) >= 3 && t[0] == ']' {
		sym, t = string(t[:3]), t[3:]
		if !stripped && pre != "" && bytes.HasPrefix(t, []byte(pre)) {
			t = t[len(pre):]
		}
	}
	head := len(frame) - len(t) // offset of the text in the frame
	if !credential.HasQRPrefix(t) {
		if i := indexQRPrefix(t); i > 0 {
			return "", "", &Error{Reason: Junk, Offset: head + i}
		}
		if len(t) < len(credential.QRPrefix) && (bytes.HasPrefix([]byte(credential.QRPrefix), t) || bytes.HasPrefix([]byte(credential.ShortQRPrefix), t)) {
			return "", "", &Error{Reason: Truncated, Offset: len(frame)}
		}
		return "", "", &Error{Reason: NotApCV, Offset: head}
	}
	if len(t) > f.cfg.MaxLen {
		return "", "", &Error{Reason: TooLong, Offset: head + f.cfg.MaxLen}
	}
	payload := t[len(credential.QRPrefix):]
	for i, b := range payload {
		if !credential.IsBase45(b) {
			return "", "", &Error{Reason: BadByte, Offset: head + len(credential.QRPrefix) + i, Byte: b}
		}
	}
	short := bytes.HasPrefix(t, []byte(credential.ShortQRPrefix))
	switch {
	case len(payload) == 0 || short && len(t) < credential.ShortQRLen:
		return "", "", &Error{Reason: Truncated, Offset: len(frame)}
	case len(payload)%3 == 1 || short && len(t) != credential.ShortQRLen:
		return "", "", &Error{Reason: BadLength, Offset: len(frame)}
	}
	return string(t), sym, nil
}

// indexQRPrefix returns the index of the first prefix of a QR text of
// either version in t, or -1.
func indexQRPrefix(t []byte) int {
	i, j := bytes.Index(t, []byte(credential.QRPrefix)), bytes.Index(t, []byte(credential.ShortQRPrefix))
	if i < 0 || j >= 0 && j < i {
		return j
	}
	return i
}

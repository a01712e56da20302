package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
)

// DefaultPort is the TCP port of the first slot of vpcd's stock
// configuration ("Virtual PCD 00 00"); the second slot listens on
// DefaultPort+1.
const DefaultPort = 35963

// MaxFrame is the largest payload a vpcd frame carries (its length is a
// 16-bit big-endian number).
const MaxFrame = 65535

// DefaultATR is the ATR answered when Options.ATR is nil: the pseudo-ATR of a
// contactless ISO 14443-4 card with no historical bytes. pcscd selects T=1
// for it.
var DefaultATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

// Control codes: a one-byte payload from vpcd is one of them.
const (
	ctlPowerOff = 0x00
	ctlPowerOn  = 0x01
	ctlReset    = 0x02
	ctlGetATR   = 0x04
)

// swNoPreciseDiagnosis (6F00) is answered when the card fails or its answer
// does not fit in a frame.
var swNoPreciseDiagnosis = []byte{0x6F, 0x00}

// Errors returned by Serve before it dials.
var (
	// ErrNotLoopback: addr is not a loopback address and Options.AllowRemote is false.
	ErrNotLoopback = errors.New("vpcd: address is not loopback (vpcd authenticates nobody; set Options.AllowRemote to dial another host)")
	// ErrNoCard: Serve was given a nil card.
	ErrNoCard = errors.New("vpcd: nil card")
)

// Options tune Serve. The zero value is ready to use.
type Options struct {
	// ATR is answered to vpcd's GET ATR; nil means DefaultATR.
	ATR []byte
	// AllowRemote lets Serve dial a non-loopback address. vpcd listens on
	// all interfaces and authenticates nobody: keep it on loopback or
	// firewall its ports.
	AllowRemote bool
	// Fault, if set, is asked before each C-APDU reaches the card and may
	// make the phone misbehave (see Fault). Nil means a well-behaved phone.
	Fault FaultFunc
	// Logger receives one record per connection event (debug level) and
	// card error (info level), never APDU contents. Nil discards.
	Logger *slog.Logger
	// MinRedial and MaxRedial bound the exponential backoff between dials
	// when vpcd is not listening or the connection ends (pcscd restarted).
	// Zero values mean 50 ms and 2 s.
	MinRedial, MaxRedial time.Duration
}

// Fault describes how the phone misbehaves on one C-APDU. The zero Fault
// means none. When several fields are set they apply in the order Delay,
// Remove, Answer.
type Fault struct {
	// Delay holds the answer back this long, as a slow or hung phone does
	// (pcscd's SCardTransmit waits for it without a time limit). ctx ending
	// cuts it short.
	Delay time.Duration
	// Remove takes the phone out of the field instead of answering: the
	// connection to vpcd is closed (card gone), and Serve dials again after
	// Away. Tearing.
	Remove bool
	// Away is how long a removed phone stays away before it is presented
	// again. pcscd polls presence every 400 ms: an Away shorter than about
	// 500 ms may go unseen as a removal.
	Away time.Duration
	// Answer, if non-nil, is sent instead of the card's answer (wrong or
	// garbled bytes; an empty slice sends an empty frame). The card still
	// processes the C-APDU.
	Answer []byte
}

// FaultFunc decides the fault for the n-th C-APDU (1-based) of the current
// tap, n counting from the moment the phone's connection to vpcd starts;
// capdu must not be retained. It is called from Serve's goroutine.
type FaultFunc func(n int, capdu []byte) Fault

// Once returns a FaultFunc that injects f at the n-th C-APDU of the first tap
// that reaches n, and no fault ever after.
func Once(n int, f Fault) FaultFunc {
	var done atomic.Bool
	return func(i int, _ []byte) Fault {
		if i == n && done.CompareAndSwap(false, true) {
			return f
		}
		return Fault{}
	}
}

// Serve plays the card (the phone) for the vpcd reader listening at addr
// ("127.0.0.1:35963"), forwarding every C-APDU to card.Transmit and its
// answer back. If card implements apdu.Resetter, its Reset is called on
// power on, power off, reset, and when a connection ends (the phone left the
// field).
//
// Serve dials again with backoff whenever the connection cannot be made or
// ends (pcscd restarted, fault removal), until ctx is done; then it closes
// the connection, waits for its own goroutines and returns ctx.Err(). It
// returns an error at once for a nil card or, unless opts.AllowRemote, a
// non-loopback addr (ErrNotLoopback). Card errors are answered 6F00 and
// logged without APDU contents.
func Serve(ctx context.Context, addr string, card apdu.Transport, opts Options) error {
	if card == nil {
		return ErrNoCard
	}
	if !opts.AllowRemote {
		if err := checkLoopback(addr); err != nil {
			return err
		}
	}
	s := &server{addr: addr, card: card, opts: opts, atr: opts.ATR}
	if s.atr == nil {
		s.atr = DefaultATR
	}
	if s.opts.MinRedial <= 0 {
		s.opts.MinRedial = 50 * time.Millisecond
	}
	if s.opts.MaxRedial < s.opts.MinRedial {
		s.opts.MaxRedial = max(2*time.Second, s.opts.MinRedial)
	}
	if r, ok := card.(apdu.Resetter); ok {
		s.resetter = r
	}
	return s.run(ctx)
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("vpcd: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrNotLoopback, addr)
}

type server struct {
	addr     string
	card     apdu.Transport
	resetter apdu.Resetter
	opts     Options
	atr      []byte
	in, out  []byte // frame buffers, reused across APDUs
}

func (s *server) log() *slog.Logger {
	if s.opts.Logger == nil {
		return discard
	}
	return s.opts.Logger
}

var discard = slog.New(slog.DiscardHandler)

func (s *server) reset() {
	if s.resetter != nil {
		s.resetter.Reset()
	}
}

func (s *server) run(ctx context.Context) error {
	var d net.Dialer
	backoff := s.opts.MinRedial
	for {
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log().Debug("vpcd: dial failed", "addr", s.addr, "err", err, "retry", backoff)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff = min(2*backoff, s.opts.MaxRedial)
			continue
		}
		backoff = s.opts.MinRedial
		s.log().Debug("vpcd: connected", "addr", s.addr)
		wait, err := s.serveConn(ctx, conn.(*net.TCPConn))
		s.reset() // the phone left the field: its session is over
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log().Debug("vpcd: connection ended", "addr", s.addr, "err", err)
		if wait <= 0 {
			wait = s.opts.MinRedial
		}
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// errRemoved ends a connection on a Remove fault.
var errRemoved = errors.New("phone removed (fault injection)")

// serveConn runs one connection until it ends; it returns how long to stay
// away before dialing again.
func (s *server) serveConn(ctx context.Context, conn *net.TCPConn) (away time.Duration, err error) {
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.Close()
		close(closed)
	})
	defer func() {
		if !stop() {
			<-closed
		}
		conn.Close()
	}()
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, err
	}
	n := 0 // C-APDUs of this tap
	var hdr [2]byte
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return 0, err
		}
		quickAck(raw) // or each APDU costs a delayed ACK (~40 ms)
		size := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(s.in) < size {
			s.in = make([]byte, size)
		}
		s.in = s.in[:size]
		if _, err := io.ReadFull(conn, s.in); err != nil {
			return 0, err
		}
		var answer []byte
		if size == 1 {
			switch s.in[0] {
			case ctlPowerOff, ctlPowerOn, ctlReset:
				s.reset()
				continue
			case ctlGetATR:
				answer = s.atr
			default:
				s.log().Debug("vpcd: unknown control code ignored", "code", fmt.Sprintf("%02X", s.in[0]))
				continue
			}
		} else {
			n++
			var f Fault
			if s.opts.Fault != nil {
				f = s.opts.Fault(n, s.in)
			}
			if f.Delay > 0 && !sleep(ctx, f.Delay) {
				return 0, ctx.Err()
			}
			if f.Remove {
				return f.Away, errRemoved
			}
			answer = s.transmit(ctx, s.in)
			if f.Answer != nil {
				answer = f.Answer
			}
		}
		if len(answer) > MaxFrame {
			s.log().Info("vpcd: answer exceeds a frame: answering 6F00", "bytes", len(answer), "max", MaxFrame)
			answer = swNoPreciseDiagnosis
		}
		s.out = binary.BigEndian.AppendUint16(s.out[:0], uint16(len(answer)))
		s.out = append(s.out, answer...)
		if _, err := conn.Write(s.out); err != nil {
			return 0, err
		}
	}
}

// transmit asks the card, turning a failure into 6F00. The log names the
// instruction byte and the error's code, never data.
func (s *server) transmit(ctx context.Context, capdu []byte) []byte {
	rapdu, err := s.card.Transmit(ctx, capdu)
	if err != nil {
		var ins byte
		if len(capdu) > 1 {
			ins = capdu[1]
		}
		s.log().Info("vpcd: card failed: answering 6F00", "ins", fmt.Sprintf("%02X", ins), "code", apcverr.Code(err), "type", fmt.Sprintf("%T", err))
		return swNoPreciseDiagnosis
	}
	return rapdu
}

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

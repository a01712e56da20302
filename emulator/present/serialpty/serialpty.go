package serialpty

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/frame"
)

// Config sets up the emulated scanner as a real one would be configured.
type Config struct {
	// Baud is the line rate in bits per second; each byte takes 10 bits
	// (start, 8 data, stop: 8N1). Zero sends without pacing, as a USB
	// CDC-ACM scanner does.
	Baud int
	// Suffix is sent after each scan (CR by default, as scanners ship).
	Suffix frame.Suffix
	// Prefix is sent before each scan, when not empty.
	Prefix string
	// AIM is an AIM symbology identifier sent after Prefix and before the
	// text, when not empty: "]Q1" for a QR code.
	AIM string
}

// ErrClosed is returned by Scan and Write once the Scanner is closed.
var ErrClosed = errors.New("serialpty: scanner closed")

// ErrUnsupported is wrapped by Open on systems without pseudo-terminals
// (Windows: Supported is false there). It is errors.ErrUnsupported, so
// callers outside this package can test for it without importing it.
var ErrUnsupported = errors.ErrUnsupported

// Scanner is an emulated serial QR scanner on a pseudo-terminal. The SDK
// opens Path like a real serial port; Scan writes to the other side.
type Scanner struct {
	cfg    Config
	master *os.File // the scanner's side
	slave  *os.File // kept open so the port survives the host's opens and closes
	path   string

	wmu sync.Mutex // one scan on the line at a time

	mu       sync.Mutex // guards the fields below
	closed   bool
	received []byte
	done     chan struct{}
	wg       sync.WaitGroup // drain goroutine and Scan/Write calls in flight
}

// maxReceived bounds what Received keeps of the host's writes.
const maxReceived = 4096

// Open creates a pseudo-terminal pair in raw mode (no echo, no CR/LF
// translation, 8-bit clean) and returns the scanner driving it. Where the
// system has no pseudo-terminals (Supported is false: Windows) it fails
// with an error wrapping ErrUnsupported.
func Open(cfg Config) (*Scanner, error) {
	if cfg.Baud < 0 {
		return nil, fmt.Errorf("serialpty: negative baud rate %d", cfg.Baud)
	}
	master, slave, err := openPty()
	if err != nil {
		return nil, err
	}
	s := &Scanner{cfg: cfg, master: master, slave: slave, path: slave.Name(), done: make(chan struct{})}
	s.wg.Add(1)
	go s.drain()
	return s, nil
}

// Path returns the path of the terminal the SDK opens, e.g. /dev/pts/3.
func (s *Scanner) Path() string { return s.path }

// Config returns the scanner's configuration.
func (s *Scanner) Config() Config { return s.cfg }

// Frame returns the bytes the scanner sends for text: prefix, AIM
// identifier, text, suffix.
func (s *Scanner) Frame(text string) []byte {
	b := make([]byte, 0, len(s.cfg.Prefix)+len(s.cfg.AIM)+len(text)+2)
	b = append(b, s.cfg.Prefix...)
	b = append(b, s.cfg.AIM...)
	b = append(b, text...)
	return append(b, s.cfg.Suffix.Bytes()...)
}

// AirTime returns how long n bytes take on the line at the configured
// baud rate: 10 bits each. It is zero without pacing.
func (s *Scanner) AirTime(n int) time.Duration {
	if s.cfg.Baud == 0 {
		return 0
	}
	return time.Duration(n) * 10 * time.Second / time.Duration(s.cfg.Baud)
}

// Fault alters one scan, as a failing scanner, cable or phone would. Offsets
// count bytes of the frame as sent without faults (see Frame).
type Fault struct {
	kind faultKind
	at   int
	d    time.Duration
	data []byte
}

type faultKind uint8

const (
	truncate faultKind = iota + 1
	inject
	pause
)

// Truncate sends only the first n bytes of the frame: the scan stops short,
// without its suffix.
func Truncate(n int) Fault { return Fault{kind: truncate, at: n} }

// Inject sends garbage before the byte at offset at (len(frame) for after
// the suffix).
func Inject(at int, garbage []byte) Fault {
	return Fault{kind: inject, at: at, data: append([]byte(nil), garbage...)}
}

// Pause keeps the line silent for d before the byte at offset at.
func Pause(at int, d time.Duration) Fault { return Fault{kind: pause, at: at, d: d} }

// step is a run of bytes to send, or a pause.
type step struct {
	data  []byte
	pause time.Duration
}

// plan turns a frame and its faults into steps.
func plan(fr []byte, faults []Fault) []step {
	end := len(fr)
	for _, f := range faults {
		if f.kind == truncate && f.at >= 0 && f.at < end {
			end = f.at
		}
	}
	var steps []step
	last := 0
	for i := 0; i <= end; i++ {
		for _, f := range faults {
			if f.at != i || (f.kind != inject && f.kind != pause) {
				continue
			}
			if last < i {
				steps = append(steps, step{data: fr[last:i]})
				last = i
			}
			if f.kind == inject {
				steps = append(steps, step{data: f.data})
			} else {
				steps = append(steps, step{pause: f.d})
			}
		}
	}
	if last < end {
		steps = append(steps, step{data: fr[last:end]})
	}
	return steps
}

// Scan sends text as the scanner does after reading a QR code: the frame of
// Frame(text), paced at the baud rate, with faults applied in order. It
// returns once the last byte is on the line, or early with ctx's error or
// ErrClosed. Concurrent scans are sent one after the other.
func (s *Scanner) Scan(ctx context.Context, text string, faults ...Fault) error {
	return s.send(ctx, plan(s.Frame(text), faults))
}

// Write sends p as is, paced at the baud rate: line noise, a partial scan.
func (s *Scanner) Write(ctx context.Context, p []byte) error {
	return s.send(ctx, []step{{data: p}})
}

func (s *Scanner) send(ctx context.Context, steps []step) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	s.wmu.Lock()
	defer s.wmu.Unlock()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	wait := func(until time.Time) error {
		d := time.Until(until)
		if d <= 0 {
			return nil
		}
		timer.Reset(d)
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}

	// Byte k of the scan (counting from 0, pauses excluded) has left the
	// line at base + (k+1)·bt: a deadline schedule, so timer slack never
	// accumulates. Every wake-up writes all the bytes that are due.
	bt := s.AirTime(1)
	base := time.Now()
	sent := 0
	for _, st := range steps {
		if st.pause > 0 {
			base = base.Add(st.pause)
			if err := wait(base.Add(time.Duration(sent) * bt)); err != nil {
				return err
			}
			continue
		}
		data := st.data
		for len(data) > 0 {
			n := len(data)
			if bt > 0 {
				due := int(time.Since(base)/bt) - sent
				if due <= 0 {
					if err := wait(base.Add(time.Duration(sent+1) * bt)); err != nil {
						return err
					}
					continue
				}
				n = min(n, due)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := s.master.Write(data[:n]); err != nil {
				if errors.Is(err, os.ErrClosed) {
					return ErrClosed
				}
				return fmt.Errorf("serialpty: write: %w", err)
			}
			sent += n
			data = data[n:]
		}
	}
	return nil
}

// drain reads what the host writes to the scanner (a real scanner takes
// configuration and trigger commands) so the host never blocks.
func (s *Scanner) drain() {
	defer s.wg.Done()
	buf := make([]byte, 512)
	for {
		n, err := s.master.Read(buf)
		if n > 0 {
			s.mu.Lock()
			s.received = append(s.received, buf[:n]...)
			if over := len(s.received) - maxReceived; over > 0 {
				s.received = append(s.received[:0], s.received[over:]...)
			}
			s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// Received returns the last bytes (up to 4 KiB) the host wrote to the
// scanner.
func (s *Scanner) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.received...)
}

// Close unplugs the scanner: it closes both sides of the pty (the host's
// reads fail with EIO), interrupts scans in progress, and waits for its
// goroutine and those scans to end. Close is idempotent.
func (s *Scanner) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	err := s.master.Close()
	if serr := s.slave.Close(); err == nil {
		err = serr
	}
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("serialpty: close: %w", err)
	}
	return nil
}

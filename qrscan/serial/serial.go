package serial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bugst "go.bug.st/serial"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/frame"
)

// Config sets up a serial scanner source.
type Config struct {
	// Mode is the line setting, used by Open and OpenUSB. Zero values mean
	// 9600 baud, 8 data bits, no parity, 1 stop bit: the factory setting
	// of RS-232 scanners. USB CDC-ACM scanners ignore it.
	Mode bugst.Mode
	// Frame describes how the scanner frames its scans (suffix, prefix,
	// AIM identifier).
	Frame frame.Config
}

// Errors of Open and OpenUSB, with desk messages.
var (
	// ErrNoScanner: no scanner at the given path or USB id, or the path
	// is not a serial port. It is qrscan.ErrScannerNotFound.
	ErrNoScanner = qrscan.ErrScannerNotFound
	// ErrBusy: another program holds the port.
	ErrBusy = apcverr.New("scanner-busy",
		"The QR scanner is in use by another program. Close that program and try again.",
		"Le lecteur de QR code est utilisé par un autre programme. Fermez ce programme puis réessayez.")
	// ErrPermission: the user may not open the port (on Linux, not in the
	// dialout group).
	ErrPermission = apcverr.New("scanner-permission",
		"Access to the QR scanner was refused. Ask your IT support to allow it.",
		"L'accès au lecteur de QR code est refusé. Demandez à votre support informatique de l'autoriser.")
)

// Source delivers the scans of a serial scanner. It implements
// qrscan.Source. Next may be called from any goroutine, one call at a time
// being served; Close may be called at any time.
type Source struct {
	name    string // as in Scan.Source: "serial:" + port name
	rwc     io.ReadWriteCloser
	results chan frame.Result // scans and frame errors, oldest first
	gone    chan struct{}     // closed when the device is gone; err is set
	err     error
	done    chan struct{} // closed by Close
	turn    chan struct{} // held by the Next call in progress
	onStart atomic.Pointer[func()]

	// Owned by the reader goroutine.
	framer   *frame.Framer
	idle     time.Duration // the framer's idle timeout; <= 0: none
	tick     time.Duration // read timeout
	timeouts func(time.Duration) error

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

var (
	_ qrscan.Source  = (*Source)(nil)
	_ qrscan.Starter = (*Source)(nil)
)

// maxQueued bounds the results waiting for Next; when it is reached, the
// oldest is dropped: at the desk, only the latest scans matter.
const maxQueued = 8

// Open opens the serial port at path (e.g. /dev/ttyACM0, /dev/ttyUSB0,
// COM3) with cfg.Mode and returns its source. Errors wrap ErrNoScanner,
// ErrBusy or ErrPermission.
func Open(path string, cfg Config) (*Source, error) {
	mode := cfg.Mode
	if mode.BaudRate == 0 {
		mode.BaudRate = 9600
	}
	if mode.DataBits == 0 {
		mode.DataBits = 8
	}
	port, err := bugst.Open(path, &mode)
	if err != nil {
		return nil, fmt.Errorf("serial: open %s: %w: %w", path, openErr(err), err)
	}
	return New(port, path, cfg), nil
}

// openErr maps an error of go.bug.st/serial's Open to a desk sentinel.
func openErr(err error) error {
	var pe *bugst.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case bugst.PortBusy:
			return ErrBusy
		case bugst.PermissionDenied:
			return ErrPermission
		}
		return ErrNoScanner
	}
	switch {
	case errors.Is(err, syscall.EBUSY):
		return ErrBusy
	case errors.Is(err, fs.ErrPermission): // EACCES, EPERM; ERROR_ACCESS_DENIED on Windows
		return ErrPermission
	}
	return ErrNoScanner
}

// New returns a source reading scans from rwc: an open serial port, a pty,
// a recorded stream. name identifies the device in Scan.Source ("serial:"
// + name) and in errors. The source owns rwc: Close closes it, and must
// make a pending Read return, as it does for go.bug.st/serial ports,
// *os.File ptys and pipes, and net.Conn.
//
// A reader goroutine frames the bytes as they arrive, whether Next is
// being called or not. It detects idle gaps with read timeouts when rwc has
// a SetReadTimeout(time.Duration) method (go.bug.st/serial ports) or a
// working SetReadDeadline(time.Time) method (*os.File on a tty or pipe,
// net.Conn): a timeout is the kernel's word that no byte came, so a stalled
// process never mistakes its own delay for a pause of the scanner. On
// other streams an idle gap is noticed only when the next byte or the end
// of the stream arrives, which does for replays.
func New(rwc io.ReadWriteCloser, name string, cfg Config) *Source {
	f := frame.New(cfg.Frame)
	s := &Source{
		name:    "serial:" + name,
		rwc:     rwc,
		results: make(chan frame.Result, maxQueued),
		gone:    make(chan struct{}),
		done:    make(chan struct{}),
		turn:    make(chan struct{}, 1),
		framer:  f,
		idle:    f.Config().IdleTimeout,
	}
	// Read timeouts of a quarter of the idle timeout, so that a scan
	// without suffix ends at most idle·5/4 after its last byte, and of at
	// most 100 ms, so that the reader also notices Close on its own.
	s.tick = 100 * time.Millisecond
	if s.idle > 0 {
		s.tick = min(max(s.idle/4, 5*time.Millisecond), s.tick)
	}
	switch rt := rwc.(type) {
	case interface{ SetReadTimeout(time.Duration) error }:
		if rt.SetReadTimeout(s.tick) == nil {
			s.timeouts = func(time.Duration) error { return nil }
		}
	case interface{ SetReadDeadline(time.Time) error }:
		if rt.SetReadDeadline(time.Time{}) == nil {
			s.timeouts = func(d time.Duration) error { return rt.SetReadDeadline(time.Now().Add(d)) }
		}
	}
	s.wg.Add(1)
	go s.read()
	return s
}

// Name returns the source's name, as in Scan.Source.
func (s *Source) Name() string { return s.name }

// read runs in its own goroutine until Close or a read error.
//
// It stamps bytes with a line clock that advances by the time Read spent
// blocked (when the line was silent) rather than by wall time: if the
// process stalls between two reads while the scanner keeps sending, the
// bytes wait in the kernel, the next Read returns at once, and the stall
// does not count as silence. After a silence of the idle timeout the clock
// is set back to wall time, so Scan.At stays close to wall time.
func (s *Source) read() {
	defer s.wg.Done()
	buf := make([]byte, 4096)
	var out []frame.Result
	clock := time.Now()       // the line clock
	var silence time.Duration // since the last byte
	for {
		if s.timeouts != nil && s.timeouts(s.tick) != nil {
			s.timeouts = nil
		}
		t0 := time.Now()
		n, err := s.rwc.Read(buf)
		t1 := time.Now()
		select {
		case <-s.done:
			return // the error, if any, is ours
		default:
		}
		if err != nil && s.timeouts != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			err = nil
		}
		silence += t1.Sub(t0)
		if s.timeouts == nil || s.idle <= 0 || silence >= s.idle {
			clock = t1
		} else {
			clock = clock.Add(t1.Sub(t0))
		}
		out = out[:0]
		if n > 0 {
			silence = 0
			idle := !s.framer.Pending()
			out = s.framer.Feed(out, buf[:n], clock)
			if idle && (s.framer.Pending() || len(out) > 0) {
				s.started()
			}
		} else if s.timeouts != nil {
			out = s.framer.Expire(out, clock)
		}
		if err != nil {
			out = s.framer.Flush(out)
		}
		for _, r := range out {
			s.queue(r)
		}
		if err != nil {
			s.err = fmt.Errorf("%s: read: %w (%w)", s.name, qrscan.ErrDeviceGone, err)
			close(s.gone)
			return
		}
	}
}

// OnStart implements qrscan.Starter: f is called from the reader goroutine
// when the first bytes of a scan arrive (bytes that start a frame, or a
// whole scan in one read), before the scan is queued for Next.
func (s *Source) OnStart(f func()) {
	if f == nil {
		s.onStart.Store(nil)
		return
	}
	s.onStart.Store(&f)
}

func (s *Source) started() {
	if f := s.onStart.Load(); f != nil {
		(*f)()
	}
}

// queue hands r to Next, dropping the oldest result if the queue is full.
func (s *Source) queue(r frame.Result) {
	r.Scan.Source = s.name
	for {
		select {
		case s.results <- r:
			return
		default:
		}
		select {
		case <-s.results:
		default:
		}
	}
}

// Next returns the next scan. It blocks until a scan is complete, ctx is
// done, the source is closed, or the device fails. Frames refused by the
// framer come back as errors wrapping qrscan.ErrGarbled or
// qrscan.ErrNotApCV (and a *frame.Error); the source goes on with the next
// frame. Scans are framed while no Next call is waiting; the last 8 wait
// for Next. A vanished port (unplugged, EIO, EOF) gives an error wrapping
// qrscan.ErrDeviceGone, for this call and every later one, once the
// results completed before it have been returned. After Close, Next
// returns an error wrapping os.ErrClosed.
func (s *Source) Next(ctx context.Context) (qrscan.Scan, error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, ctx.Err())
	case <-s.done:
		return qrscan.Scan{}, s.closedErr()
	}
	defer func() { <-s.turn }()

	select {
	case <-s.done:
		return qrscan.Scan{}, s.closedErr()
	default:
	}
	select {
	case r := <-s.results:
		return s.result(r)
	default:
	}
	waithint.Waiting(ctx) // nothing scanned yet
	select {
	case r := <-s.results:
		return s.result(r)
	case <-s.gone:
		select { // results queued just before the device went
		case r := <-s.results:
			return s.result(r)
		default:
		}
		return qrscan.Scan{}, s.err
	case <-ctx.Done():
		return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, ctx.Err())
	case <-s.done:
		return qrscan.Scan{}, s.closedErr()
	}
}

func (s *Source) result(r frame.Result) (qrscan.Scan, error) {
	if r.Err != nil {
		return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, r.Err)
	}
	return r.Scan, nil
}

func (s *Source) closedErr() error { return fmt.Errorf("%s: %w", s.name, os.ErrClosed) }

// Close closes the port and waits for the reader goroutine to end. A Next
// call in progress returns an error wrapping os.ErrClosed. Close is
// idempotent; it returns the port's close error.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeErr = s.rwc.Close()
		s.wg.Wait()
	})
	return s.closeErr
}

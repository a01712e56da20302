package serial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	bugst "go.bug.st/serial"
	"golang.org/x/sys/unix"

	"github.com/apcvkit/apcvkit/apcverr"
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
	// is not a serial port.
	ErrNoScanner = apcverr.New("scanner-not-found",
		"No QR scanner was found. Check that it is plugged in.",
		"Aucun lecteur de QR code n'a été trouvé. Vérifiez qu'il est branché.")
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

// pollInterval bounds how long the reader goroutine stays in Read without
// checking for Close, on ports that support a read timeout.
const pollInterval = 100 * time.Millisecond

// Source delivers the scans of a serial scanner. It implements
// qrscan.Source. Next may be called from any goroutine, one call at a time
// being served; Close may be called at any time.
type Source struct {
	name   string // as in Scan.Source: "serial:" + port name
	rwc    io.ReadWriteCloser
	chunks chan chunk
	done   chan struct{}
	turn   chan struct{} // held by the Next call in progress

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup

	// Owned by the holder of turn.
	framer *frame.Framer
	ready  []frame.Result
	err    error // sticky: the device is gone
	timer  *time.Timer
}

var _ qrscan.Source = (*Source)(nil)

// chunk is what one Read returned.
type chunk struct {
	data []byte
	at   time.Time
	err  error
}

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
	case errors.Is(err, unix.EBUSY):
		return ErrBusy
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return ErrPermission
	}
	return ErrNoScanner
}

// New returns a source reading scans from rwc: an open serial port, a pty,
// a recorded stream. name identifies the device in Scan.Source ("serial:"
// + name) and in errors. The source owns rwc: Close closes it. Close must
// make a pending Read return, as it does for go.bug.st/serial ports,
// *os.File ptys and pipes, and net.Conn; if rwc has a SetReadTimeout
// method (go.bug.st/serial ports), New sets it so that the reader
// goroutine also wakes up on its own.
func New(rwc io.ReadWriteCloser, name string, cfg Config) *Source {
	if rt, ok := rwc.(interface{ SetReadTimeout(time.Duration) error }); ok {
		rt.SetReadTimeout(pollInterval) // best effort: Close interrupts reads anyway
	}
	s := &Source{
		name:   "serial:" + name,
		rwc:    rwc,
		chunks: make(chan chunk, 16),
		done:   make(chan struct{}),
		turn:   make(chan struct{}, 1),
		framer: frame.New(cfg.Frame),
		timer:  time.NewTimer(time.Hour),
	}
	s.timer.Stop()
	s.wg.Add(1)
	go s.read()
	return s
}

// Name returns the source's name, as in Scan.Source.
func (s *Source) Name() string { return s.name }

// read runs in its own goroutine until Close or a read error.
func (s *Source) read() {
	defer s.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := s.rwc.Read(buf)
		at := time.Now()
		select {
		case <-s.done:
			return // the error, if any, is ours
		default:
		}
		if n > 0 && !s.send(chunk{data: append([]byte(nil), buf[:n]...), at: at}) {
			return
		}
		if err != nil {
			s.send(chunk{err: err, at: at})
			return
		}
		// n == 0 and no error: a read timeout.
	}
}

func (s *Source) send(c chunk) bool {
	select {
	case s.chunks <- c:
		return true
	case <-s.done:
		return false
	}
}

// Next returns the next scan. It blocks until a scan is complete, ctx is
// done, the source is closed, or the device fails. Frames refused by the
// framer come back as errors wrapping qrscan.ErrGarbled or
// qrscan.ErrNotApCV (and a *frame.Error); the source goes on with the next
// frame. A vanished port (unplugged, EIO, EOF) gives an error wrapping
// qrscan.ErrDeviceGone, for this call and every later one, once the scans
// completed before it have been returned. After Close, Next returns an
// error wrapping os.ErrClosed.
func (s *Source) Next(ctx context.Context) (qrscan.Scan, error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, ctx.Err())
	case <-s.done:
		return qrscan.Scan{}, s.closedErr()
	}
	defer func() { <-s.turn }()

	for {
		select {
		case <-s.done:
			return qrscan.Scan{}, s.closedErr()
		default:
		}
		if len(s.ready) > 0 {
			r := s.ready[0]
			s.ready = append(s.ready[:0], s.ready[1:]...)
			if r.Err != nil {
				return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, r.Err)
			}
			r.Scan.Source = s.name
			return r.Scan, nil
		}
		if s.err != nil {
			return qrscan.Scan{}, s.err
		}

		var idle <-chan time.Time
		if d := s.framer.Deadline(); !d.IsZero() {
			s.timer.Reset(time.Until(d))
			idle = s.timer.C
		}
		select {
		case c := <-s.chunks:
			s.consume(c)
		case <-idle:
			// Bytes read before the deadline may still be queued:
			// their timestamps decide, not the order of wake-ups.
			select {
			case c := <-s.chunks:
				s.consume(c)
			default:
				s.ready = s.framer.Expire(s.ready, time.Now())
			}
		case <-ctx.Done():
			s.timer.Stop()
			return qrscan.Scan{}, fmt.Errorf("%s: %w", s.name, ctx.Err())
		case <-s.done:
			s.timer.Stop()
			return qrscan.Scan{}, s.closedErr()
		}
		s.timer.Stop()
	}
}

func (s *Source) consume(c chunk) {
	if c.err == nil {
		s.ready = s.framer.Feed(s.ready, c.data, c.at)
		return
	}
	s.ready = s.framer.Flush(s.ready)
	s.err = fmt.Errorf("%s: read: %w (%w)", s.name, qrscan.ErrDeviceGone, c.err)
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

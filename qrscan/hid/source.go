package hid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/qrscan"
)

// ReportSource delivers the input reports of one HID interface, one report
// per call, as the interrupt IN endpoint sends them (report ID included
// when the device uses report IDs). A real device (package qrscan/hid/usb)
// and a Replay both implement it.
//
// ReadReport blocks until a report arrives, ctx is done (it then returns
// ctx's error and loses no report) or the device fails (an error wrapping
// qrscan.ErrDeviceGone when it was unplugged, io.EOF at the end of a
// replay, ErrClosed after Close). The returned slice is valid until the next
// call. Close releases the device and makes a blocked ReadReport return; it
// may be called concurrently with ReadReport.
type ReportSource interface {
	ReadReport(ctx context.Context) ([]byte, error)
	Close() error
}

// Mode selects which decoder a Source applies.
type Mode uint8

const (
	ModeAuto  Mode = iota // by report shape: 8 bytes is boot keyboard, 61 to 64 bytes HID POS, others the kind seen last
	ModePOS               // every report is HID POS
	ModeWedge             // every report is a boot keyboard report
)

// DefaultIdle is the default Config.Idle: far above a wedge scanner's
// inter-key delay (8 ms typical, 50 ms for the slowest setting) and a POS
// scanner's inter-report gap (the interrupt endpoint's poll interval), far
// below the time a person takes to present the next code.
const DefaultIdle = 300 * time.Millisecond

// Config configures a Source. The zero value decodes both kinds of report
// and auto-detects the keyboard layout.
type Config struct {
	Mode      Mode
	POSLayout POSLayout // POS report layout; POSAuto (zero) picks it by shape
	Layouts   []*Layout // wedge candidate layouts; nil means Layouts() (auto-detect)
	EndKeys   []Key     // wedge end keys; nil means DefaultEndKeys
	AcceptAny bool      // deliver texts that are not ApCV codes instead of ErrNotApCV

	// Idle ends a scan under way when no report arrives for that long: a
	// wedge scan is decoded as if an end key had come, a POS scan still
	// waiting for its last report is garbled. Zero means DefaultIdle;
	// negative disables it.
	Idle time.Duration

	Name   string           // Scan.Source; "" means "hid"
	Now    func() time.Time // clock for Scan.At; nil means time.Now
	Logger *slog.Logger     // decode errors, without scanned data; nil discards
}

// Source is a qrscan.Source over a ReportSource.
type Source struct {
	rs    ReportSource
	cfg   Config
	pos   *POSDecoder
	wedge *WedgeDecoder

	queue  []Result
	done   error // sticky read error, returned once queue is empty
	layout *Layout
	kind   Mode // ModeAuto: the kind of the last report of a definite shape

	onStart atomic.Pointer[func()]

	closeOnce sync.Once
	closeErr  error
}

var (
	_ qrscan.Source  = (*Source)(nil)
	_ qrscan.Starter = (*Source)(nil)
)

// Name returns Config.Name ("hid" by default), as in Scan.Source.
func (s *Source) Name() string { return s.cfg.Name }

// NewSource returns a Source decoding the reports of rs. The Source owns
// rs: its Close closes rs.
func NewSource(rs ReportSource, cfg Config) *Source {
	if cfg.Idle == 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.Name == "" {
		cfg.Name = "hid"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{
		rs:    rs,
		cfg:   cfg,
		pos:   NewPOSDecoder(POSConfig{Layout: cfg.POSLayout, AcceptAny: cfg.AcceptAny}),
		wedge: NewWedgeDecoder(WedgeConfig{Layouts: cfg.Layouts, EndKeys: cfg.EndKeys, AcceptAny: cfg.AcceptAny}),
	}
}

// Layout returns the keyboard layout the last wedge scan was decoded under,
// or nil before any.
func (s *Source) Layout() *Layout { return s.layout }

func (s *Source) pending() bool { return s.pos.Pending() || s.wedge.Pending() }

func (s *Source) flush() {
	s.queue = s.pos.Flush(s.queue)
	s.queue = s.wedge.Flush(s.queue)
}

// Next blocks until a scan is complete and returns it. A garbled or
// non-ApCV scan gives a *DecodeError (wrapping qrscan.ErrGarbled or
// qrscan.ErrNotApCV); call Next again for the following scan. When ctx is
// done Next returns ctx's error and keeps the scan under way for the next
// call. A device error ends the scan under way, then is returned by this
// and every later call (wrapping io.EOF at the end of a replay,
// qrscan.ErrDeviceGone on unplug, ErrClosed after Close).
//
// Next must not be called concurrently with itself; Close may be.
func (s *Source) Next(ctx context.Context) (qrscan.Scan, error) {
	var it idleTimer
	defer it.stop()
	hinted := false
	for {
		if len(s.queue) > 0 {
			r := s.queue[0]
			s.queue = s.queue[1:]
			if len(s.queue) == 0 {
				s.queue = s.queue[:0:0]
			}
			if r.Err != nil {
				s.log().Debug("hid: decode error", "err", r.Err)
				return qrscan.Scan{}, r.Err
			}
			if r.Layout != nil {
				s.layout = r.Layout
			}
			return qrscan.Scan{Text: r.Text, Symbology: r.Symbology, Source: s.cfg.Name, At: s.cfg.Now()}, nil
		}
		if s.done != nil {
			return qrscan.Scan{}, s.done
		}
		if err := ctx.Err(); err != nil {
			return qrscan.Scan{}, err
		}
		idle := s.cfg.Idle > 0 && s.pending()
		rctx := ctx
		if idle {
			// One idle context and timer serve every read of this call
			// (no allocation per report); a new pair is made only after
			// the timer has fired.
			if it.ctx == nil || it.ctx.Err() != nil {
				it.renew(ctx)
			}
			it.timer.Reset(s.cfg.Idle)
			rctx = it.ctx
		}
		if !hinted { // nothing scanned yet: the next report may be a while
			hinted = true
			waithint.Waiting(ctx)
		}
		rep, err := s.rs.ReadReport(rctx)
		if idle {
			it.timer.Stop()
		}
		idleOver := idle && rctx.Err() != nil
		if err != nil {
			if ctx.Err() != nil {
				return qrscan.Scan{}, ctx.Err()
			}
			if idleOver {
				s.flush()
				continue
			}
			s.flush()
			if errors.Is(err, ErrClosed) {
				s.done = ErrClosed
			} else {
				s.done = fmt.Errorf("hid: read report: %w", err)
			}
			continue
		}
		idleBefore, queued := !s.pending(), len(s.queue)
		s.feed(rep)
		if idleBefore && (s.pending() || len(s.queue) > queued) {
			if f := s.onStart.Load(); f != nil {
				(*f)()
			}
		}
	}
}

// OnStart implements qrscan.Starter: f is called from Next when the first
// report of a scan arrives (a key press of a wedge scan, the first report
// of a HID POS scan). The reports are read only while Next runs, so a scan
// started between two Next calls is announced when the next call reads it.
func (s *Source) OnStart(f func()) {
	if f == nil {
		s.onStart.Store(nil)
		return
	}
	s.onStart.Store(&f)
}

// idleTimer cancels its context when the timer fires.
type idleTimer struct {
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer
}

func (it *idleTimer) renew(parent context.Context) {
	it.stop()
	ctx, cancel := context.WithCancel(parent)
	it.ctx, it.cancel = ctx, cancel
	it.timer = time.AfterFunc(time.Hour, cancel)
	it.timer.Stop()
}

func (it *idleTimer) stop() {
	if it.timer != nil {
		it.timer.Stop()
		it.cancel()
	}
}

func (s *Source) feed(rep []byte) {
	switch s.cfg.Mode {
	case ModePOS:
		s.queue = s.pos.Feed(s.queue, rep)
	case ModeWedge:
		s.queue = s.wedge.Feed(s.queue, rep)
	default:
		// By shape: a report of the other kind ends the scan under way; a
		// report of neither shape goes to the kind seen last, which
		// reports it malformed.
		kind := s.kind
		switch {
		case len(rep) == BootReportSize:
			kind = ModeWedge
		case len(rep) >= POSStandardSize && len(rep) <= posMaxSize:
			kind = ModePOS
		}
		if kind == ModeWedge {
			if s.kind != ModeWedge {
				s.queue = s.pos.Flush(s.queue)
			}
			s.queue = s.wedge.Feed(s.queue, rep)
		} else {
			if s.kind == ModeWedge {
				s.queue = s.wedge.Flush(s.queue)
			}
			s.queue = s.pos.Feed(s.queue, rep)
		}
		s.kind = kind
	}
}

func (s *Source) log() *slog.Logger {
	if s.cfg.Logger == nil {
		return discard
	}
	return s.cfg.Logger
}

var discard = slog.New(slog.DiscardHandler)

// Close closes the ReportSource, which makes a blocked Next return. It is
// safe to call more than once and concurrently with Next.
func (s *Source) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.rs.Close() })
	return s.closeErr
}

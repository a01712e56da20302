package link

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/nfc"
)

var (
	_ apdu.Transport = (*Link)(nil)
	_ nfc.Transport  = (*Link)(nil)
)

// Internal outcomes of one turn that the reader recovers from.
var (
	errNoReply = errors.New("no reply within the frame waiting time")
	errInvalid = errors.New("invalid block")
)

type linkState uint8

const (
	stateOff     linkState = iota // field off: the next activation powers the phone up
	stateIdle                     // phone in the field, not (or no longer) activated
	stateActive                   // ISO/IEC 14443-4 activated
	stateRemoved                  // phone gone: exchanges fail until Activate
)

// Link is the ISO/IEC 14443-4 link between a reader (PCD) and a phone
// (PICC) whose applet is an apdu.Transport. It is itself an apdu.Transport.
// Its methods may be called from several goroutines; exchanges are
// serialized.
type Link struct {
	card   apdu.Transport
	set    settings
	cfgErr error
	clock  Clock
	log    *slog.Logger

	removeReq atomic.Bool // Remove asked while an exchange may be running

	mu       sync.Mutex // guards everything below
	state    linkState
	resetDue bool  // the next power-up resets the phone's applet
	bn       uint8 // the reader's block number
	fsc      int   // the phone's frame size, from its ATS
	fwt      int64 // the phone's frame waiting time, cycles, from its ATS
	cid      bool  // blocks carry a CID
	ibuf     []byte
	rbuf     []byte
	cbuf     []byte
	resp     []byte
	picc     picc
	ph       phys
	faults   Faults
	rng      *rand.Rand
	frameNo  int
	bytes    int
	anchor   time.Time // real-time mode: the instant of timeline cycle 0
	meter    meter
}

// phys is the physical world both ends share: the bit rate and the model
// timeline. The ends exchange nothing but frames (bytes); each may read the
// time, as a device reads its own timers.
type phys struct {
	rate    BitRate
	tl      int64 // model time at the end of the last frame, in carrier cycles
	started bool  // a frame has been on the air since power-up
	lastPCD byte  // last byte of the reader's last frame (its parity bit sets the FDT)
}

// meter holds the Stats, readable while an exchange runs.
type meter struct {
	mu  sync.Mutex
	s   Stats
	air int64 // cycles
}

func (m *meter) add(f func(s *Stats)) {
	m.mu.Lock()
	f(&m.s)
	m.mu.Unlock()
}

// New returns a Link to card. Nothing goes on the air until the first
// Transmit or Activate. A Config the model cannot honour makes those return
// ErrConfig.
func New(card apdu.Transport, cfg Config) *Link {
	l := &Link{card: card, clock: cfg.Clock, log: cfg.Logger}
	l.set, l.cfgErr = cfg.settings()
	if l.clock == nil {
		l.clock = systemClock{}
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.setFaults(cfg.Faults)
	fsci := l.set.fsci
	l.picc = picc{
		card: card, ph: &l.ph, clock: l.clock, faults: &l.faults, meter: &l.meter, log: l.log,
		ats:  ATS{FSCI: fsci, TA: 0x77, FWI: l.set.fwi, CID: l.set.useCID},
		wtxm: l.set.wtxm,
	}
	return l
}

// SetFaults replaces the faults to inject (see Faults for frame numbers);
// a BER outside [0, 1] is clamped.
func (l *Link) SetFaults(f Faults) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setFaults(f)
}

func (l *Link) setFaults(f Faults) {
	f.BitErrors = append([]BitError(nil), f.BitErrors...)
	f.BER = min(max(f.BER, 0), 1)
	l.faults = f
	l.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9E3779B97F4A7C15))
}

// Stats returns the counters so far.
func (l *Link) Stats() Stats {
	l.meter.mu.Lock()
	defer l.meter.mu.Unlock()
	s := l.meter.s
	s.Airtime = cyclesToDuration(l.meter.air)
	return s
}

// Airtime returns the time the frames so far need on the air: frames,
// frame delay times and waiting-time timeouts, without the phone's
// processing. A real-time session takes at least this long.
func (l *Link) Airtime() time.Duration { return l.Stats().Airtime }

// Activate makes the phone ready for exchanges: it sends RATS (and PPS
// when Config.BitRate is above 106) unless the phone is active already.
// After a removal it presents the phone again: the field is switched on,
// Reset is called if the card implements apdu.Resetter, then RATS.
func (l *Link) Activate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("link: activate: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enter()
	if err := l.activate(ctx, true); err != nil {
		return fmt.Errorf("link: activate: %w", err)
	}
	return nil
}

// Deselect sends S(DESELECT) to an active phone. The next exchange
// activates it again (with RATS; the Type A wake-up and select are not
// modelled). A phone that does not answer is left alone, as ISO/IEC
// 14443-4 allows; only ctx and removal errors are returned.
func (l *Link) Deselect(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("link: deselect: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enter()
	if l.removeReq.Swap(false) {
		l.remove()
	}
	if l.state != stateActive {
		return nil
	}
	frame := l.block(Block{Kind: KindS, S: SDeselect}, &l.rbuf)
	for try := 0; try <= l.set.maxRetries; try++ {
		raw, err := l.turn(ctx, frame, fwtActivation)
		if err == nil {
			if b, perr := l.parse(raw); perr == nil && b.Kind == KindS && b.S == SDeselect {
				break
			}
			continue
		}
		if !errors.Is(err, errNoReply) {
			l.abort(err)
			return fmt.Errorf("link: deselect: %w", err)
		}
	}
	l.state = stateIdle
	return nil
}

// Remove takes the phone out of the field now: an exchange in progress
// fails at its next frame with nfc.ErrPhoneRemoved (Remove waits for it),
// and so do later ones until Activate.
func (l *Link) Remove() {
	l.removeReq.Store(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.removeReq.Swap(false) {
		l.remove()
	}
}

// Transmit sends one command APDU to the phone and returns its response
// APDU, activating the phone first if needed. Errors wrap ctx.Err(),
// nfc.ErrPhoneRemoved, ErrLinkFailure, ErrAPDUSize, ErrConfig, or the
// card's own error.
func (l *Link) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if len(cmd) == 0 || len(cmd) > maxCommand {
		return nil, fmt.Errorf("link: transmit %d bytes: %w", len(cmd), ErrAPDUSize)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("link: transmit: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enter()
	if err := l.activate(ctx, false); err != nil {
		return nil, fmt.Errorf("link: transmit: %w", err)
	}
	resp, err := l.exchange(ctx, cmd)
	if err != nil {
		l.abort(err)
		return nil, fmt.Errorf("link: transmit: %w", err)
	}
	return resp, nil
}

// enter starts the real-time clock of a call: the timeline's present is
// now. Within a call frames are paced against that instant (deadlines, so
// a late wake-up is caught up by the next frames); between calls nothing is
// caught up or owed, so the caller's own time counts as idle and every call
// lasts at least its model time.
func (l *Link) enter() {
	if l.set.realtime {
		l.anchor = l.clock.Now().Add(-cyclesToDuration(l.ph.tl))
	}
}

// activate brings the phone to the active state. Without explicit, a
// removed phone stays removed.
func (l *Link) activate(ctx context.Context, explicit bool) error {
	if l.cfgErr != nil {
		return l.cfgErr
	}
	if l.removeReq.Swap(false) {
		l.remove()
	}
	switch l.state {
	case stateActive:
		return nil
	case stateRemoved:
		if !explicit {
			return fmt.Errorf("phone not in the field: %w", nfc.ErrPhoneRemoved)
		}
		fallthrough
	case stateOff:
		if l.resetDue {
			if r, ok := l.card.(apdu.Resetter); ok {
				r.Reset()
			}
			l.resetDue = false
		}
		l.ph = phys{rate: Rate106}
		l.picc.powerOn()
		if l.set.realtime {
			l.anchor = l.clock.Now()
		}
	case stateIdle:
		l.ph.rate = Rate106
		l.picc.wake()
	}
	l.state = stateIdle

	rats, _ := RATS{FSDI: l.set.fsdi, CID: l.set.cid}.Append(l.rbuf[:0])
	l.rbuf = rats
	var ats ATS
	if err := l.handshake(ctx, rats, func(raw []byte) (err error) {
		ats, err = ParseATS(raw)
		return err
	}); err != nil {
		return fmt.Errorf("RATS: %w", err)
	}
	l.fsc = FrameSize(ats.FSCI)
	l.fwt = fwtCycles(ats.FWI)
	l.cid = ats.CID && l.set.useCID
	l.bn = 0

	if l.set.rate != Rate106 {
		if !ats.Supports(l.set.rate) {
			l.abort(ErrLinkFailure)
			return fmt.Errorf("phone does not support %v: %w", l.set.rate, ErrLinkFailure)
		}
		_, code := l.set.rate.divisor()
		pps, _ := PPS{CID: l.set.cid, DSI: code, DRI: code}.Append(l.rbuf[:0])
		l.rbuf = pps
		if err := l.handshake(ctx, pps, func(raw []byte) error {
			body, err := checkCRC(raw)
			if err == nil && (len(body) != 1 || body[0] != pps[0]) {
				err = ErrMalformed
			}
			return err
		}); err != nil {
			return fmt.Errorf("PPS: %w", err)
		}
		l.ph.rate = l.set.rate
	}
	l.state = stateActive
	l.meter.add(func(s *Stats) { s.Activations++ })
	return nil
}

// handshake sends an activation frame until check accepts the answer.
func (l *Link) handshake(ctx context.Context, frame []byte, check func([]byte) error) error {
	for try := 0; ; try++ {
		raw, err := l.turn(ctx, frame, fwtActivation)
		if err == nil {
			if err = check(raw); err == nil {
				return nil
			}
			l.meter.add(func(s *Stats) { s.BadFrames++ })
			l.log.Debug("link: reader rejects activation answer", "err", err)
		} else if !errors.Is(err, errNoReply) {
			l.abort(err)
			return err
		}
		if try >= l.set.maxRetries {
			l.abort(ErrLinkFailure)
			return fmt.Errorf("no valid answer after %d tries: %w", try+1, ErrLinkFailure)
		}
		l.meter.add(func(s *Stats) { s.Retransmissions++ })
	}
}

// abort puts the Link in a known state after a failed exchange: removed if
// the phone left, otherwise field off (the next use powers up, resets and
// activates the phone).
func (l *Link) abort(err error) {
	if errors.Is(err, nfc.ErrPhoneRemoved) {
		l.remove()
		return
	}
	l.state = stateOff
	l.resetDue = true
	l.picc.powerOff()
}

func (l *Link) remove() {
	l.state = stateRemoved
	l.resetDue = true
	l.picc.powerOff()
}

// exchange runs the block protocol for one APDU: reader chaining, the
// phone's answer with any S(WTX), and phone chaining.
func (l *Link) exchange(ctx context.Context, cmd []byte) ([]byte, error) {
	room := l.fsc - 3
	if l.cid {
		room--
	}
	var b Block
	for off := 0; off < len(cmd); {
		n := min(len(cmd)-off, room)
		chain := off+n < len(cmd)
		l.ibuf = l.block(Block{Kind: KindI, Num: l.bn, Chain: chain, INF: cmd[off : off+n]}, &l.ibuf)
		var err error
		if b, err = l.await(ctx, l.ibuf, true, false); err != nil {
			return nil, err
		}
		off += n
		if chain != (b.Kind == KindR) {
			return nil, fmt.Errorf("phone answered an %v-block to a chained block: %w", b.Kind, ErrLinkFailure)
		}
	}
	resp := append(l.resp[:0], b.INF...)
	for b.Chain {
		rack := l.block(Block{Kind: KindR, Num: l.bn}, &l.rbuf)
		var err error
		if b, err = l.await(ctx, rack, false, true); err != nil {
			return nil, err
		}
		if len(resp)+len(b.INF) > maxResponse {
			return nil, fmt.Errorf("response longer than %d bytes: %w", maxResponse, ErrLinkFailure)
		}
		resp = append(resp, b.INF...)
	}
	l.resp = resp[:0]
	return append([]byte(nil), resp...), nil
}

// block encodes b with the CID in use into *buf and returns the frame.
func (l *Link) block(b Block, buf *[]byte) []byte {
	b.HasCID, b.CID = l.cid, l.set.cid
	frame, err := b.Append((*buf)[:0])
	if err != nil {
		panic("link: reader built an invalid block: " + err.Error()) // unreachable: fields come from checked settings
	}
	*buf = frame
	return frame
}

// await sends frame and returns the phone's next block that moves the
// protocol on: an I-block, or (when the reader is chaining) an R(ACK), with
// the reader's block number, which it then toggles (rules 2 and 7). It
// answers S(WTX) (rule 3), sends R(NAK) on errors and silence (rule 4; R(ACK)
// while the phone is chaining, rule 5) and resends the I-block when the
// phone acknowledges another number (rule 6).
func (l *Link) await(ctx context.Context, frame []byte, iBlock, piccChain bool) (Block, error) {
	fwt := l.fwt
	failures := 0
	nakSent := false
	for {
		raw, err := l.turn(ctx, frame, fwt)
		fwt = l.fwt
		var b Block
		if err == nil {
			b, err = l.parse(raw)
		}
		if err == nil {
			switch {
			case b.Kind == KindI && b.Num == l.bn,
				b.Kind == KindR && !b.NAK && b.Num == l.bn && iBlock && !piccChain:
				l.bn ^= 1
				return b, nil
			case b.Kind == KindR && !b.NAK && iBlock:
				// The phone missed the I-block. After an R(NAK) this is
				// the recovery the NAK counted; in answer to the I-block
				// itself it is one more failure.
				if !nakSent {
					failures++
					if failures > l.set.maxRetries {
						return Block{}, fmt.Errorf("no acknowledgement of an I-block after %d tries: %w", failures, ErrLinkFailure)
					}
				}
				nakSent = false
				l.meter.add(func(s *Stats) { s.Retransmissions++ })
				l.log.Debug("link: phone acknowledged the block, reader resends its I-block", "block", b.Num)
				frame = l.ibuf
				continue
			case b.Kind == KindS && b.S == SWTX:
				l.meter.add(func(s *Stats) { s.WTX++ })
				l.log.Debug("link: phone asks for a waiting time extension", "wtxm", b.WTXM)
				frame = l.block(Block{Kind: KindS, S: SWTX, WTXM: b.WTXM}, &l.rbuf)
				fwt = min(l.fwt*int64(b.WTXM), fwtCycles(fwiMax))
				failures, nakSent = 0, false
				continue
			}
			l.meter.add(func(s *Stats) { s.BadFrames++ })
			err = errInvalid
		}
		if !errors.Is(err, errNoReply) && !errors.Is(err, errInvalid) {
			return Block{}, err
		}
		failures++
		if failures > l.set.maxRetries {
			return Block{}, fmt.Errorf("%d errors in a row, last: %v: %w", failures, err, ErrLinkFailure)
		}
		if piccChain {
			l.meter.add(func(s *Stats) { s.Retransmissions++ })
			l.log.Debug("link: error while the phone chains, reader repeats R(ACK)", "err", err)
			frame = l.block(Block{Kind: KindR, Num: l.bn}, &l.rbuf)
		} else {
			l.meter.add(func(s *Stats) { s.NAKs++ })
			l.log.Debug("link: error, reader sends R(NAK)", "err", err)
			frame = l.block(Block{Kind: KindR, NAK: true, Num: l.bn}, &l.rbuf)
			nakSent = true
		}
	}
}

// parse decodes a block from the phone and checks it is addressed to the
// reader with the CID in use.
func (l *Link) parse(raw []byte) (Block, error) {
	b, err := ParseBlock(raw)
	if err == nil && (b.HasCID != l.cid || b.HasCID && b.CID != l.set.cid) {
		err = fmt.Errorf("CID mismatch: %w", ErrMalformed)
	}
	if err != nil {
		l.meter.add(func(s *Stats) { s.BadFrames++ })
		return Block{}, fmt.Errorf("%w: %w", errInvalid, err)
	}
	return b, nil
}

// turn sends frame to the phone and returns its answer as received, or
// errNoReply after fwt cycles of silence.
func (l *Link) turn(ctx context.Context, frame []byte, fwt int64) ([]byte, error) {
	got, err := l.send(ctx, true, frame, 0)
	if err != nil {
		return nil, err
	}
	reply, notBefore, err := l.picc.receive(ctx, got)
	if err != nil {
		return nil, fmt.Errorf("phone: %w", err)
	}
	if reply == nil {
		l.meter.add(func(s *Stats) { s.Timeouts++ })
		if err := l.idle(ctx, fwt); err != nil {
			return nil, err
		}
		return nil, errNoReply
	}
	return l.send(ctx, false, reply, notBefore)
}

// idle lets d cycles of air time pass with nothing sent (a timeout).
func (l *Link) idle(ctx context.Context, d int64) error {
	l.ph.tl += d
	l.meter.mu.Lock()
	l.meter.air += d
	l.meter.mu.Unlock()
	return l.pace(ctx)
}

// pace waits, in real-time mode, until the timeline's present.
func (l *Link) pace(ctx context.Context) error {
	if !l.set.realtime {
		return nil
	}
	return l.clock.WaitUntil(ctx, l.anchor.Add(cyclesToDuration(l.ph.tl)))
}

// send puts frame on the air, from the reader (toPICC) or from the phone,
// starting no earlier than notBefore on the timeline, and returns it as the
// other end receives it (maybe corrupted). It accounts the frame and the
// frame delay time before it, and applies removal faults.
func (l *Link) send(ctx context.Context, toPICC bool, frame []byte, notBefore int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := l.frameNo + 1
	f := &l.faults
	cut := l.removeReq.Swap(false)
	if f.RemoveAtFrame == n {
		cut, f.RemoveAtFrame = true, 0
	}
	if f.RemoveAfterBytes > 0 && l.bytes+len(frame) > f.RemoveAfterBytes {
		cut, f.RemoveAfterBytes = true, 0
	}
	if cut {
		l.log.Debug("link: phone removed", "frame", n)
		l.remove()
		wait := l.fwt
		if wait == 0 {
			wait = fwtActivation
		}
		l.meter.add(func(s *Stats) { s.Timeouts++ })
		_ = l.idle(ctx, wait) // the reader notices when its waiting time runs out
		return nil, fmt.Errorf("frame %d: %w", n, nfc.ErrPhoneRemoved)
	}
	l.frameNo, l.bytes = n, l.bytes+len(frame)
	var gap int64
	if l.ph.started {
		if toPICC {
			gap = fdtPCD
		} else {
			gap = fdtPICC(l.ph.lastPCD)
		}
	}
	start := max(l.ph.tl+gap, notBefore)
	air := frameCycles(l.ph.rate, len(frame))
	l.ph.tl, l.ph.started = start+air, true
	if toPICC {
		l.ph.lastPCD = frame[len(frame)-1]
	}
	l.meter.mu.Lock()
	l.meter.s.Frames++
	l.meter.s.Bytes += len(frame)
	l.meter.air += gap + air
	l.meter.mu.Unlock()
	out := l.corrupt(n, frame)
	if err := l.pace(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// corrupt returns frame with the bit errors due in frame n applied, in a
// copy; frame itself when there are none.
func (l *Link) corrupt(n int, frame []byte) []byte {
	f := &l.faults
	var out []byte
	flip := func(bit int) {
		if out == nil {
			out = append(l.cbuf[:0], frame...)
		}
		bit %= 8 * len(frame)
		if bit < 0 {
			bit += 8 * len(frame)
		}
		out[bit/8] ^= 1 << (bit % 8)
	}
	for _, e := range f.BitErrors {
		if e.Frame == n {
			flip(e.Bit)
		}
	}
	if f.BER > 0 {
		for bit := range 8 * len(frame) {
			if l.rng.Float64() < f.BER {
				flip(bit)
			}
		}
	}
	if out == nil {
		return frame
	}
	l.cbuf = out
	l.log.Debug("link: bit errors", "frame", n)
	return out
}

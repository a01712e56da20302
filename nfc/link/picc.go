package link

import (
	"context"
	"log/slog"

	"github.com/apcvkit/apcvkit/apdu"
)

type piccState uint8

const (
	piccOff    piccState = iota // no field
	piccIdle                    // selected at layer 3, waiting for RATS
	piccActive                  // ISO/IEC 14443-4 active
	piccHalt                    // deselected
)

// picc is the phone's end of the link: its NFC controller running the
// ISO/IEC 14443-4 PICC rules over the applet (card). It sees the reader only
// through the frames it receives; it reads the shared timeline (ph) as its
// own timers would tell it the time.
type picc struct {
	card   apdu.Transport
	ph     *phys
	clock  Clock
	faults *Faults
	meter  *meter
	log    *slog.Logger
	ats    ATS   // answer to RATS
	wtxm   uint8 // multiplier asked for in S(WTX)

	state    piccState
	preBlock bool  // ATS sent, no block yet: RATS and PPS still accepted
	fsd      int   // the reader's frame size, from RATS
	cid      uint8 // from RATS
	replyCID bool  // the last block received carried a CID
	bn       uint8 // the phone's block number
	rx       []byte
	tx       []byte // response APDU being sent
	txOff    int
	chaining bool   // the last I-block sent had the chaining bit
	wtxOut   bool   // the last block sent is an S(WTX) request
	readyAt  int64  // timeline cycle at which the applet's response is ready
	window   int64  // timeline cycle by which the phone must start a frame
	last     []byte // last frame sent (rule 11)
}

func (p *picc) powerOn()  { p.state = piccIdle; p.clear() }
func (p *picc) powerOff() { p.state = piccOff; p.clear() }

// wake stands for the Type A wake-up and select that bring a deselected
// phone back to where it awaits RATS (layer 3, not modelled on the air).
func (p *picc) wake() {
	if p.state != piccOff {
		p.state = piccIdle
	}
	p.clear()
}

func (p *picc) clear() {
	p.preBlock, p.bn, p.rx, p.tx, p.txOff = false, 1, p.rx[:0], nil, 0
	p.chaining, p.wtxOut = false, false
}

func (p *picc) reject(what string, err error) {
	p.meter.add(func(s *Stats) { s.BadFrames++ })
	p.log.Debug("link: phone ignores a frame", "frame", what, "err", err)
}

// receive handles one frame as the phone received it and returns the frame
// it answers, with the earliest timeline cycle it may start, or nil when it
// stays silent (invalid frame: it remains in reception). An error is the
// applet's own.
func (p *picc) receive(ctx context.Context, frame []byte) ([]byte, int64, error) {
	switch p.state {
	case piccIdle:
		return p.rats(frame), 0, nil
	case piccActive:
	default:
		return nil, 0, nil
	}
	if p.preBlock && len(frame) > 0 {
		switch {
		case frame[0] == 0xE0:
			return p.rats(frame), 0, nil
		case frame[0]&0xF0 == 0xD0:
			return p.pps(frame), 0, nil
		}
	}
	b, err := ParseBlock(frame)
	if err != nil {
		p.reject("frame", err)
		return nil, 0, nil
	}
	if b.HasCID && (!p.ats.CID || b.CID != p.cid) || !b.HasCID && p.cid != 0 {
		return nil, 0, nil // addressed to another card
	}
	p.preBlock = false
	p.replyCID = b.HasCID
	switch b.Kind {
	case KindI:
		if len(p.rx)+len(b.INF) > maxCommand {
			p.rx = p.rx[:0]
			p.reject("I-block", ErrMalformed)
			return nil, 0, nil
		}
		p.bn ^= 1 // rule 10
		p.chaining, p.wtxOut = false, false
		p.rx = append(p.rx, b.INF...)
		if b.Chain {
			return p.send(Block{Kind: KindR, Num: p.bn}), 0, nil // rule B
		}
		return p.process(ctx)
	case KindR:
		switch {
		case b.Num == p.bn: // rule 11
			p.meter.add(func(s *Stats) { s.Retransmissions++ })
			p.log.Debug("link: phone resends its last block")
			return p.last, 0, nil
		case b.NAK: // rule 12
			return p.send(Block{Kind: KindR, Num: p.bn}), 0, nil
		case p.chaining: // rule 13
			p.bn ^= 1
			return p.nextI(), 0, nil
		}
		p.reject("R(ACK)", ErrMalformed)
		return nil, 0, nil
	}
	switch b.S {
	case SWTX:
		if !p.wtxOut {
			p.reject("S(WTX) response", ErrMalformed)
			return nil, 0, nil
		}
		p.wtxOut = false
		p.window = p.ph.tl + min(fwtCycles(p.ats.FWI)*int64(b.WTXM), fwtCycles(fwiMax))
		return p.answer()
	default: // SDeselect
		p.state = piccHalt
		return p.send(Block{Kind: KindS, S: SDeselect}), 0, nil
	}
}

// rats answers a RATS with the ATS.
func (p *picc) rats(frame []byte) []byte {
	r, err := ParseRATS(frame)
	if err != nil {
		p.reject("RATS", err)
		return nil
	}
	p.clear()
	p.state, p.preBlock = piccActive, true
	p.fsd, p.cid = FrameSize(r.FSDI), r.CID
	p.last, _ = p.ats.Append(p.last[:0])
	return p.last
}

// pps answers a PPS; the reader switches the shared bit rate.
func (p *picc) pps(frame []byte) []byte {
	r, err := ParsePPS(frame)
	if err != nil || r.CID != p.cid || !p.ats.Supports(rateFromCode(r.DSI)) || r.DSI != r.DRI {
		p.reject("PPS", ErrMalformed)
		return nil
	}
	p.last = append(p.last[:0], frame[0])
	p.last = appendCRC(p.last, 0)
	return p.last
}

// process hands the assembled command APDU to the applet.
func (p *picc) process(ctx context.Context) ([]byte, int64, error) {
	t0 := p.ph.tl
	start := p.clock.Now()
	resp, err := p.card.Transmit(ctx, p.rx)
	took := p.clock.Now().Sub(start) + p.faults.SlowPhone
	took = max(took, 0)
	p.rx = p.rx[:0]
	p.meter.add(func(s *Stats) { s.Processing += took })
	if err != nil {
		return nil, 0, err
	}
	p.tx, p.txOff = resp, 0
	p.readyAt = t0 + durationToCycles(took)
	p.window = t0 + fwtCycles(p.ats.FWI)
	return p.answer()
}

// answer sends the response once ready, or an S(WTX) request when the
// response cannot start before the reader's waiting time runs out. The
// phone sends S(WTX) one frame delay time before that deadline.
func (p *picc) answer() ([]byte, int64, error) {
	gap := fdtPICC(p.ph.lastPCD)
	if max(p.ph.tl+gap, p.readyAt) <= p.window {
		return p.nextI(), p.readyAt, nil
	}
	p.log.Debug("link: phone needs more time, sends S(WTX)", "wtxm", p.wtxm)
	frame := p.send(Block{Kind: KindS, S: SWTX, WTXM: p.wtxm})
	p.wtxOut = true
	return frame, p.window - gap, nil
}

// nextI sends the next part of the response.
func (p *picc) nextI() []byte {
	room := p.fsd - 3
	if p.replyCID {
		room--
	}
	n := min(len(p.tx)-p.txOff, room)
	chain := p.txOff+n < len(p.tx)
	frame := p.send(Block{Kind: KindI, Num: p.bn, Chain: chain, INF: p.tx[p.txOff : p.txOff+n]})
	p.txOff += n
	p.chaining = chain
	return frame
}

// send encodes b (with the CID if the reader used one) as the last block.
func (p *picc) send(b Block) []byte {
	b.HasCID, b.CID = p.replyCID, p.cid
	p.wtxOut = false
	p.last, _ = b.Append(p.last[:0])
	return p.last
}

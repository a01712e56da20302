package pcsctest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/apcvkit/apcvkit/apdu"
)

// TestAID is the application identifier the test card answers SELECT for.
var TestAID = []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x54, 0x45, 0x53, 0x54} // F0 "APCVTEST"

// Instructions of the test card (CLA 00 or 80). All but SELECT and GET
// RESPONSE need the applet selected (else 6985).
const (
	InsSelect      = 0xA4 // 00 A4 04 00 Lc AID: 9000, or 6A82 for another AID
	InsEcho        = 0xEE // data is answered back, then 9000
	InsBig         = 0xB1 // data = u32 BE length n: P1=00 answers n bytes of Pattern at once; P1=01 answers 256 at a time with 61xx
	InsGetResponse = 0xC0 // the next chunk of a P1=01 answer
	InsFail        = 0xFA // the card fails (Transmit returns an error)
)

// ErrCardFailed is what the test card returns for InsFail.
var ErrCardFailed = errors.New("pcsctest: test card failure")

var (
	_ apdu.Transport = (*Card)(nil)
	_ apdu.Resetter  = (*Card)(nil)
)

// Card is a small test applet: an apdu.Transport that answers SELECT, echoes,
// returns large answers (at once or chained with 61xx / GET RESPONSE), and
// counts the resets (field power cycles) it sees as an apdu.Resetter. A reset
// deselects it. Its zero value is ready; it is safe for concurrent use.
type Card struct {
	resets atomic.Int64
	apdus  atomic.Int64

	mu       sync.Mutex
	selected bool
	pending  []byte // the rest of a chained answer
}

// Resets returns how many times Reset was called.
func (c *Card) Resets() int { return int(c.resets.Load()) }

// APDUs returns how many command APDUs the card received.
func (c *Card) APDUs() int { return int(c.apdus.Load()) }

// Reset ends the card's session: it forgets the selection and any pending
// chained answer.
func (c *Card) Reset() {
	c.resets.Add(1)
	c.mu.Lock()
	c.selected, c.pending = false, nil
	c.mu.Unlock()
}

// Pattern returns n bytes of the test card's big answers: byte i is
// byte(i) ^ byte(i>>8), so a shifted or truncated copy is detected.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i) ^ byte(i>>8)
	}
	return b
}

func sw(data []byte, sw1, sw2 byte) []byte { return append(data, sw1, sw2) }

// Transmit answers one command APDU.
func (c *Card) Transmit(ctx context.Context, capdu []byte) ([]byte, error) {
	c.apdus.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ins, p1, data, ok := parse(capdu)
	if !ok {
		return sw(nil, 0x67, 0x00), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ins != InsGetResponse {
		c.pending = nil
	}
	switch ins {
	case InsSelect:
		if p1 != 0x04 || !bytes.Equal(data, TestAID) {
			c.selected = false
			return sw(nil, 0x6A, 0x82), nil
		}
		c.selected = true
		return sw(nil, 0x90, 0x00), nil
	case InsFail:
		return nil, ErrCardFailed
	}
	if !c.selected {
		return sw(nil, 0x69, 0x85), nil
	}
	switch ins {
	case InsEcho:
		return sw(append([]byte(nil), data...), 0x90, 0x00), nil
	case InsBig:
		if len(data) != 4 {
			return sw(nil, 0x67, 0x00), nil
		}
		n := int(binary.BigEndian.Uint32(data))
		if n > 1<<24 {
			return sw(nil, 0x6A, 0x80), nil
		}
		switch p1 {
		case 0x00:
			return sw(Pattern(n), 0x90, 0x00), nil
		case 0x01:
			c.pending = Pattern(n)
			return c.nextChunk(), nil
		}
		return sw(nil, 0x6B, 0x00), nil
	case InsGetResponse:
		if c.pending == nil {
			return sw(nil, 0x69, 0x85), nil
		}
		return c.nextChunk(), nil
	}
	return sw(nil, 0x6D, 0x00), nil
}

// nextChunk answers up to 256 pending bytes, with 61xx while more remain.
func (c *Card) nextChunk() []byte {
	n := min(256, len(c.pending))
	out := append([]byte(nil), c.pending[:n]...)
	c.pending = c.pending[n:]
	switch rest := len(c.pending); {
	case rest == 0:
		c.pending = nil
		return sw(out, 0x90, 0x00)
	case rest >= 256:
		return sw(out, 0x61, 0x00)
	default:
		return sw(out, 0x61, byte(rest))
	}
}

// parse splits a command APDU (short or extended length) into INS, P1 and its
// data field; ok is false when the lengths do not add up.
func parse(b []byte) (ins, p1 byte, data []byte, ok bool) {
	if len(b) < 4 {
		return 0, 0, nil, false
	}
	ins, p1 = b[1], b[2]
	body := b[4:]
	switch {
	case len(body) <= 1: // case 1, or case 2 short
		return ins, p1, nil, true
	case body[0] != 0: // short Lc
		lc := int(body[0])
		if rest := len(body) - 1 - lc; rest != 0 && rest != 1 {
			return 0, 0, nil, false
		}
		return ins, p1, body[1 : 1+lc], true
	case len(body) == 3: // case 2 extended
		return ins, p1, nil, true
	case len(body) < 3:
		return 0, 0, nil, false
	default: // extended Lc
		lc := int(binary.BigEndian.Uint16(body[1:3]))
		if lc == 0 {
			return 0, 0, nil, false
		}
		if rest := len(body) - 3 - lc; rest != 0 && rest != 2 {
			return 0, 0, nil, false
		}
		return ins, p1, body[3 : 3+lc], true
	}
}

// Command builds a command APDU CLA=00 with data (short length up to 255
// bytes, extended beyond) and Le = 0 (as many as the card has).
func Command(ins, p1, p2 byte, data []byte) []byte {
	c := []byte{0x00, ins, p1, p2}
	switch {
	case len(data) == 0:
		return append(c, 0x00)
	case len(data) <= 255:
		c = append(c, byte(len(data)))
		return append(append(c, data...), 0x00)
	default:
		c = append(c, 0x00, byte(len(data)>>8), byte(len(data)))
		return append(append(c, data...), 0x00, 0x00)
	}
}

// SelectCommand is the SELECT of TestAID.
func SelectCommand() []byte { return Command(InsSelect, 0x04, 0x00, TestAID) }

// BigCommand asks for n bytes of Pattern, at once or chained.
func BigCommand(n int, chained bool) []byte {
	var p1 byte
	if chained {
		p1 = 1
	}
	return Command(InsBig, p1, 0x00, binary.BigEndian.AppendUint32(nil, uint32(n)))
}

// Session6 is the six command APDUs of a typical short session: SELECT, four
// echoes of various sizes, and a 1 KB answer.
func Session6() [][]byte {
	return [][]byte{
		SelectCommand(),
		Command(InsEcho, 0, 0, bytes.Repeat([]byte{0x11}, 16)),
		Command(InsEcho, 0, 0, bytes.Repeat([]byte{0x22}, 65)),
		Command(InsEcho, 0, 0, bytes.Repeat([]byte{0x33}, 200)),
		Command(InsEcho, 0, 0, bytes.Repeat([]byte{0x44}, 32)),
		BigCommand(1024, false),
	}
}

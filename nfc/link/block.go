package link

import (
	"errors"
	"fmt"
)

// Errors of the frame codecs. The link recovers from them (a receiver that
// sees one ignores the frame or asks for it again); they reach a caller only
// through Parse functions and Append methods.
var (
	ErrShortFrame = errors.New("link: frame too short")
	ErrBadCRC     = errors.New("link: bad CRC_A")
	ErrUnknownPCB = errors.New("link: unknown PCB")
	ErrMalformed  = errors.New("link: malformed frame")
)

// Kind is the kind of an ISO/IEC 14443-4 block.
type Kind uint8

// Block kinds.
const (
	KindI Kind = iota + 1 // information block: carries (part of) an APDU
	KindR                 // receive-ready block: ACK or NAK
	KindS                 // supervisory block: DESELECT or WTX
)

func (k Kind) String() string {
	switch k {
	case KindI:
		return "I"
	case KindR:
		return "R"
	case KindS:
		return "S"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// SCommand is the command of an S-block.
type SCommand uint8

// S-block commands.
const (
	SDeselect SCommand = iota + 1 // S(DESELECT)
	SWTX                          // S(WTX): waiting time extension
)

// Block is one ISO/IEC 14443-4 block (a frame without its CRC_A).
//
// PCB layout (b8..b1):
//
//	I-block  0 0 0 chain CID NAD 1 num
//	R-block  1 0 1 NAK   CID 0   1 num
//	S-block  1 1 x x     CID 0   1 0     (xx: 00 DESELECT, 11 WTX)
type Block struct {
	Kind  Kind
	Num   uint8    // I and R: block number, 0 or 1
	Chain bool     // I: more blocks of the same APDU follow
	NAK   bool     // R: negative acknowledgement (false: ACK)
	S     SCommand // S: the command

	HasCID bool  // a CID byte follows the PCB
	CID    uint8 // card identifier 0..14
	Power  uint8 // power level indication (PICC to PCD) in the CID byte, 0..3
	HasNAD bool  // I: a NAD byte follows
	NAD    byte

	WTXM     uint8  // S(WTX): waiting time extension multiplier, 1..59
	WTXPower uint8  // S(WTX): power level indication in the WTXM byte, 0..3
	INF      []byte // I: the information field; aliases the parsed frame
}

// ParseBlock decodes one frame received on the air: it checks the CRC_A,
// then the PCB and the fields it announces. The returned INF aliases frame.
// It returns ErrShortFrame, ErrBadCRC, ErrUnknownPCB or ErrMalformed
// (wrapped with details) and never panics.
func ParseBlock(frame []byte) (Block, error) {
	body, err := checkCRC(frame)
	if err != nil {
		return Block{}, err
	}
	var b Block
	s := frameReader(body)
	var pcb byte
	s.readByte(&pcb)
	switch {
	case pcb&0xE2 == 0x02:
		b.Kind, b.Num, b.Chain = KindI, pcb&1, pcb&0x10 != 0
		b.HasNAD = pcb&0x04 != 0
	case pcb&0xE6 == 0xA2:
		b.Kind, b.Num, b.NAK = KindR, pcb&1, pcb&0x10 != 0
	case pcb&0xC7 == 0xC2:
		b.Kind = KindS
		switch pcb & 0x30 {
		case 0x00:
			b.S = SDeselect
		case 0x30:
			b.S = SWTX
		default:
			return Block{}, fmt.Errorf("link: S-block PCB %#02x: %w", pcb, ErrUnknownPCB)
		}
	default:
		return Block{}, fmt.Errorf("link: PCB %#02x: %w", pcb, ErrUnknownPCB)
	}
	b.HasCID = pcb&0x08 != 0
	if b.HasCID {
		var c byte
		if !s.readByte(&c) {
			return Block{}, fmt.Errorf("link: CID missing: %w", ErrShortFrame)
		}
		if c&0x30 != 0 || c&0x0F == 15 {
			return Block{}, fmt.Errorf("link: CID byte %#02x: %w", c, ErrMalformed)
		}
		b.CID, b.Power = c&0x0F, c>>6
	}
	if b.HasNAD && !s.readByte(&b.NAD) {
		return Block{}, fmt.Errorf("link: NAD missing: %w", ErrShortFrame)
	}
	switch {
	case b.Kind == KindI:
		b.INF = s.rest()
	case b.Kind == KindS && b.S == SWTX:
		var w byte
		if !s.readByte(&w) || !s.empty() {
			return Block{}, fmt.Errorf("link: S(WTX) needs one INF byte: %w", ErrMalformed)
		}
		b.WTXM, b.WTXPower = w&0x3F, w>>6
		if b.WTXM < 1 || b.WTXM > 59 {
			return Block{}, fmt.Errorf("link: WTXM %d: %w", b.WTXM, ErrMalformed)
		}
	default:
		if !s.empty() {
			return Block{}, fmt.Errorf("link: %v-block with INF: %w", b.Kind, ErrMalformed)
		}
	}
	return b, nil
}

// Append encodes b as a frame, CRC_A included, and appends it to dst. It
// returns ErrMalformed (wrapped) when b breaks a rule ParseBlock checks.
func (b *Block) Append(dst []byte) ([]byte, error) {
	var pcb byte
	switch b.Kind {
	case KindI:
		pcb = 0x02
		if b.Chain {
			pcb |= 0x10
		}
		if b.HasNAD {
			pcb |= 0x04
		}
	case KindR:
		pcb = 0xA2
		if b.NAK {
			pcb |= 0x10
		}
		if b.HasNAD {
			return dst, fmt.Errorf("link: NAD in an R-block: %w", ErrMalformed)
		}
	case KindS:
		switch b.S {
		case SDeselect:
			pcb = 0xC2
		case SWTX:
			pcb = 0xF2
			if b.WTXM < 1 || b.WTXM > 59 {
				return dst, fmt.Errorf("link: WTXM %d: %w", b.WTXM, ErrMalformed)
			}
		default:
			return dst, fmt.Errorf("link: S command %d: %w", b.S, ErrMalformed)
		}
		if b.HasNAD {
			return dst, fmt.Errorf("link: NAD in an S-block: %w", ErrMalformed)
		}
	default:
		return dst, fmt.Errorf("link: block kind %d: %w", b.Kind, ErrMalformed)
	}
	if b.Kind != KindS && b.Num > 1 {
		return dst, fmt.Errorf("link: block number %d: %w", b.Num, ErrMalformed)
	}
	if b.Kind != KindI && len(b.INF) > 0 {
		return dst, fmt.Errorf("link: %v-block with INF: %w", b.Kind, ErrMalformed)
	}
	if b.HasCID && b.CID > 14 || b.Power > 3 || b.WTXPower > 3 {
		return dst, fmt.Errorf("link: CID %d power %d/%d: %w", b.CID, b.Power, b.WTXPower, ErrMalformed)
	}
	if b.Kind != KindS {
		pcb |= b.Num
	}
	if b.HasCID {
		pcb |= 0x08
	}
	start := len(dst)
	dst = append(dst, pcb)
	if b.HasCID {
		dst = append(dst, b.Power<<6|b.CID)
	}
	if b.HasNAD && b.Kind == KindI {
		dst = append(dst, b.NAD)
	}
	switch {
	case b.Kind == KindI:
		dst = append(dst, b.INF...)
	case b.Kind == KindS && b.S == SWTX:
		dst = append(dst, b.WTXPower<<6|b.WTXM)
	}
	return appendCRC(dst, start), nil
}

// frameReader reads a frame front to back; reads advance only on success,
// in the manner of cryptobyte.String.
type frameReader []byte

func (s *frameReader) readByte(out *byte) bool {
	if len(*s) == 0 {
		return false
	}
	*out = (*s)[0]
	*s = (*s)[1:]
	return true
}

func (s *frameReader) rest() []byte {
	r := []byte(*s)
	*s = nil
	return r
}

func (s *frameReader) empty() bool { return len(*s) == 0 }

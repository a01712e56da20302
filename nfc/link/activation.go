package link

import "fmt"

// frameSizes maps FSDI/FSCI codes to frame sizes in bytes (ISO/IEC 14443-4,
// codes 9..C as added by its 2016 amendment).
var frameSizes = [...]int{16, 24, 32, 40, 48, 64, 96, 128, 256, 512, 1024, 2048, 4096}

// FrameSize returns the frame size, in bytes, CRC_A included, of an FSDI or
// FSCI code. Codes above 12 are RFU and read as 256, as ISO/IEC 14443-4
// tells a receiver to.
func FrameSize(code uint8) int {
	if int(code) >= len(frameSizes) {
		return 256
	}
	return frameSizes[code]
}

// frameSizeCode returns the code of the largest frame size not above n
// (0, for 16 bytes, when n is smaller).
func frameSizeCode(n int) uint8 {
	code := uint8(0)
	for i, s := range frameSizes {
		if s <= n {
			code = uint8(i)
		}
	}
	return code
}

// RATS is the PCD's Request for Answer To Select: E0, FSDI<<4 | CID.
type RATS struct {
	FSDI uint8 // the PCD's maximum frame size code, 0..15
	CID  uint8 // the card identifier given to the PICC, 0..14
}

// Append encodes r with its CRC_A.
func (r RATS) Append(dst []byte) ([]byte, error) {
	if r.FSDI > 15 || r.CID > 14 {
		return dst, fmt.Errorf("link: RATS FSDI %d CID %d: %w", r.FSDI, r.CID, ErrMalformed)
	}
	start := len(dst)
	dst = append(dst, 0xE0, r.FSDI<<4|r.CID)
	return appendCRC(dst, start), nil
}

// ParseRATS decodes a RATS frame, CRC_A included.
func ParseRATS(frame []byte) (RATS, error) {
	body, err := checkCRC(frame)
	if err != nil {
		return RATS{}, err
	}
	if len(body) != 2 || body[0] != 0xE0 {
		return RATS{}, fmt.Errorf("link: not a RATS: %w", ErrMalformed)
	}
	r := RATS{FSDI: body[1] >> 4, CID: body[1] & 0x0F}
	if r.CID == 15 {
		return RATS{}, fmt.Errorf("link: RATS CID 15: %w", ErrMalformed)
	}
	return r, nil
}

// ATS is the PICC's Answer To Select. Append always sends TA(1), TB(1) and
// TC(1); ParseBlock accepts any of them absent and applies the ISO/IEC
// 14443-4 defaults (TA 0: 106 kbit/s only; FWI 4, SFGI 0; CID supported, NAD
// not).
type ATS struct {
	FSCI uint8 // the PICC's maximum frame size code, 0..15
	// TA is TA(1), the bit rates the PICC supports: b8 same rate both ways
	// only, b7..b5 PICC→PCD at 848/424/212, b3..b1 PCD→PICC at 848/424/212.
	TA         uint8
	FWI        uint8 // frame waiting time integer, 0..14 (15 read as 4)
	SFGI       uint8 // start-up frame guard time integer, 0..14
	CID        bool  // the PICC supports a CID in blocks
	NAD        bool  // the PICC supports a NAD in blocks
	Historical []byte
}

// Supports reports whether TA allows rate in both directions.
func (a ATS) Supports(rate BitRate) bool {
	_, code := rate.divisor()
	if !rate.Valid() {
		return false
	}
	if code == 0 {
		return true
	}
	bit := uint8(1) << (code - 1) // 212: b1/b5, 424: b2/b6, 848: b3/b7
	return a.TA&bit != 0 && a.TA&(bit<<4) != 0
}

// Append encodes a with its CRC_A.
func (a ATS) Append(dst []byte) ([]byte, error) {
	if a.FSCI > 15 || a.FWI > 15 || a.SFGI > 15 || a.TA&0x08 != 0 || len(a.Historical) > 250 {
		return dst, fmt.Errorf("link: ATS fields: %w", ErrMalformed)
	}
	start := len(dst)
	tl := byte(5 + len(a.Historical))
	var tc byte
	if a.NAD {
		tc |= 0x01
	}
	if a.CID {
		tc |= 0x02
	}
	dst = append(dst, tl, 0x70|a.FSCI, a.TA, a.FWI<<4|a.SFGI, tc)
	dst = append(dst, a.Historical...)
	return appendCRC(dst, start), nil
}

// ParseATS decodes an ATS frame, CRC_A included. Historical aliases frame.
func ParseATS(frame []byte) (ATS, error) {
	body, err := checkCRC(frame)
	if err != nil {
		return ATS{}, err
	}
	a := ATS{FSCI: 2, FWI: 4, CID: true}
	s := frameReader(body)
	var tl, t0 byte
	s.readByte(&tl)
	if int(tl) != len(body) {
		return ATS{}, fmt.Errorf("link: ATS TL %d for %d bytes: %w", tl, len(body), ErrMalformed)
	}
	if !s.readByte(&t0) {
		return a, nil // TL = 1: no format byte, all defaults
	}
	if t0&0x80 != 0 {
		return ATS{}, fmt.Errorf("link: ATS T0 %#02x: %w", t0, ErrMalformed)
	}
	a.FSCI = t0 & 0x0F
	if t0&0x10 != 0 {
		if !s.readByte(&a.TA) {
			return ATS{}, fmt.Errorf("link: ATS TA missing: %w", ErrShortFrame)
		}
		if a.TA&0x08 != 0 {
			return ATS{}, fmt.Errorf("link: ATS TA %#02x: %w", a.TA, ErrMalformed)
		}
	}
	if t0&0x20 != 0 {
		var tb byte
		if !s.readByte(&tb) {
			return ATS{}, fmt.Errorf("link: ATS TB missing: %w", ErrShortFrame)
		}
		a.FWI, a.SFGI = tb>>4, tb&0x0F
		if a.FWI == 15 {
			a.FWI = 4
		}
		if a.SFGI == 15 {
			a.SFGI = 0
		}
	}
	if t0&0x40 != 0 {
		var tc byte
		if !s.readByte(&tc) {
			return ATS{}, fmt.Errorf("link: ATS TC missing: %w", ErrShortFrame)
		}
		if tc&0xFC != 0 {
			return ATS{}, fmt.Errorf("link: ATS TC %#02x: %w", tc, ErrMalformed)
		}
		a.NAD, a.CID = tc&0x01 != 0, tc&0x02 != 0
	}
	a.Historical = s.rest()
	return a, nil
}

// PPS is the PCD's Protocol and Parameter Selection request: D0|CID, PPS0 =
// 11, PPS1 = DSI<<2 | DRI. The PICC's answer echoes the first byte.
type PPS struct {
	CID uint8 // 0..14
	DSI uint8 // divisor code PICC→PCD: 0..3 for 106, 212, 424, 848
	DRI uint8 // divisor code PCD→PICC
}

// Append encodes p with its CRC_A.
func (p PPS) Append(dst []byte) ([]byte, error) {
	if p.CID > 14 || p.DSI > 3 || p.DRI > 3 {
		return dst, fmt.Errorf("link: PPS fields: %w", ErrMalformed)
	}
	start := len(dst)
	dst = append(dst, 0xD0|p.CID, 0x11, p.DSI<<2|p.DRI)
	return appendCRC(dst, start), nil
}

// ParsePPS decodes a PPS request, CRC_A included. A PPS without PPS1 (PPS0
// = 01) keeps 106 kbit/s.
func ParsePPS(frame []byte) (PPS, error) {
	body, err := checkCRC(frame)
	if err != nil {
		return PPS{}, err
	}
	if len(body) < 2 || body[0]&0xF0 != 0xD0 || body[0]&0x0F == 15 {
		return PPS{}, fmt.Errorf("link: not a PPS: %w", ErrMalformed)
	}
	p := PPS{CID: body[0] & 0x0F}
	switch {
	case body[1] == 0x01 && len(body) == 2:
	case body[1] == 0x11 && len(body) == 3 && body[2]&0xF0 == 0:
		p.DSI, p.DRI = body[2]>>2, body[2]&3
	default:
		return PPS{}, fmt.Errorf("link: PPS0 %#02x in %d bytes: %w", body[1], len(body), ErrMalformed)
	}
	return p, nil
}

package apdu

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about an APDU whose bytes do not
// follow ISO/IEC 7816-4 (or a Command that cannot be encoded). The wrapping
// error says what is wrong, e.g. "apdu: command: Lc=5 but 3 data bytes".
var ErrMalformed = errors.New("apdu: malformed APDU")

// Limits of the ISO/IEC 7816-4 encodings.
const (
	MaxShortData    = 255   // most data bytes in a short command APDU (Lc 01..FF)
	MaxShortNe      = 256   // most expected bytes in a short command APDU (Le 00)
	MaxExtendedData = 65535 // most data bytes in an extended command APDU
	MaxExtendedNe   = 65536 // most expected bytes in an extended command APDU (Le 0000)
)

// Command is an ISO/IEC 7816-4 command APDU.
//
// Ne is the maximum number of response data bytes expected: 0 means none
// (no Le field), 1..256 fit a short APDU (256 is encoded as Le 00), and
// 257..65536 need an extended APDU (65536 is encoded as Le 0000).
//
// The encoding is chosen automatically: extended when len(Data) > 255 or
// Ne > 256, short otherwise. Command does not carry the encoding it was
// parsed from: a case 4E command whose fields fit the short form is
// re-encoded as 4S.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// Extended reports whether c is encoded as an extended-length APDU.
func (c Command) Extended() bool {
	return len(c.Data) > MaxShortData || c.Ne > MaxShortNe
}

// EncodedLen returns the length of c's encoding, assuming it is valid.
func (c Command) EncodedLen() int {
	n := 4 + len(c.Data)
	ext := c.Extended()
	if len(c.Data) > 0 {
		if ext {
			n += 3
		} else {
			n++
		}
	}
	if c.Ne > 0 {
		switch {
		case !ext:
			n++
		case len(c.Data) > 0:
			n += 2
		default:
			n += 3
		}
	}
	return n
}

func (c Command) validate() error {
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return fmt.Errorf("apdu: command: Ne=%d out of range 0..%d: %w", c.Ne, MaxExtendedNe, ErrMalformed)
	}
	if len(c.Data) > MaxExtendedData {
		return fmt.Errorf("apdu: command: %d data bytes, more than %d: %w", len(c.Data), MaxExtendedData, ErrMalformed)
	}
	return nil
}

// Append appends the encoding of c to dst and returns the extended slice.
// It fails, wrapping ErrMalformed, when Ne is outside 0..65536 or Data is
// longer than 65535 bytes; dst is then returned unchanged.
func (c Command) Append(dst []byte) ([]byte, error) {
	if err := c.validate(); err != nil {
		return dst, err
	}
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	nc, ne := len(c.Data), c.Ne
	if !c.Extended() {
		if nc > 0 {
			dst = append(dst, byte(nc))
			dst = append(dst, c.Data...)
		}
		if ne > 0 {
			dst = append(dst, byte(ne)) // 256 wraps to 00
		}
		return dst, nil
	}
	if nc > 0 {
		dst = append(dst, 0, byte(nc>>8), byte(nc))
		dst = append(dst, c.Data...)
	}
	if ne > 0 {
		if nc == 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, byte(ne>>8), byte(ne)) // 65536 wraps to 0000
	}
	return dst, nil
}

// Bytes returns the encoding of c in a new slice. See Append for errors.
func (c Command) Bytes() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c.Append(make([]byte, 0, c.EncodedLen()))
}

// ParseCommand decodes a command APDU of any ISO/IEC 7816-4 case: 1, 2S, 3S,
// 4S, 2E, 3E or 4E. The returned Data aliases b (nil when there is none).
//
// Every malformed form is rejected with an error wrapping ErrMalformed that
// names the problem: fewer than 4 bytes, a short Lc of 00, an Lc that
// disagrees with the number of bytes that follow, an extended Lc of 0000,
// or a truncated extended length field.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("apdu: command: %d bytes, header needs 4: %w", len(b), ErrMalformed)
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = MaxShortNe
		}
		return c, nil
	case body[0] != 0: // case 3S or 4S
		nc := int(body[0])
		switch len(body) - 1 {
		case nc: // 3S
			c.Data = body[1:]
		case nc + 1: // 4S
			c.Data = body[1 : 1+nc]
			c.Ne = int(body[1+nc])
			if c.Ne == 0 {
				c.Ne = MaxShortNe
			}
		default:
			return Command{}, fmt.Errorf("apdu: command: Lc=%d but %d data bytes: %w", nc, len(body)-1, ErrMalformed)
		}
		return c, nil
	}
	// body[0] == 0 and at least 2 bytes: extended length fields.
	switch {
	case len(body) < 3:
		return Command{}, fmt.Errorf("apdu: command: extended length field truncated (%d of 3 bytes): %w", len(body), ErrMalformed)
	case len(body) == 3: // case 2E
		c.Ne = int(body[1])<<8 | int(body[2])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
		return c, nil
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, fmt.Errorf("apdu: command: extended Lc=0 followed by %d bytes: %w", len(body)-3, ErrMalformed)
	}
	switch len(body) - 3 {
	case nc: // 3E
		c.Data = body[3:]
	case nc + 2: // 4E
		c.Data = body[3 : 3+nc]
		c.Ne = int(body[3+nc])<<8 | int(body[4+nc])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
	default:
		if len(body)-3 == nc+1 {
			return Command{}, fmt.Errorf("apdu: command: extended Lc=%d then %d data bytes and a truncated Le: %w", nc, nc, ErrMalformed)
		}
		return Command{}, fmt.Errorf("apdu: command: extended Lc=%d but %d data bytes: %w", nc, len(body)-3, ErrMalformed)
	}
	return c, nil
}

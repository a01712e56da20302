package apdu

import (
	"fmt"
)

// statusSentinel is the type of the ErrXxx status-word sentinels. A
// *StatusError matches one under errors.Is when SW&mask == sw.
type statusSentinel struct {
	sw, mask uint16
	text     string
}

func (s *statusSentinel) Error() string {
	if s.mask == 0xFFFF {
		return fmt.Sprintf("apdu: %s (%04X)", s.text, s.sw)
	}
	return fmt.Sprintf("apdu: %s (%s)", s.text, swPattern(s.sw, s.mask))
}

// swPattern writes sw with x for each nibble the mask ignores, e.g. 63Cx.
func swPattern(sw, mask uint16) string {
	const hex = "0123456789ABCDEF"
	var b [4]byte
	for i := range b {
		shift := uint(12 - 4*i)
		if (mask>>shift)&0xF == 0 {
			b[i] = 'x'
		} else {
			b[i] = hex[(sw>>shift)&0xF]
		}
	}
	return string(b[:])
}

func sentinel(sw, mask uint16, text string) error {
	return &statusSentinel{sw: sw, mask: mask, text: text}
}

// Status-word sentinels. Response.Err returns a *StatusError, which
// errors.Is matches against these by status word; the sentinels themselves
// are plain comparable values. They are low-level: layers above wrap them
// with context and desk messages.
var (
	ErrVerificationFailed     = sentinel(0x63C0, 0xFFF0, "verification failed")             // 63Cx, x = retries left
	ErrWrongLength            = sentinel(0x6700, 0xFFFF, "wrong length")                    // 6700
	ErrSecurityStatus         = sentinel(0x6982, 0xFFFF, "security status not satisfied")   // 6982
	ErrAuthMethodBlocked      = sentinel(0x6983, 0xFFFF, "authentication method blocked")   // 6983
	ErrConditionsNotSatisfied = sentinel(0x6985, 0xFFFF, "conditions of use not satisfied") // 6985
	ErrCommandNotAllowed      = sentinel(0x6986, 0xFFFF, "command not allowed")             // 6986
	ErrIncorrectData          = sentinel(0x6A80, 0xFFFF, "incorrect data field")            // 6A80
	ErrFunctionNotSupported   = sentinel(0x6A81, 0xFFFF, "function not supported")          // 6A81
	ErrFileNotFound           = sentinel(0x6A82, 0xFFFF, "file or application not found")   // 6A82
	ErrRecordNotFound         = sentinel(0x6A83, 0xFFFF, "record not found")                // 6A83
	ErrNotEnoughMemory        = sentinel(0x6A84, 0xFFFF, "not enough memory space")         // 6A84
	ErrIncorrectP1P2          = sentinel(0x6A86, 0xFFFF, "incorrect parameters P1-P2")      // 6A86
	ErrReferencedDataNotFound = sentinel(0x6A88, 0xFFFF, "referenced data not found")       // 6A88
	ErrWrongParameters        = sentinel(0x6B00, 0xFFFF, "wrong parameters P1-P2")          // 6B00
	ErrWrongLe                = sentinel(0x6C00, 0xFF00, "wrong Le field")                  // 6Cxx, xx = exact length
	ErrINSNotSupported        = sentinel(0x6D00, 0xFFFF, "instruction not supported")       // 6D00
	ErrCLANotSupported        = sentinel(0x6E00, 0xFFFF, "class not supported")             // 6E00
	ErrNoPreciseDiagnosis     = sentinel(0x6F00, 0xFFFF, "no precise diagnosis")            // 6F00
)

// StatusError is a status word other than 9000. It matches the status
// sentinels under errors.Is (errors.Is(err, ErrFileNotFound) for 6A82), as
// well as any *StatusError with the same SW.
type StatusError struct {
	SW uint16
}

// Error names the status word and its meaning, e.g.
// "apdu: status 6A82: file or application not found".
func (e *StatusError) Error() string {
	return fmt.Sprintf("apdu: status %04X: %s", e.SW, Meaning(e.SW))
}

// Is reports whether target is a status sentinel matching e.SW, or a
// *StatusError with the same SW.
func (e *StatusError) Is(target error) bool {
	switch t := target.(type) {
	case *statusSentinel:
		return e.SW&t.mask == t.sw
	case *StatusError:
		return t != nil && t.SW == e.SW
	}
	return false
}

// RetriesLeft returns x for a 63Cx status word (verification failed, x
// tries left), and -1 for any other.
func (e *StatusError) RetriesLeft() int {
	if e.SW&0xFFF0 == 0x63C0 {
		return int(e.SW & 0x000F)
	}
	return -1
}

var meanings = map[uint16]string{
	0x9000: "success",
	0x6200: "warning: state of non-volatile memory unchanged",
	0x6281: "warning: part of returned data may be corrupted",
	0x6282: "warning: end of file or record reached before reading Ne bytes",
	0x6283: "warning: selected file deactivated",
	0x6284: "warning: file control information not formatted",
	0x6300: "warning: state of non-volatile memory changed",
	0x6381: "warning: file filled up by the last write",
	0x6400: "execution error: state of non-volatile memory unchanged",
	0x6581: "execution error: memory failure",
	0x6700: "wrong length",
	0x6881: "logical channel not supported",
	0x6882: "secure messaging not supported",
	0x6883: "last command of the chain expected",
	0x6884: "command chaining not supported",
	0x6981: "command incompatible with file structure",
	0x6982: "security status not satisfied",
	0x6983: "authentication method blocked",
	0x6984: "reference data not usable",
	0x6985: "conditions of use not satisfied",
	0x6986: "command not allowed (no current EF)",
	0x6987: "expected secure messaging data objects missing",
	0x6988: "incorrect secure messaging data objects",
	0x6A80: "incorrect data field",
	0x6A81: "function not supported",
	0x6A82: "file or application not found",
	0x6A83: "record not found",
	0x6A84: "not enough memory space",
	0x6A85: "Nc inconsistent with TLV structure",
	0x6A86: "incorrect parameters P1-P2",
	0x6A87: "Nc inconsistent with parameters P1-P2",
	0x6A88: "referenced data not found",
	0x6A89: "file already exists",
	0x6A8A: "DF name already exists",
	0x6B00: "wrong parameters P1-P2",
	0x6D00: "instruction not supported",
	0x6E00: "class not supported",
	0x6F00: "no precise diagnosis",
}

// Meaning returns a short English description of a status word, per
// ISO/IEC 7816-4 (the description of its SW1 group when the exact word is
// not a standard one).
func Meaning(sw uint16) string {
	if m, ok := meanings[sw]; ok {
		return m
	}
	sw2 := sw & 0xFF
	switch {
	case sw&0xFF00 == 0x6100:
		if sw2 == 0 {
			return "256 or more response bytes still available"
		}
		return fmt.Sprintf("%d response bytes still available", sw2)
	case sw&0xFF00 == 0x6C00:
		n := int(sw2)
		if n == 0 {
			n = 256
		}
		return fmt.Sprintf("wrong Le field, %d bytes available", n)
	case sw&0xFFF0 == 0x63C0:
		n := sw & 0xF
		if n == 1 {
			return "verification failed, 1 retry left"
		}
		return fmt.Sprintf("verification failed, %d retries left", n)
	}
	switch sw >> 8 {
	case 0x62:
		return "warning: state of non-volatile memory unchanged"
	case 0x63:
		return "warning: state of non-volatile memory changed"
	case 0x64:
		return "execution error: state of non-volatile memory unchanged"
	case 0x65:
		return "execution error: state of non-volatile memory changed"
	case 0x66:
		return "execution error: security-related"
	case 0x67:
		return "wrong length"
	case 0x68:
		return "functions in CLA not supported"
	case 0x69:
		return "command not allowed"
	case 0x6A:
		return "wrong parameters P1-P2"
	}
	return "unknown status"
}

package tlv

import (
	"errors"
	"fmt"
)

// Errors of this package. Parsing with String reports failure as false;
// Find and Builder return these, wrapped with a description.
var (
	ErrMalformed  = errors.New("tlv: malformed BER-TLV")
	ErrNotFound   = errors.New("tlv: tag not found")
	ErrInvalidTag = errors.New("tlv: invalid tag")
	ErrTooLong    = errors.New("tlv: value too long")
)

// MaxTagLen is the longest tag encoding this package handles: 4 bytes, the
// first and up to three subsequent ones (ISO/IEC 7816-4 uses up to 3).
const MaxTagLen = 4

// Tag is a BER-TLV tag held as its encoded bytes, big-endian: 0x84
// (DF name), 0x6F (FCI template), 0x5F2D (language preference), 0x7F49,
// 0x9F8102. The first byte carries the class (b8-b7) and the constructed
// bit (b6); when its b5-b1 are all set, subsequent bytes follow, each with
// b8 set except the last.
type Tag uint32

// Class values returned by Tag.Class.
const (
	ClassUniversal   = 0
	ClassApplication = 1
	ClassContext     = 2
	ClassPrivate     = 3
)

// Len returns the number of bytes of t's encoding (1 for 0x00).
func (t Tag) Len() int {
	switch {
	case t > 0xFFFFFF:
		return 4
	case t > 0xFFFF:
		return 3
	case t > 0xFF:
		return 2
	}
	return 1
}

// first returns the first byte of t's encoding.
func (t Tag) first() byte { return byte(t >> (8 * uint(t.Len()-1))) }

// Constructed reports whether t's constructed bit (b6 of the first byte) is
// set: its value is itself a sequence of BER-TLV data objects.
func (t Tag) Constructed() bool { return t.first()&0x20 != 0 }

// Class returns t's class: ClassUniversal, ClassApplication,
// ClassContext or ClassPrivate.
func (t Tag) Class() int { return int(t.first() >> 6) }

// Valid reports whether t is a well-formed tag encoding: a single byte
// whose b5-b1 are not all set, or such a first byte followed by subsequent
// bytes, the first of which is not 80 (X.690: no leading zero bits), all
// with b8 set except the last.
func (t Tag) Valid() bool {
	var enc [MaxTagLen]byte
	n := t.Len()
	for i := range n {
		enc[i] = byte(t >> (8 * uint(n-1-i)))
	}
	var got Tag
	s := String(enc[:n])
	return s.ReadTag(&got) && s.Empty() && got == t
}

// String returns t in hexadecimal, e.g. "5F2D".
func (t Tag) String() string {
	return fmt.Sprintf("%0*X", 2*t.Len(), uint32(t))
}

// appendTag appends t's encoding to dst.
func appendTag(dst []byte, t Tag) []byte {
	n := t.Len()
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(t>>(8*uint(i))))
	}
	return dst
}

// lenLen returns the number of bytes of the definite-length encoding of n.
func lenLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xFF:
		return 2
	case n <= 0xFFFF:
		return 3
	case n <= 0xFFFFFF:
		return 4
	}
	return 5
}

// putLen writes the minimal definite-length encoding of n into dst, which
// must hold lenLen(n) bytes.
func putLen(dst []byte, n int) {
	if n < 0x80 {
		dst[0] = byte(n)
		return
	}
	k := len(dst) - 1
	dst[0] = 0x80 | byte(k)
	for i := k; i >= 1; i-- {
		dst[i] = byte(n)
		n >>= 8
	}
}

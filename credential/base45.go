package credential

import (
	"fmt"
	"slices"
)

// Base45 (RFC 9285) turns bytes into the characters a QR code's alphanumeric
// mode carries: every 2 bytes become 3 characters, a last odd byte 2. The
// alphabet is Base45Alphabet (qrtext.go).

// AppendBase45 appends the Base45 encoding of src to dst.
func AppendBase45(dst, src []byte) []byte {
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		dst = append(dst, Base45Alphabet[n%45], Base45Alphabet[n/45%45], Base45Alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		dst = append(dst, Base45Alphabet[n%45], Base45Alphabet[n/45])
	}
	return dst
}

// Base45DecodedLen returns the length of the bytes n characters decode to,
// or -1 when no valid Base45 text has n characters.
func Base45DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// AppendBase45Decode appends the bytes src decodes to. It refuses characters
// outside the alphabet, a length of 3k+1, and groups whose value exceeds the
// bytes they stand for, with an error wrapping ErrMalformed (dst then holds
// the groups decoded before the fault).
func AppendBase45Decode(dst []byte, src string) ([]byte, error) {
	size := Base45DecodedLen(len(src))
	if size < 0 {
		return dst, fmt.Errorf("credential: base45: length %d is not valid: %w", len(src), ErrMalformed)
	}
	n := len(dst)
	dst = slices.Grow(dst, size)[:n+size]
	out := dst[n:]
	i, o := 0, 0
	for ; i+3 <= len(src); i, o = i+3, o+2 {
		c0, c1, c2 := base45Value[src[i]], base45Value[src[i+1]], base45Value[src[i+2]]
		if c0|c1|c2 < 0 {
			return dst[:n+o], badBase45(src, i, i+3)
		}
		v := int(c0) + int(c1)*45 + int(c2)*(45*45)
		if v > 0xffff {
			return dst[:n+o], fmt.Errorf("credential: base45: group at %d overflows: %w", i, ErrMalformed)
		}
		out[o], out[o+1] = byte(v>>8), byte(v)
	}
	if i < len(src) { // a final pair: one byte
		c0, c1 := base45Value[src[i]], base45Value[src[i+1]]
		if c0|c1 < 0 {
			return dst[:n+o], badBase45(src, i, i+2)
		}
		v := int(c0) + int(c1)*45
		if v > 0xff {
			return dst[:n+o], fmt.Errorf("credential: base45: last group overflows: %w", ErrMalformed)
		}
		out[o] = byte(v)
	}
	return dst, nil
}

// badBase45 is the error for the group src[i:end], which holds a character
// outside the alphabet: it names the last one.
func badBase45(src string, i, end int) error {
	j := end - 1
	for j > i && base45Value[src[j]] >= 0 {
		j--
	}
	return fmt.Errorf("credential: base45: character %d (%q) is not in the alphabet: %w", j, src[j], ErrMalformed)
}

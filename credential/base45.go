package credential

import "fmt"

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
// bytes they stand for, with an error wrapping ErrMalformed.
func AppendBase45Decode(dst []byte, src string) ([]byte, error) {
	if Base45DecodedLen(len(src)) < 0 {
		return dst, fmt.Errorf("credential: base45: length %d is not valid: %w", len(src), ErrMalformed)
	}
	for i := 0; i < len(src); i += 3 {
		end := min(i+3, len(src))
		n := 0
		for j := end - 1; j >= i; j-- {
			v := base45Value[src[j]]
			if v < 0 {
				return dst, fmt.Errorf("credential: base45: character %d (%q) is not in the alphabet: %w", j, src[j], ErrMalformed)
			}
			n = n*45 + int(v)
		}
		if end-i == 3 {
			if n > 0xffff {
				return dst, fmt.Errorf("credential: base45: group at %d overflows: %w", i, ErrMalformed)
			}
			dst = append(dst, byte(n>>8), byte(n))
		} else {
			if n > 0xff {
				return dst, fmt.Errorf("credential: base45: last group overflows: %w", ErrMalformed)
			}
			dst = append(dst, byte(n))
		}
	}
	return dst, nil
}

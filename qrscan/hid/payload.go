package hid

import "github.com/apcvkit/apcvkit/qrscan"

var prefix = []byte(qrscan.Prefix)

// base45Value maps a Base45 character (RFC 9285) to its value, or -1.
var base45Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	for i := range len(alphabet) {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// WellFormed reports whether text is a well-formed ApCV QR text: the
// qrscan.Prefix followed by a valid Base45 string (RFC 9285: only the 45
// characters "0-9A-Z $%*+-./:", a length that is not 1 modulo 3, and every
// group of three characters worth at most 65535, a final pair at most 255).
//
// The value rule makes the check sensitive to a lost or doubled character:
// every later group shifts, and about 28% of shifted groups overflow. It
// never allocates.
func WellFormed[T string | []byte](text T) bool {
	if len(text) < len(qrscan.Prefix) || string(text[:len(qrscan.Prefix)]) != qrscan.Prefix {
		return false
	}
	rest := text[len(qrscan.Prefix):]
	if len(rest)%3 == 1 {
		return false
	}
	for len(rest) > 0 {
		n := min(3, len(rest))
		v, mul := 0, 1
		for i := range n {
			c := base45Value[rest[i]]
			if c < 0 {
				return false
			}
			v += int(c) * mul
			mul *= 45
		}
		if (n == 3 && v > 0xFFFF) || (n == 2 && v > 0xFF) {
			return false
		}
		rest = rest[n:]
	}
	return true
}

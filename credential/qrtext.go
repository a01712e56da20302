package credential

// The QR text format (docs/PROTOCOL.md §6), defined here and nowhere else:
// QRPrefix, then a presentation in Base45, MaxQRText characters at most.
// The scanners (qrscan and its subpackages) and the emulator import these;
// a new major version changes QRPrefix here only.

// QRPrefix starts every QR text of this version.
const QRPrefix = "APCV1:"

// qrFamily starts the QR texts of every version ("APCV" of "APCV1:"): a
// text with it but not QRPrefix is of a version this package does not read.
var qrFamily = QRPrefix[:4]

// MaxQRText bounds a QR text, prefix included, in characters. Like the
// size limits of cbor.go, it is checked before anything is allocated.
const MaxQRText = 4096

// Base45Alphabet is the alphabet of Base45 (RFC 9285), in the order of the
// values it encodes: 0-9, A-Z, space and $%*+-./:, the alphanumeric set of
// QR codes.
const Base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// base45Value maps a byte to its Base45 value, or -1 outside the alphabet.
var base45Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(Base45Alphabet) {
		t[Base45Alphabet[i]] = int8(i)
	}
	return t
}()

// IsBase45 reports whether c is in Base45Alphabet.
func IsBase45(c byte) bool { return base45Value[c] >= 0 }

// LooksLikeQRText reports whether text has the form of a QR text of a
// version this package reads: a full QR text (at most MaxQRText characters,
// QRPrefix, then a valid Base45 string — only characters of
// Base45Alphabet, a length that is not 1 modulo 3, every group of three
// characters worth at most 65535 and a final pair at most 255: the rules
// AppendBase45Decode applies) or a short QR text (IsShortQR: ShortQRPrefix
// and exactly ShortQRLen characters under the same rules).
//
// It neither decodes nor verifies: VerifyQR or VerifyResolution may still
// refuse a text that passes. Scanners use it to tell a complete, well-read
// scan from a garbled one; the value rule makes it sensitive to a lost or
// doubled character (every later group shifts, and about 28% of shifted
// groups overflow), and the fixed length of the short form to any lost or
// added one. It never allocates.
func LooksLikeQRText[T string | []byte](text T) bool {
	if IsShortQR(text) {
		return true
	}
	if len(text) > MaxQRText || len(text) < len(QRPrefix) || string(text[:len(QRPrefix)]) != QRPrefix {
		return false
	}
	return base45Groups(text[len(QRPrefix):])
}

// HasQRPrefix reports whether text starts with the prefix of a QR text of a
// version this package reads (QRPrefix or ShortQRPrefix). Scanners use it
// to find where an ApCV text starts.
func HasQRPrefix[T string | []byte](text T) bool {
	if len(text) < len(QRPrefix) {
		return false
	}
	p := string(text[:len(QRPrefix)])
	return p == QRPrefix || p == ShortQRPrefix
}

// base45Groups reports whether rest is valid Base45 (the rules of
// LooksLikeQRText), without allocating.
func base45Groups[T string | []byte](rest T) bool {
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

package credential

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
)

// The short QR text of protocol version 2 (docs/PROTOCOL.md §14): a
// reference to the credential (its CID) and the phone's proof of freshness,
// which a reader resolves at the issuer's online service (§15). It has a
// fixed size whatever the family: ShortQRLen characters.

// ShortQRPrefix starts every short QR text (protocol version 2).
const ShortQRPrefix = "APCV2:"

// ShortQRLen is the length of every short QR text, prefix included: 6 +
// the Base45 form (42 characters) of its shortQRBytes bytes.
const ShortQRLen = len(ShortQRPrefix) + shortQRBytes/2*3

// shortQRBytes is the size of the short QR payload: cid[8] ‖ time[4] ‖
// tag[16].
const shortQRBytes = 8 + 4 + ShortQRTagLen

// ShortQRTagLen is the size of a short QR's freshness tag: the first 16
// bytes of HMAC-SHA256 (docs/PROTOCOL.md §14.2).
const ShortQRTagLen = 16

// ShortQRKeyLen is the size of a credential's short QR key (Held.ShortQRKey).
const ShortQRKeyLen = 32

// shortQRTagLabel starts the message a short QR tag authenticates.
const shortQRTagLabel = "ApCVShortQR"

// ShortQR is a decoded short QR text. Nothing in it is verified: the tag
// is the service's to check (VerifyTag, with the credential's short QR key
// it drew at issuance), the window the reader's
// (Verifier.CheckShortQRWindow).
type ShortQR struct {
	CID  [8]byte             // the credential referred to
	Time time.Time           // when the phone drew the code (whole seconds, UTC)
	Tag  [ShortQRTagLen]byte // HMAC-SHA256(key, "ApCVShortQR" ‖ cid ‖ time[4]) truncated to 16 bytes
}

// IsShortQR reports whether text has the form of a short QR text:
// ShortQRPrefix, exactly ShortQRLen characters, and Base45 that decodes
// (every group of three characters worth at most 65535). Like
// LooksLikeQRText, it neither decodes nor verifies, and never allocates.
func IsShortQR[T string | []byte](text T) bool {
	if len(text) != ShortQRLen || string(text[:len(ShortQRPrefix)]) != ShortQRPrefix {
		return false
	}
	return base45Groups(text[len(ShortQRPrefix):])
}

// ParseShortQR decodes a short QR text. It fails with ErrTooLarge beyond
// MaxQRText characters, ErrUnsupportedVersion for an ApCV text of another
// version (a full QR text "APCV1:" included: VerifyQR reads those), and
// ErrMalformed for anything else that is not exactly a short QR text.
func ParseShortQR(text string) (ShortQR, error) {
	if len(text) > MaxQRText {
		return ShortQR{}, fmt.Errorf("credential: QR text of %d characters: %w", len(text), ErrTooLarge)
	}
	if !strings.HasPrefix(text, ShortQRPrefix) {
		if strings.HasPrefix(text, qrFamily) {
			return ShortQR{}, fmt.Errorf("credential: not a short QR text (version): %w", ErrUnsupportedVersion)
		}
		return ShortQR{}, fmt.Errorf("credential: not an ApCV QR text: %w", ErrMalformed)
	}
	if len(text) != ShortQRLen {
		return ShortQR{}, fmt.Errorf("credential: short QR text of %d characters, want %d: %w", len(text), ShortQRLen, ErrMalformed)
	}
	var buf [shortQRBytes]byte
	raw, err := AppendBase45Decode(buf[:0], text[len(ShortQRPrefix):])
	if err != nil {
		return ShortQR{}, err
	}
	var q ShortQR
	copy(q.CID[:], raw[:8])
	q.Time = time.Unix(int64(binary.BigEndian.Uint32(raw[8:12])), 0).UTC()
	copy(q.Tag[:], raw[12:])
	return q, nil
}

// String returns the short QR text of q: the one ParseShortQR decoded q
// from, or, for a q built otherwise, the text of its fields (Time in
// whole seconds, which must fit 32 bits unsigned: later bits are dropped).
func (q ShortQR) String() string {
	var raw [shortQRBytes]byte
	q.appendBytes(raw[:0])
	return string(AppendBase45([]byte(ShortQRPrefix), raw[:]))
}

func (q ShortQR) appendBytes(dst []byte) []byte {
	dst = append(dst, q.CID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(q.Time.Unix()))
	return append(dst, q.Tag[:]...)
}

// shortQRTag returns the tag of a short QR of credential cid drawn at t:
// HMAC-SHA256(key, "ApCVShortQR" ‖ cid ‖ t as 4 bytes big-endian),
// truncated to its first ShortQRTagLen bytes.
func shortQRTag(key *[ShortQRKeyLen]byte, cid [8]byte, t uint32) [ShortQRTagLen]byte {
	var msg [len(shortQRTagLabel) + 8 + 4]byte
	b := append(msg[:0], shortQRTagLabel...)
	b = append(b, cid[:]...)
	b = binary.BigEndian.AppendUint32(b, t)
	m := hmac.New(sha256.New, key[:])
	m.Write(b)
	var sum [sha256.Size]byte
	return [ShortQRTagLen]byte(m.Sum(sum[:0]))
}

// VerifyTag checks q's tag with key, the credential's short QR key (the
// one the issuer drew at issuance and recorded with the credential),
// comparing in constant time; it fails with ErrDeviceBinding. It is the
// service's check (docs/PROTOCOL.md §15.3): the reader never holds the
// key, and relies on the issuer's signature over the resolution instead.
func (q ShortQR) VerifyTag(key [ShortQRKeyLen]byte) error {
	t := q.Time.Unix()
	if t < 0 || t > math.MaxUint32 {
		return fmt.Errorf("credential: short QR time %v: %w", q.Time, ErrDeviceBinding)
	}
	want := shortQRTag(&key, q.CID, uint32(t))
	if !hmac.Equal(want[:], q.Tag[:]) {
		return fmt.Errorf("credential: short QR tag: %w", ErrDeviceBinding)
	}
	return nil
}

// CredentialID returns the credential id of h's credentials (read from the
// issuer-signed payload, not verified: the phone trusts what it stored).
func (h *Held) CredentialID() ([8]byte, error) {
	if h == nil {
		return [8]byte{}, fmt.Errorf("credential: no credential: %w", ErrInvalidField)
	}
	raw := h.QRCredential
	if len(raw) == 0 {
		raw = h.Credential
	}
	m, err := parseSign1("credential", raw)
	if err != nil {
		return [8]byte{}, err
	}
	var c wireClaims
	var s claimsScratch
	if err := decodeClaims(m.payload, &c, &s); err != nil {
		return [8]byte{}, err
	}
	if len(c.CID) != 8 {
		return [8]byte{}, fmt.Errorf("credential: credential id of %d bytes: %w", len(c.CID), ErrMalformed)
	}
	return [8]byte(c.CID), nil
}

// PresentShortQR returns the short QR text for time at: ShortQRPrefix +
// Base45(cid ‖ time ‖ tag), always ShortQRLen characters, the tag made with
// h.ShortQRKey. It fails with ErrInvalidField when h has no short QR key (a
// Held saved before the key existed: the phone gets one at its next
// issuance).
func (h *Held) PresentShortQR(at time.Time) (string, error) {
	cid, err := h.CredentialID()
	if err != nil {
		return "", fmt.Errorf("credential: present short QR: %w", err)
	}
	if h.ShortQRKey == ([ShortQRKeyLen]byte{}) {
		return "", fmt.Errorf("credential: present short QR: no short QR key: %w", ErrInvalidField)
	}
	t := at.Unix()
	if t < 0 || t > math.MaxUint32 {
		return "", fmt.Errorf("credential: present short QR: time %v out of range: %w", at, ErrInvalidField)
	}
	q := ShortQR{CID: cid, Time: time.Unix(t, 0).UTC(), Tag: shortQRTag(&h.ShortQRKey, cid, uint32(t))}
	return q.String(), nil
}

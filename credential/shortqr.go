package credential

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
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
// the Base45 form (114 characters) of its shortQRBytes bytes.
const ShortQRLen = len(ShortQRPrefix) + shortQRBytes/2*3

// shortQRBytes is the size of the short QR payload: cid[8] ‖ time[4] ‖ sig[64].
const shortQRBytes = 8 + 4 + 64

// ShortQR is a decoded short QR text. Nothing in it is verified: the
// device signature is the service's to check (VerifyDevice, with the device
// key it recorded at activation), the window the reader's
// (Verifier.CheckShortQRWindow).
type ShortQR struct {
	CID       [8]byte   // the credential referred to
	Time      time.Time // when the phone drew the code (whole seconds, UTC)
	Signature [64]byte  // ES256 r‖s by the device key over DeviceAuthenticationShortQR
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
	copy(q.Signature[:], raw[12:])
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
	return append(dst, q.Signature[:]...)
}

// deviceAuthShortQR returns the digest the device signs for a short QR:
// SHA-256 of CBOR DeviceAuthenticationShortQR =
// ["ApCVDeviceAuth", "QR2", cid (bstr 8), time (uint)], built on the stack.
func deviceAuthShortQR(cid [8]byte, t uint32) [32]byte {
	var buf [48]byte
	b := append(buf[:0], 0x84, 0x6e)
	b = append(b, "ApCVDeviceAuth"...)
	b = append(b, 0x63, 'Q', 'R', '2', 0x48)
	b = append(b, cid[:]...)
	b = appendHead(b, 0, uint64(t))
	return sha256.Sum256(b)
}

// VerifyDevice checks q's device signature with the device key dev (the
// one the issuer recorded at activation), failing with ErrDeviceBinding.
// It is the service's check (docs/PROTOCOL.md §15.3); the reader has no
// device key before the resolution, and relies on the issuer's signature
// over the resolution instead.
func (q ShortQR) VerifyDevice(dev *ecdsa.PublicKey) error {
	t := q.Time.Unix()
	if t < 0 || t > math.MaxUint32 {
		return fmt.Errorf("credential: short QR time %v: %w", q.Time, ErrDeviceBinding)
	}
	d := deviceAuthShortQR(q.CID, uint32(t))
	if !verifyES256(dev, d[:], q.Signature[:]) {
		return fmt.Errorf("credential: short QR device signature: %w", ErrDeviceBinding)
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
// Base45(cid ‖ time ‖ device signature), always ShortQRLen characters.
// Signatures are deterministic (RFC 6979), so rand is not drawn from; it is
// there for the signature schemes to come and may be nil.
func (h *Held) PresentShortQR(dev *ecdsa.PrivateKey, at time.Time, rand io.Reader) (string, error) {
	cid, err := h.CredentialID()
	if err != nil {
		return "", fmt.Errorf("credential: present short QR: %w", err)
	}
	t := at.Unix()
	if t < 0 || t > math.MaxUint32 {
		return "", fmt.Errorf("credential: present short QR: time %v out of range: %w", at, ErrInvalidField)
	}
	d := deviceAuthShortQR(cid, uint32(t))
	sig, err := signES256(dev, d[:])
	if err != nil {
		return "", err
	}
	q := ShortQR{CID: cid, Time: time.Unix(t, 0).UTC()}
	copy(q.Signature[:], sig)
	return q.String(), nil
}

package credential

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// NFC session encryption (docs/PROTOCOL.md §5), after ISO/IEC 18013-5 §9.1.1:
// ephemeral ECDH on P-256, keys from HKDF-SHA-256 salted with the transcript
// digest, AES-256-GCM with a 12-byte nonce = 8-byte role identifier ‖ 4-byte
// message counter starting at 1. A message out of order fails to open.

// Role is the side of an NFC session.
type Role uint8

// Session roles.
const (
	RoleReader Role = 0
	RoleDevice Role = 1
)

// NewEphemeralKey returns a fresh P-256 key for one session.
func NewEphemeralKey(rand io.Reader) (*ecdh.PrivateKey, error) {
	return ecdh.P256().GenerateKey(randOrDefault(rand))
}

// SessionTranscript returns the CBOR transcript both sides sign and derive
// keys from: ["ApCV-NFC-1", aid, readerKey, deviceKey, readerNonce], keys in
// uncompressed SEC 1 form.
//
// It is encoded directly, in one allocation: canonical CBOR is one
// encoding (TestSessionTranscriptDirect compares it with the reflective
// encoder's). A nil slice is encoded as null, as that encoder does.
func SessionTranscript(aid, readerKey, deviceKey, readerNonce []byte) []byte {
	const label = "ApCV-NFC-1"
	parts := [4][]byte{aid, readerKey, deviceKey, readerNonce}
	n := 2 + len(label)
	for _, p := range parts {
		n += 9 + len(p)
	}
	b := make([]byte, 0, n)
	b = appendHead(b, 4, uint64(1+len(parts)))
	b = appendHead(b, 3, uint64(len(label)))
	b = append(b, label...)
	for _, p := range parts {
		if p == nil {
			b = append(b, 0xf6)
			continue
		}
		b = appendHead(b, 2, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// Session holds the two AEAD keys of one NFC session and its counters.
// It is not safe for concurrent use; one session serves one exchange.
type Session struct {
	role             Role
	seal, open       cipher.AEAD
	sealCtr, openCtr uint32
}

// DeriveSession computes the session keys from our ephemeral key, the peer's
// public key (65-byte SEC 1) and the transcript.
func DeriveSession(role Role, own *ecdh.PrivateKey, peer []byte, transcript []byte) (*Session, error) {
	pub, err := ecdh.P256().NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("credential: session: peer key: %w", ErrMalformed)
	}
	z, err := own.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("credential: session: ECDH: %w", ErrMalformed)
	}
	salt := sha256.Sum256(transcript)
	// hkdf.Key for each key, with the one extraction both share.
	prk, err := hkdf.Extract(sha256.New, z, salt[:])
	if err != nil {
		return nil, err
	}
	aead := func(info string) (cipher.AEAD, error) {
		k, err := hkdf.Expand(sha256.New, prk, info, 32)
		if err != nil {
			return nil, err
		}
		blk, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(blk)
	}
	skReader, err := aead("SKReader")
	if err != nil {
		return nil, err
	}
	skDevice, err := aead("SKDevice")
	if err != nil {
		return nil, err
	}
	s := &Session{role: role, seal: skReader, open: skDevice}
	if role == RoleDevice {
		s.seal, s.open = skDevice, skReader
	}
	return s, nil
}

func nonce(role Role, ctr uint32) []byte {
	n := make([]byte, 12)
	n[7] = byte(role)
	binary.BigEndian.PutUint32(n[8:], ctr)
	return n
}

// Seal encrypts the next message from our side.
func (s *Session) Seal(plaintext []byte) []byte {
	s.sealCtr++
	return s.seal.Seal(nil, nonce(s.role, s.sealCtr), plaintext, nil)
}

// Open decrypts the next message from the peer. A message altered, replayed
// or out of order is refused with ErrMalformed.
func (s *Session) Open(ciphertext []byte) ([]byte, error) {
	peer := RoleDevice
	if s.role == RoleDevice {
		peer = RoleReader
	}
	pt, err := s.open.Open(nil, nonce(peer, s.openCtr+1), ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("credential: session: message %d does not authenticate: %w", s.openCtr+1, ErrMalformed)
	}
	s.openCtr++
	return pt, nil
}

// DeviceRequest is what the reader asks for, encrypted in the session.
type DeviceRequest struct {
	Version uint8
	Groups  []Group
}

// wireDeviceRequest is the request on the wire: the groups as an array of
// unsigned integers (a []uint8 would travel as a byte string).
type wireDeviceRequest struct {
	Version uint8    `cbor:"1,keyasint"`
	Groups  []uint16 `cbor:"2,keyasint"`
}

// EncodeDeviceRequest returns the CBOR of a request for groups, which must
// hold AMO and no group twice (ErrMalformed otherwise).
func EncodeDeviceRequest(groups []Group) ([]byte, error) {
	if len(groups) == 0 || len(groups) > len(AllGroups) {
		return nil, fmt.Errorf("credential: device request of %d groups: %w", len(groups), ErrMalformed)
	}
	if err := checkRequestGroups(groups); err != nil {
		return nil, fmt.Errorf("credential: device request: %w", err)
	}
	// The canonical CBOR of wireDeviceRequest, written directly
	// (TestEncodeDeviceRequestDirect compares it with the reflective
	// encoding): {1: Version, 2: [groups…]}.
	out := make([]byte, 0, 3+9+2*len(groups))
	out = append(out, 0xa2, 0x01)
	out = appendHead(out, 0, Version)
	out = append(out, 0x02)
	out = appendHead(out, 4, uint64(len(groups)))
	for _, g := range groups {
		out = appendHead(out, 0, uint64(g))
	}
	return out, nil
}

// DecodeDeviceRequest parses a request; unknown or repeated groups, and a
// request without AMO, are refused (ErrMalformed).
func DecodeDeviceRequest(b []byte) (*DeviceRequest, error) {
	var w wireDeviceRequest
	if err := unmarshal("device request", b, &w); err != nil {
		return nil, err
	}
	r := DeviceRequest{Version: w.Version}
	for _, g := range w.Groups {
		if g > 255 {
			return nil, fmt.Errorf("credential: device request: group %d: %w", g, ErrMalformed)
		}
		r.Groups = append(r.Groups, Group(g))
	}
	if r.Version < Version {
		return nil, fmt.Errorf("credential: device request version %d: %w", r.Version, ErrUnsupportedVersion)
	}
	if len(r.Groups) == 0 || len(r.Groups) > len(AllGroups) {
		return nil, fmt.Errorf("credential: device request of %d groups: %w", len(r.Groups), ErrMalformed)
	}
	if err := checkRequestGroups(r.Groups); err != nil {
		return nil, fmt.Errorf("credential: device request: %w", err)
	}
	return &r, nil
}

// checkRequestGroups applies the rules of a request's groups
// (docs/PROTOCOL.md §7.3): known groups, each at most once, AMO among them
// (the other groups attach to its beneficiaries). Their order carries no
// meaning.
func checkRequestGroups(gs []Group) error {
	var seen [GroupEtatCivil + 1]bool
	for _, g := range gs {
		if g < GroupAMO || g > GroupEtatCivil {
			return fmt.Errorf("group %d: %w", g, ErrMalformed)
		}
		if seen[g] {
			return fmt.Errorf("group %v twice: %w", g, ErrMalformed)
		}
		seen[g] = true
	}
	if !seen[GroupAMO] {
		return fmt.Errorf("no AMO group: %w", ErrMalformed)
	}
	return nil
}

// Receipt is a care-expense record the PS writes to the phone after billing,
// shown in the app's Activités for 7 days.
type Receipt struct {
	Beneficiary int    `cbor:"1,keyasint"` // index in the family
	PSID        string `cbor:"2,keyasint"` // the PS's RPPS/ADELI number
	PSName      string `cbor:"3,keyasint"`
	AmountCents int64  `cbor:"4,keyasint"` // amount paid by the patient
	Date        uint64 `cbor:"5,keyasint"` // unix seconds
}

// EncodeReceipt returns the CBOR of r after checking it.
func EncodeReceipt(r Receipt) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return marshal(r)
}

// DecodeReceipt parses and checks a receipt.
//
// A receipt has exactly one encoding, the one EncodeReceipt writes: every
// key present (a missing amount would read as 0) and no extension key (a
// receipt has no version). Anything else is refused with ErrMalformed.
func DecodeReceipt(b []byte) (*Receipt, error) {
	var r Receipt
	if err := unmarshal("receipt", b, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if again, err := marshal(r); err != nil || !bytes.Equal(again, b) {
		return nil, fmt.Errorf("credential: receipt: not in its one encoding (a key missing or added): %w", ErrMalformed)
	}
	return &r, nil
}

// Validate checks the receipt's fields.
func (r Receipt) Validate() error {
	switch {
	case r.Beneficiary < 0 || r.Beneficiary >= MaxBeneficiaires:
		return fieldErr("receipt.beneficiary", "index %d out of range", r.Beneficiary)
	case r.AmountCents < 0 || r.AmountCents > 100_000_00:
		return fieldErr("receipt.amount", "%d cents out of range", r.AmountCents)
	case r.Date == 0:
		return fieldErr("receipt.date", "is zero")
	}
	if err := checkText("receipt.psId", r.PSID, true, 20); err != nil {
		return err
	}
	return checkText("receipt.psName", r.PSName, true, 80)
}
